"""The async client inside a FastAPI app: started and stopped by the app's lifespan.

Serve it for real with ``uvicorn fastapi_lifespan:app`` (from examples/, with
STREAM_URL and AUTOPLAY_APP_UNKEY_TOKEN set); run as a script, it starts the app in process
against a local connector, calls one route and ends.

Run: python examples/fastapi_lifespan.py [STREAM_URL [TOKEN]]
"""

import os
import threading
from collections import Counter
from contextlib import asynccontextmanager

from fastapi import FastAPI

from autoplay_sdk import ActionsPayload, AsyncConnectorClient

actions_per_session: Counter[str] = Counter()
first_batch = threading.Event()


async def on_actions(payload: ActionsPayload) -> None:
    actions_per_session[payload.session_id or "unknown"] += payload.count  # sync or async both work
    first_batch.set()


def create_app(stream_url: str, token: str) -> FastAPI:
    client = AsyncConnectorClient(url=stream_url, token=token, session_concurrency=1)
    client.on_actions(on_actions)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = client.run_in_background()  # an asyncio.Task on the app's loop
        yield
        client.stop()
        await task  # waits for accepted payloads (drain_timeout_s)

    app = FastAPI(lifespan=lifespan)

    @app.get("/sessions")
    async def sessions() -> dict[str, int]:
        return dict(actions_per_session)

    return app


if os.environ.get("STREAM_URL"):  # uvicorn fastapi_lifespan:app
    app = create_app(os.environ["STREAM_URL"], os.environ.get("AUTOPLAY_APP_UNKEY_TOKEN", ""))


async def main() -> None:
    import asyncio
    import sys

    import httpx

    from autoplay_sdk.testing import stream_source

    with stream_source(*sys.argv[1:3]) as source:
        app = create_app(source.url, source.token)
        # What uvicorn does around the app: run its lifespan, serve requests in between.
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http,
        ):
            await asyncio.to_thread(first_batch.wait, source.timeout)
            print("actions per session so far:", (await http.get("/sessions")).json())


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())
