"""DIGIBRIDGE_WEB_ALLOWED_ORIGINS: frame-ancestors and CORS for exactly those sites."""

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web.embedding import page_policy, parse_origins
from bot.gateway.app import CONTENT_SECURITY_POLICY
from bot.settings import Settings, SettingsError
from tests.unit.gateway_app import gateway_app

LIBRARY = "https://library.example"
OTHER = "https://elsewhere.example"


def test_origins_are_normalised():
    assert parse_origins([" https://Library.Example/ ", "http://127.0.0.1:8000"]) == {
        "https://library.example",
        "http://127.0.0.1:8000",
    }


@pytest.mark.parametrize(
    "bad",
    [
        "*",
        "library.example",
        "https://library.example/chat",
        "https://a.example; script-src *",
        "javascript:alert(1)",
        "https://a.example 'unsafe-inline'",
    ],
)
def test_anything_but_an_origin_stops_start_up(bad):
    with pytest.raises(SettingsError, match="DIGIBRIDGE_WEB_ALLOWED_ORIGINS"):
        parse_origins([bad])


def test_the_page_policy_names_exactly_the_allowed_sites():
    policy = page_policy(CONTENT_SECURITY_POLICY, frozenset({LIBRARY}))
    assert policy.endswith(f"frame-ancestors {LIBRARY}")
    assert policy.count("frame-ancestors") == 1 and "script-src 'self'" in policy
    assert page_policy(CONTENT_SECURITY_POLICY, frozenset()).endswith("frame-ancestors 'none'")


def _run(tmp_path, origins, scenario):
    async def go():
        settings = Settings(data_dir=tmp_path, web_allowed_origins=origins)
        async with TestClient(TestServer(gateway_app(settings, tmp_path))) as client:
            await scenario(client)

    asyncio.run(go())


def test_allowed_sites_may_frame_the_page_and_call_the_api(tmp_path):
    async def scenario(client):
        page = await client.get("/")
        assert page.status == 200
        assert f"frame-ancestors {LIBRARY}" in page.headers["Content-Security-Policy"]
        preflight = await client.options(
            "/api/chat",
            headers={"Origin": LIBRARY, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == LIBRARY
        assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
        ui = await client.get("/api/ui", headers={"Origin": LIBRARY})
        assert ui.headers["Access-Control-Allow-Origin"] == LIBRARY
        assert "Origin" in ui.headers["Vary"]

    _run(tmp_path, (LIBRARY,), scenario)


def test_other_sites_get_nothing(tmp_path):
    async def scenario(client):
        preflight = await client.options(
            "/api/chat", headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers
        ui = await client.get("/api/ui", headers={"Origin": OTHER})
        assert ui.status == 200 and "Access-Control-Allow-Origin" not in ui.headers
        page = await client.get("/")
        assert OTHER not in page.headers["Content-Security-Policy"]

    _run(tmp_path, (LIBRARY,), scenario)


def test_without_a_list_the_page_cannot_be_framed_at_all(tmp_path):
    async def scenario(client):
        page = await client.get("/")
        assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
        ui = await client.get("/api/ui", headers={"Origin": LIBRARY})
        assert "Access-Control-Allow-Origin" not in ui.headers

    _run(tmp_path, (), scenario)
