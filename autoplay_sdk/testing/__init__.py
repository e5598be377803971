"""A real, local Autoplay connector for tests, demos and offline development.

:class:`LocalConnector` is an HTTP server on 127.0.0.1 (an ephemeral port by default) that
speaks the hosted connector's SSE contract, so :class:`~autoplay_sdk.ConnectorClient`,
:class:`~autoplay_sdk.AsyncConnectorClient` or any SSE client can be pointed at it over real
sockets.  It is a FastAPI app run by uvicorn on a daemon thread, so it needs the ``serve``
extra (``pip install 'autoplay-sdk[serve]'``).  Importing this package does not import FastAPI
or uvicorn; constructing a ``LocalConnector`` without them raises ``ImportError`` naming the
extra.

Context manager::

    from autoplay_sdk import ConnectorClient
    from autoplay_sdk.testing import LocalConnector, sample_events

    with LocalConnector(sample_events()) as server:
        client = ConnectorClient(server.stream_url, token=server.token)
        ...
        server.publish({"type": "actions", ...})   # reaches open streams at once

pytest fixtures (the ``autoplay_sdk`` pytest plugin is registered automatically)::

    def test_my_integration(local_connector, payload_recorder):
        local_connector.publish_many(sample_events())
        client = payload_recorder.attach(ConnectorClient(local_connector.stream_url, token=local_connector.token))
        client.run_in_background()
        assert payload_recorder.wait_for(5)       # five payloads delivered; no sleeps
        client.stop()

Push mode: with ``push_url`` (and ``push_secret``) every published mapping or string is also
POSTed there, signed like the connector does, by a :class:`PushSender` started and stopped with
the server (``server.pusher`` gives its ``stats`` and ``flush()``)::

    with LocalConnector(sample_events(), push_url="http://127.0.0.1:8000/webhook", push_secret=s) as server:
        server.pusher.flush()

A program that reads the stream URL it is given, or else a local connector with a sample
(what every example in ``examples/`` does)::

    with stream_source(*sys.argv[1:3]) as source:   # [STREAM_URL [TOKEN]]
        client = ConnectorClient(source.url, token=source.token)

Fault injection, for subsequent connections::

    server.fail_next(2, status=503)          # the next two stream requests get 503
    server.close_after(3)                    # each connection ends cleanly after 3 entries
    server.close_after(3, abrupt=True)       # ... or drops TCP mid-frame
    server.set_delay(0.5)                    # a slow connector
    server.publish("{not json")              # malformed data line
    server.publish_raw(b"data: \\xff\\xfe\\n\\n")  # invalid UTF-8, written as-is

Wire contract as served:

* ``GET /stream/{product_id}`` with ``Authorization: Bearer <token>``.  Missing or non-Bearer
  credentials give **401** (with ``WWW-Authenticate: Bearer``), a wrong token **403** (compared
  with ``hmac.compare_digest``), a product that is neither ``product_id`` nor one of
  ``extra_products`` **404**.  Error bodies are JSON ``{"detail": ..., "status": ...}``.
* Success is **200** with ``Content-Type: text/event-stream`` (exactly, no charset) and
  ``Cache-Control: no-cache``, as a chunked body.
* Each published entry is ``id: <n>``, an optional ``event: <name>``, ``data:`` line(s) and a
  blank line.  Heartbeats are ``event: heartbeat`` + empty ``data:`` + blank line, sent after
  ``heartbeat_s`` without any write.  With ``retry_ms`` set, every stream starts with the block
  ``retry: <ms>`` + blank line (it carries no data, so SSE clients dispatch no event for it).
* ``POST /products`` registers a product and mints its stream key (see
  :mod:`autoplay_sdk.testing._registration`); the product streams at once with that key, and
  with ``sample_new_products=True`` its stream starts with a sample of its own.

Decisions:

* **One log, global ids.**  Ids count ``1, 2, ...`` across all products; a stream for product X
  carries only X's entries, so its ids may have gaps.  Raw frames (:meth:`LocalConnector.publish_raw`)
  get no id.
* **Resume.**  ``Last-Event-ID: n`` replays what comes after the last entry whose id is ``<= n``
  (raw entries after it included).  An id beyond the log therefore replays nothing; a
  non-numeric value is treated as absent, i.e. the whole log is replayed.
* **Faults are per connection.**  ``close_after`` and ``abrupt`` are read when a connection is
  accepted; ``set_delay`` applies at once to every stream.  ``fail_next`` is checked *before*
  authentication, like a proxy in front of the connector, and replaces any earlier call.  An
  abrupt close writes half of the next frame (half a heartbeat if the log has nothing more) and
  then drops the connection without the terminating chunk; uvicorn's error log record for this
  deliberate abort is filtered out (a filter on the ``uvicorn.error`` logger that matches only
  our private exception).
* **Shutdown never hangs.**  :meth:`LocalConnector.stop` wakes every stream, which ends its
  body cleanly, then stops uvicorn (about 0.2 s).  A client that stopped reading leaves its
  stream stuck in a write; that connection is dropped after 0.5 s.  The connector can be
  started again on the same port, with its log intact, to simulate an outage.
* **Live sample.**  The events :func:`sample_events` makes by default are re-stamped when a
  stream opens: their timestamps move forward by the time elapsed since they were made
  (relative timing kept), so a connector left running for an hour still serves activity that
  looks a few seconds old.  Events you build yourself, or ``sample_events(start=...)``, are
  sent exactly as given.
* **Client-side waits.**  :class:`PayloadRecorder` records what a client delivered and blocks
  until a count or a predicate is reached; the server-side ``wait_*`` helpers only say what the
  server wrote.
* **Quiet stop.**  Writes to a client that has gone away end its stream without warnings on
  stderr (asyncio's ``socket.send() raised exception.`` record is filtered for the connector's
  own thread only).
* **Secrets.**  The token is a ``secrets.token_hex(24)`` unless given.  It is never logged,
  is not in ``repr``, and :class:`ConnectionRecord` keeps only ``authorization_present``: the
  ``authorization``, ``proxy-authorization`` and ``cookie`` headers are dropped.  The server
  logs (``autoplay_sdk.testing``) carry ports, product ids and statuses only; uvicorn is run
  with ``log_config=None``, so no logging configuration is changed.
* **Validation.**  Bad arguments raise :class:`~autoplay_sdk.SdkConfigError`, including a
  publish to an unknown product (a typo would otherwise fail silently).
* Also: ``publish_many(..., product_id=)``, the ``running`` and
  ``sent_count`` properties, and restart after ``stop()``.
"""

from autoplay_sdk.testing._push import PushSender, PushStats
from autoplay_sdk.testing._recorder import PayloadRecorder
from autoplay_sdk.testing._sample import sample_events
from autoplay_sdk.testing._server import ConnectionRecord, LocalConnector
from autoplay_sdk.testing._source import StreamSource, stream_source
from autoplay_sdk.testing._summarizer import local_summarizer_llm, local_summarizer_llm_sync

__all__ = [
    "ConnectionRecord",
    "LocalConnector",
    "PayloadRecorder",
    "PushSender",
    "PushStats",
    "StreamSource",
    "local_summarizer_llm",
    "local_summarizer_llm_sync",
    "sample_events",
    "stream_source",
]
