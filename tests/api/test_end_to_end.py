"""The bridge over real sockets: local connector -> ``build_copilot_app`` on uvicorn -> HTTP client.

Both servers listen on free 127.0.0.1 ports.  The LLM is the SDK's offline stand-in
(``local_summarizer_llm``), so no network is involved.  Waits poll a route against a deadline.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autoplay_sdk.api import build_copilot_app
from autoplay_sdk.testing import LocalConnector
from autoplay_sdk.testing._summarizer import local_summarizer_llm
from tests.api._harness import UvicornThread, actions_event, eventually_sync

pytestmark = pytest.mark.timeout(60)

KEY = "e2e-key-3f9a"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def quiet_connector() -> Iterator[LocalConnector]:
    """A connector whose streams stay silent (no heartbeat for 30 s) once its log is sent."""
    with LocalConnector(heartbeat_s=30) as server:
        yield server


def wait_for_activity(http: httpx.Client, user_id: str) -> str:
    def check() -> str | None:
        response = http.get(f"/context/{user_id}", params={"query": "q"}, headers=AUTH)
        return response.json()["context"] if response.status_code == 200 else None

    return eventually_sync(check, what=f"activity of {user_id!r} over HTTP")


def test_streamed_activity_is_served_over_http(quiet_connector: LocalConnector) -> None:
    app = build_copilot_app(
        stream_url=quiet_connector.stream_url, token=quiet_connector.token, llm=local_summarizer_llm, api_key=KEY
    )
    with UvicornThread(app) as bridge, httpx.Client(base_url=bridge.base_url, timeout=10) as http:
        quiet_connector.publish(actions_event("u-ada", "s-ada", ["Clicked Export", "Opened billing"]))

        context = wait_for_activity(http, "u-ada")
        assert context.startswith("Session s-ada (demo-product):\n")
        assert "Clicked Export" in context and "Opened billing" in context

        reply = http.get("/reply/u-ada", params={"query": "What did I just do?"}, headers=AUTH)
        assert reply.status_code == 200
        body = reply.json()
        assert (body["user_id"], body["query"], body["context"]) == ("u-ada", "What did I just do?", context)
        assert "Opened billing" in body["reply"]  # the offline LLM summarises the activity it was given

        unknown = http.get("/context/u-nobody", params={"query": "q"}, headers=AUTH)
        assert (unknown.status_code, unknown.json()) == (404, {"detail": "No activity found for user"})

        for path in ("/context/u-ada?query=q", "/reply/u-ada?query=q", "/docs", "/openapi.json"):
            assert http.get(path).status_code == 401
        assert http.get(path, headers={"Authorization": "Bearer not-the-key"}).status_code == 401
        assert http.get("/healthz").json() == {"status": "ok"}

        reset = http.post("/admin/reset/u-ada", headers=AUTH)
        assert reset.json() == {"status": "ok", "user_id": "u-ada"}
        assert http.get("/context/u-ada", params={"query": "q"}, headers=AUTH).status_code == 404
        http.close()  # no keep-alive connection left for uvicorn to wait on

        elapsed = bridge.stop()
    assert elapsed < 3.0
    assert bridge.error is None


def test_defect_bridge_shuts_down_promptly_on_an_idle_stream_under_uvicorn(quiet_connector: LocalConnector) -> None:
    app = build_copilot_app(
        stream_url=quiet_connector.stream_url, token=quiet_connector.token, llm=local_summarizer_llm
    )
    with UvicornThread(app) as bridge:
        assert quiet_connector.wait_for_connections(1, timeout=10)  # connected, and nothing will arrive
        elapsed = bridge.stop()
    # uvicorn polls should_exit every 0.1 s; the reader must not hold shutdown for a heartbeat (30 s).
    assert elapsed < 3.0
    assert bridge.error is None
    assert app.state.connector_task.done()
