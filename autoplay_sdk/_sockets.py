"""Listening sockets for the servers the SDK runs itself (the local connector, ``autoplay-sdk serve``).

The socket is bound before uvicorn starts, so ``port=0`` resolves to the real port at once and a
port already in use fails early with an ``OSError`` the caller can explain.
"""

from __future__ import annotations

import socket

__all__ = ["base_url", "bind_listening_socket"]


def bind_listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A TCP socket bound to ``(host, port)`` (``SO_REUSEADDR`` set) and listening.

    ``port=0`` picks a free port (read it back with ``getsockname()``).  Raises ``OSError`` if
    the address cannot be resolved or bound; the socket is closed in that case.
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def base_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 host in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
