"""The baseline of ack_latency.py: a Bolt app whose listeners only ack, on the server stack of `srm run`.

Run:  PYTHONPATH=. python bench/bare_app.py PORT SLACK_API_URL SIGNING_SECRET
"""

import re
import sys

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.core.web import make_server, serve_forever


def main(port: int, api_url: str, secret: str) -> None:
    # The token lives in the client (passing `token=` too only makes Bolt warn that it is unused).
    app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=secret,
              token_verification_enabled=False, process_before_response=True)  # fmt: skip
    app.command("/srm")(lambda ack: ack())
    app.event("message")(lambda ack: ack())
    app.action(re.compile(".*"))(lambda ack: ack())
    bolt = SlackRequestHandler(app)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return bolt(environ, start_response)

    serve_forever(make_server(wsgi, host="127.0.0.1", port=port))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
