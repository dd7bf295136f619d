"""The HTTP server loop survives a socket closed under select() (waitress 3.0.2 would stop serving)."""

import errno
import os

import pytest

from bot.core.web import serve_forever


class _Server:
    """Stands in for waitress: its loop fails once with EBADF, then serves until its sockets are gone."""

    def __init__(self, failure: OSError, fd: int):
        self._map = {fd: object()}
        self.failure, self.runs = failure, 0

    def run(self):
        self.runs += 1
        if self.runs == 1:
            raise self.failure
        self._map.clear()


@pytest.fixture
def open_fd():
    read, write = os.pipe()
    yield read
    os.close(read)
    os.close(write)


def test_a_socket_closed_under_select_does_not_stop_serving(open_fd):
    server = _Server(OSError(errno.EBADF, "Bad file descriptor"), open_fd)
    serve_forever(server)
    assert server.runs == 2


def test_a_closed_descriptor_is_dropped_instead_of_spinning(open_fd):
    read, write = os.pipe()
    os.close(read)
    server = _Server(OSError(errno.EBADF, "Bad file descriptor"), open_fd)
    server._map[read] = object()
    serve_forever(server)
    assert server.runs == 2 and read not in server._map
    os.close(write)


def test_other_server_errors_still_stop_it(open_fd):
    with pytest.raises(OSError):
        serve_forever(_Server(OSError(errno.EADDRINUSE, "Address in use"), open_fd))
