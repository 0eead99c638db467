"""Serving the control room: loopback by default, and secrets never reach the access log."""

import logging

import aiohttp

from livekit.web import DEFAULT_HOST, create_app, serve

TOKEN = "server-test-token-0123456789"


def test_the_default_address_is_loopback():
    assert DEFAULT_HOST == "127.0.0.1"


async def test_the_access_log_shows_paths_but_never_tokens(live_show, caplog):
    served = await serve(create_app(live_show, TOKEN), port=0)
    try:
        assert served.url.startswith("http://127.0.0.1:")
        with caplog.at_level(logging.INFO, logger="livekit.web.access"):
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{served.url}/control?token={TOKEN}") as response:
                    assert response.status == 200
                async with session.get(f"{served.url}/api/state",
                                       headers={"Authorization": f"Bearer {TOKEN}"}) as response:
                    assert response.status == 200
    finally:
        await served.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"GET /control" 200' in logged and '"GET /api/state" 200' in logged
    assert TOKEN not in logged
