"""Loopback SSE server for the stream benchmark: pre-rendered frames, no ASGI in the way.

Run as a separate process (``benchmarks/stream.py`` starts it with ``subprocess``) so that it
never competes with the measured client for the GIL::

    python benchmarks/_loopback.py --sizes 5000,20000 [--frames-per-chunk 1]

At start-up it renders, for every size ``N``, one complete HTTP/1.1 response whose body carries
exactly ``N`` payload frames (``actions`` mostly, some ``summary``) plus an occasional
``event: heartbeat`` frame, in ``transfer-encoding: chunked``, and prints one JSON line
``{"port": ..., "sizes": {...}}`` to stdout.  ``GET /stream/<anything>?n=N`` then gets that
response written with one ``sendall`` followed by the terminating ``0\\r\\n\\r\\n`` and a close.
Any other ``n`` gets a 404.  The process exits when its stdin reaches EOF (i.e. when the parent
closes the pipe or dies).

Framing: by default each SSE frame is one HTTP chunk, which is what uvicorn produces for a
``StreamingResponse`` / ``EventSourceResponse`` that yields one frame per iteration (one
ASGI ``http.response.body`` message -> one chunk).  ``--frames-per-chunk K`` groups ``K``
frames per chunk instead.  Frame text follows the project's local connector
(``autoplay_sdk.testing``): ``id: <n>`` + one ``data:`` line of compact JSON, heartbeats are
``event: heartbeat`` + empty ``data:``.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import socketserver
import sys
import threading
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

PRODUCT_ID = "prod_7f3c2a9e"
SESSIONS = 50
SUMMARY_EVERY = 12  # roughly one payload in 12 is a summary
HEARTBEAT_EVERY = 500  # one heartbeat frame per 500 payload frames
HEARTBEAT_FRAME = b"event: heartbeat\ndata: \n\n"

_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\n"
    b"x-accel-buffering: no\r\n"
    b"connection: close\r\n"
    b"transfer-encoding: chunked\r\n"
    b"\r\n"
)
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_TERMINATOR = b"0\r\n\r\n"

_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds", "Perlman"]
_STEPS = [
    ("click", "Clicked 'New board'", "Opened the board creation dialog", "/projects/{p}/boards/new"),
    ("input", "Typed board name", "Entered a name for the new board", "/projects/{p}/boards/new"),
    ("click", "Clicked 'Create'", "Submitted the board creation form", "/projects/{p}/boards"),
    ("navigate", "Opened board", "Navigated to the sprint planning board", "/projects/{p}/boards/{b}"),
    ("click", "Clicked 'Add card'", "Started adding a card to the To do column", "/projects/{p}/boards/{b}"),
    ("input", "Typed card title", "Entered the title of a new card", "/projects/{p}/boards/{b}"),
    ("drag", "Moved card", "Dragged a card from To do to In progress", "/projects/{p}/boards/{b}"),
    ("click", "Opened settings", "Opened the project settings page", "/projects/{p}/settings"),
    ("click", "Clicked 'Invite'", "Opened the invite teammates dialog", "/projects/{p}/settings/members"),
    ("submit", "Sent invite", "Invited a teammate by email", "/projects/{p}/settings/members"),
]


def _personas(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(SESSIONS):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        out.append(
            {
                "session_id": f"ps_{rng.getrandbits(96):024x}",
                "user_id": f"user_{i:04d}",
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "name": f"{first} {last}",
                "project": rng.randrange(100, 999),
                "board": rng.randrange(1000, 9999),
                "clock": 1_760_000_000.0 + rng.uniform(0, 3600),
                "index": 0,
                "since_summary": 0,
            }
        )
    return out


def _actions_payload(rng: random.Random, who: dict[str, Any]) -> dict[str, Any]:
    actions = []
    for _ in range(rng.choice((2, 3, 3, 3, 4))):
        kind, title, description, path = rng.choice(_STEPS)
        path = path.format(p=who["project"], b=who["board"])
        start = round(who["clock"], 3)
        who["clock"] += rng.uniform(0.3, 6.0)
        actions.append(
            {
                "title": title,
                "description": description,
                "canonical_url": f"https://app.example.com{path}",
                "index": who["index"],
                "type": kind,
                "timestamp_start": start,
                "timestamp_end": round(who["clock"], 3),
                "raw_url": f"https://app.example.com{path}?ref=nav&utm_source=app&t={rng.getrandbits(32):08x}",
                "session_id": who["session_id"],
                "user_id": who["user_id"],
                "email": who["email"],
            }
        )
        who["index"] += 1
    who["since_summary"] += len(actions)
    return {
        "type": "actions",
        "product_id": PRODUCT_ID,
        "session_id": who["session_id"],
        "user_id": who["user_id"],
        "email": who["email"],
        "actions": actions,
        "count": len(actions),
        "forwarded_at": round(who["clock"] + rng.uniform(0.4, 1.5), 3),
    }


def _summary_payload(rng: random.Random, who: dict[str, Any]) -> dict[str, Any]:
    replaces, who["since_summary"] = who["since_summary"], 0
    steps = ", ".join(rng.choice(_STEPS)[2].lower() for _ in range(3))
    return {
        "type": "summary",
        "product_id": PRODUCT_ID,
        "session_id": who["session_id"],
        "summary": f"{who['name']} ({who['email']}) is working in project {who['project']}. They {steps}.",
        "replaces": replaces,
        "forwarded_at": round(who["clock"] + rng.uniform(1.5, 4.0), 3),
    }


def render_frames(n: int, seed: int = 7) -> tuple[list[bytes], dict[str, int]]:
    """``n`` payload frames (plus heartbeats) as SSE text, and counts by kind."""
    rng = random.Random(seed)
    people = _personas(rng)
    frames: list[bytes] = []
    stats = {"actions": 0, "summary": 0, "heartbeat": 0}
    for event_id in range(1, n + 1):
        if event_id % HEARTBEAT_EVERY == 0:
            frames.append(HEARTBEAT_FRAME)
            stats["heartbeat"] += 1
        who = rng.choice(people)
        if rng.randrange(SUMMARY_EVERY) == 0 and who["since_summary"]:
            payload = _summary_payload(rng, who)
        else:
            payload = _actions_payload(rng, who)
        stats[payload["type"]] += 1
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        frames.append(f"id: {event_id}\ndata: {data}\n\n".encode())
    return frames, stats


def render_response(n: int, frames_per_chunk: int = 1) -> tuple[bytes, dict[str, int]]:
    """The complete chunked HTTP response carrying ``n`` payload frames."""
    frames, stats = render_frames(n)
    parts = [_HEAD]
    for i in range(0, len(frames), frames_per_chunk):
        body = b"".join(frames[i : i + frames_per_chunk])
        parts.append(b"%x\r\n%b\r\n" % (len(body), body))
    parts.append(_TERMINATOR)
    response = b"".join(parts)
    stats["frames"] = len(frames)
    stats["chunks"] = len(parts) - 2
    stats["body_bytes"] = sum(len(f) for f in frames)
    stats["response_bytes"] = len(response)
    return response, stats


class _Handler(socketserver.BaseRequestHandler):
    responses: ClassVar[dict[int, bytes]] = {}

    def handle(self) -> None:
        sock: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            data = sock.recv(4096)
            if not data:
                return
            head += data
        target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
        query = parse_qs(urlsplit(target).query)
        try:
            response = self.responses[int(query["n"][0])]
        except (KeyError, ValueError, IndexError):
            response = _NOT_FOUND
        try:
            sock.sendall(response)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the client went away first (e.g. stop() before the end)
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", required=True, help="comma-separated payload counts to pre-render")
    parser.add_argument("--frames-per-chunk", type=int, default=1)
    args = parser.parse_args(argv)
    info: dict[str, dict[str, int]] = {}
    for n in sorted({int(s) for s in args.sizes.split(",") if s}):
        _Handler.responses[n], info[str(n)] = render_response(n, args.frames_per_chunk)
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="loopback").start()
    print(json.dumps({"port": server.server_address[1], "sizes": info}), flush=True)
    sys.stdin.read()  # block until the parent closes the pipe
    server.shutdown()


if __name__ == "__main__":
    main()
