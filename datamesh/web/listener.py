"""The console's listening socket, bound before `datamesh serve` prints any secret.

Printing the sign-in address first and binding afterwards would hand the one-time code to
whichever local program already holds the port (another OS user's, say), which could then show
a look-alike sign-in form and collect the API token: serve binds, then prints, then serves on
the socket it holds. No SO_REUSEADDR/SO_REUSEPORT, so a port another program listens on is
refused instead of shared.
"""

from __future__ import annotations

import socket
from typing import Any

from datamesh.errors import MeshError


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on loopback ``host``:``port``, or a one-line error when it is taken."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise MeshError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; another program holds it (choose --port)",
            "conflict",
        ) from error
    return sock


def run(app: Any, sock: socket.socket) -> None:
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])
