"""Real local servers that alert channels deliver to: a webhook (Apprise's json://) and an SMTP server (aiosmtpd),
and the HTTP calls of the robots whose hosts are fixed (WeCom, DingTalk, Feishu), captured in-process."""

from __future__ import annotations

import json
import threading
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support.servers import free_port


class Webhook:
    """POSTs to http://127.0.0.1:<port>/hook, kept in order; `status` is what it answers (500 = failing)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        self.port = free_port()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if sink.status == 200:
                    sink.received.append(json.loads(body))
                self.send_response(sink.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def titles(self) -> list[str]:
        return [m.get("title", "") for m in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An SMTP server on 127.0.0.1 (aiosmtpd) keeping each message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[str] = []
        box = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
                box.messages.append(envelope.content.decode("utf-8", "replace"))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}/lead@example.com?from=wallboard@example.com&mode=insecure"

    def subjects(self) -> list[str]:
        from email import message_from_string
        from email.header import decode_header, make_header

        return [str(make_header(decode_header(message_from_string(m)["Subject"] or ""))) for m in self.messages]

    def close(self) -> None:
        self.controller.stop()


def webhook() -> closing[Webhook]:
    return closing(Webhook())


def mailbox() -> closing[Mailbox]:
    return closing(Mailbox())


class CapturedPosts:
    """`requests.post` replaced in-process: each call kept (url, params, json body), answered as the service does."""

    def __init__(self, answer: dict | None = None) -> None:
        self.calls: list[dict] = []
        self.answer = answer or {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}

    def __call__(self, url, data=None, params=None, headers=None, **_kw):
        import requests

        self.calls.append({"url": url, "params": params, "body": json.loads(data) if data else None,
                           "wire_url": requests.Request("POST", url, params=params).prepare().url})
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(self.answer).encode()  # noqa: SLF001 - building a canned response
        return response
