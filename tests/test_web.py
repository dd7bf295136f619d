"""The HTTP server loop survives a socket closed under select() (waitress 3.0.2 would stop serving)."""

import errno

import pytest

from bot.web import serve_forever


class _Server:
    """Stands in for waitress: its loop fails once with EBADF, then serves until its sockets are gone."""

    def __init__(self, failure: OSError):
        self._map = {1: object()}
        self.failure, self.runs = failure, 0

    def run(self):
        self.runs += 1
        if self.runs == 1:
            raise self.failure
        self._map.clear()


def test_a_socket_closed_under_select_does_not_stop_serving():
    server = _Server(OSError(errno.EBADF, "Bad file descriptor"))
    serve_forever(server)
    assert server.runs == 2


def test_other_server_errors_still_stop_it():
    with pytest.raises(OSError):
        serve_forever(_Server(OSError(errno.EADDRINUSE, "Address in use")))
