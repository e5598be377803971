"""The copilot bridge: per-user context and LLM replies over HTTP, from a live stream.

``build_copilot_app`` is what ``autoplay-sdk serve`` runs on uvicorn.  Here the app runs in
process: it reads the stream, then we ask who is there (``GET /users``), what one user is doing
(``GET /context/{user_id}``) and a reply grounded in it (``GET /reply/{user_id}``).

Run: python examples/copilot_bridge.py [STREAM_URL [TOKEN]]
"""

import asyncio
import secrets
import sys

import httpx

from autoplay_sdk.api import build_copilot_app
from autoplay_sdk.testing import local_summarizer_llm, stream_source


async def llm(prompt: str) -> str:
    return await local_summarizer_llm(prompt)  # your model call goes here


async def first_users(http: httpx.AsyncClient, timeout: float) -> list[dict]:
    """Ask ``GET /users`` until the stream has delivered someone (an HTTP client can only poll)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (users := (await http.get("/users")).json()["users"]) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return users


async def main() -> None:
    api_key = secrets.token_hex(16)
    headers = {"Authorization": f"Bearer {api_key}"}
    with stream_source(*sys.argv[1:3]) as source:
        app = build_copilot_app(stream_url=source.url, token=source.token, llm=llm, api_key=api_key)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bridge", headers=headers
            ) as http,
        ):
            users = await first_users(http, source.timeout)
            user_id = users[0]["user_id"]
            print("users:", ", ".join(u["user_id"] for u in users))
            context = (await http.get(f"/context/{user_id}", params={"query": "How do I invite someone?"})).json()
            print(context["context"])
            reply = (await http.get(f"/reply/{user_id}", params={"query": "How do I invite someone?"})).json()
            print("reply:", reply["reply"])


asyncio.run(main())
