"""AWS as the console meets it when it cannot act there, made real for real botocore clients: no
credentials anywhere, an endpoint that refuses connections, one that never answers (a listening
socket whose queue is full, so the kernel drops the SYN: the connect times out, as behind a
firewall that drops packets), and an STS that refuses AssumeRole. AWS_ENDPOINT_URL points every
client botocore makes (STS included) at them."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
)


def no_credentials(monkeypatch: pytest.MonkeyPatch, home: Path, config: str = "") -> None:
    """No credentials in the environment, the shared files (``config`` is ~/.aws/config's text) or
    the instance (the metadata service is off: this machine is no EC2 instance)."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (home / "config").write_text(config)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def keys_and_endpoint(monkeypatch: pytest.MonkeyPatch, home: Path, endpoint: str) -> None:
    """Static keys (they are never checked: nothing reaches AWS) and every service at ``endpoint``."""
    no_credentials(monkeypatch, home)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


@contextlib.contextmanager
def refusing_port() -> Iterator[str]:
    """An address whose port is bound but not listening: every connection is refused at once."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}"


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """An address that never answers a connection: its accept queue is full, so new SYNs are dropped."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(3):  # more than the queue holds (backlog 0: one)
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        time.sleep(0.1)
        probe = stack.enter_context(socket.socket())
        probe.settimeout(0.3)
        with pytest.raises(TimeoutError):
            probe.connect(("127.0.0.1", port))  # the premise: connecting times out
        yield f"http://127.0.0.1:{port}"


ASSUME_ROLE_DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>AccessDenied</Code><Message>User: arn:aws:iam::444444444444:user/alice is not authorized to "
    "perform: sts:AssumeRole on resource: {role}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
)


@contextlib.contextmanager
def sts_refusing_assume_role(role: str) -> Iterator[str]:
    """An STS endpoint that answers every AssumeRole as AWS answers a principal the role does not trust."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = ASSUME_ROLE_DENIED.format(role=role).encode()
            self.send_response(403)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
