"""The client's address behind a reverse proxy: believed from trusted proxies, from no one else.

Test clients connect from 127.0.0.1, so "a trusted proxy" here is 127.0.0.1 (or a network
holding it) and "an untrusted peer" is 127.0.0.1 with only other proxies trusted.
"""

import asyncio
import json
from ipaddress import ip_address

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web.forwarded import forwarded_middlewares, parse_ip
from bot.channels.web.ratelimit import (
    RATE_LIMITER,
    WebRateLimiter,
    rate_limits,
)
from bot.gateway.keys import SETTINGS
from bot.i18n import texts
from bot.i18n.catalogs import translate
from bot.settings import Settings

TOO_FAST = {"error": {"code": "too_fast", "message": translate("en", texts.TOO_FAST)}}


async def whoami(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "scheme": request.scheme})


async def host(request: web.Request) -> web.Response:
    return web.json_response({"host": request.host})


def make_app(**settings) -> web.Application:
    config = Settings(**settings)
    app = web.Application(middlewares=[*forwarded_middlewares(config), rate_limits])
    app[SETTINGS] = config
    app[RATE_LIMITER] = WebRateLimiter.from_settings(config)
    app.router.add_get("/api/ui", whoami)
    app.router.add_post("/api/chat", whoami)
    app.router.add_get("/host", host)
    return app


def run(settings: dict, scenario) -> None:
    async def main():
        async with TestClient(TestServer(make_app(**settings))) as client:
            await scenario(client)

    asyncio.run(main())


async def expect(response, status: int, body: dict) -> None:
    assert response.status == status
    assert await response.json() == body


def client_at(address: str, scheme: str = "http") -> dict:
    return {"remote": address, "scheme": scheme}


def test_no_trusted_proxy_means_no_middleware():
    assert forwarded_middlewares(Settings()) == []


def test_a_bad_trusted_proxy_stops_the_start():
    with pytest.raises(ValueError, match="proxy.example"):
        forwarded_middlewares(Settings(trusted_proxies=("proxy.example",)))


@pytest.mark.parametrize("trusted", [("127.0.0.1",), ("10.0.0.0/8", "127.0.0.0/8")])
def test_behind_a_trusted_proxy_the_address_and_scheme_are_the_clients(trusted):
    async def scenario(client):
        response = await client.get(
            "/api/ui", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        )
        await expect(response, 200, client_at("203.0.113.7", "https"))
        await expect(await client.get("/api/ui"), 200, client_at("127.0.0.1"))  # no header

    run({"trusted_proxies": trusted}, scenario)


def test_through_a_chain_of_proxies_what_the_client_wrote_is_ignored():
    async def scenario(client):
        # the client wrote 198.51.100.1; the outer proxy (10.1.2.3) appended the real one
        headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.1.2.3"}
        await expect(await client.get("/api/ui", headers=headers), 200, client_at("203.0.113.7"))

    run({"trusted_proxies": ("127.0.0.1", "10.0.0.0/8")}, scenario)


def test_behind_a_trusted_proxy_one_flooding_client_does_not_slow_another():
    async def scenario(client):
        flooder = {"X-Forwarded-For": "203.0.113.7"}
        await expect(await client.get("/api/ui", headers=flooder), 200, client_at("203.0.113.7"))
        refused = await client.get("/api/ui", headers=flooder)
        await expect(refused, 429, TOO_FAST)
        assert refused.headers["Retry-After"] == "20"
        other = {"X-Forwarded-For": "198.51.100.9"}
        await expect(await client.get("/api/ui", headers=other), 200, client_at("198.51.100.9"))
        body = json.dumps({"sender": "s" * 22, "message": "hi"})
        await expect(await client.post("/api/chat", data=body, headers=flooder), 429, TOO_FAST)

    run({"trusted_proxies": ("127.0.0.1",), "web_address_rate": 3}, scenario)  # burst of 1


def test_without_trusted_proxies_a_spoofed_address_does_not_escape_the_limit():
    async def scenario(client):
        first = await client.get("/api/ui", headers={"X-Forwarded-For": "198.51.100.1"})
        await expect(first, 200, client_at("127.0.0.1"))
        for spoof in ("198.51.100.2", "203.0.113.7", "garbage", "10.0.0.1, 10.0.0.2"):
            response = await client.get("/api/ui", headers={"X-Forwarded-For": spoof})
            await expect(response, 429, TOO_FAST)

    run({"web_address_rate": 3}, scenario)


def test_an_untrusted_peer_is_served_with_its_own_address():
    async def scenario(client):
        headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        await expect(await client.get("/api/ui", headers=headers), 200, client_at("127.0.0.1"))
        garbage = {"X-Forwarded-For": "not an address", "X-Forwarded-Proto": "gopher"}
        await expect(await client.get("/api/ui", headers=garbage), 200, client_at("127.0.0.1"))
        spoof = {"X-Forwarded-For": "198.51.100.3"}
        await expect(await client.get("/api/ui", headers=spoof), 429, TOO_FAST)

    run({"trusted_proxies": ("10.0.0.0/8",), "web_address_rate": 6}, scenario)  # burst of 2


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("X-Forwarded-For", "garbage")], client_at("127.0.0.1")),
        ([("X-Forwarded-For", "")], client_at("127.0.0.1")),
        ([("X-Forwarded-For", "garbage, 203.0.113.7")], client_at("203.0.113.7")),
        ([("X-Forwarded-For", "203.0.113.7, garbage")], client_at("127.0.0.1")),
        (
            [("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.7")],
            client_at("203.0.113.7"),
        ),
        ([("X-Forwarded-For", "203.0.113.7:5678")], client_at("203.0.113.7")),
        ([("X-Forwarded-For", "[2001:db8::1]:443")], client_at("2001:db8::1")),
        ([("X-Forwarded-For", "::ffff:203.0.113.7")], client_at("203.0.113.7")),
        (
            [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "javascript")],
            client_at("203.0.113.7"),
        ),
        (
            [
                ("X-Forwarded-For", "203.0.113.7"),
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Proto", "https"),
            ],
            client_at("203.0.113.7", "https"),
        ),
        (
            [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Host", "evil.example")],
            client_at("203.0.113.7"),
        ),
    ],
)
def test_odd_headers_from_a_trusted_proxy_are_never_an_error(headers, expected):
    async def scenario(client):
        await expect(await client.get("/api/ui", headers=headers), 200, expected)
        host = await client.get("/host", headers=headers)
        assert await host.json() == {"host": f"127.0.0.1:{client.port}"}  # never X-Forwarded-Host

    run({"trusted_proxies": ("127.0.0.1",)}, scenario)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:80 ", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("unknown", None),
        ("", None),
        ("203.0.113.7:80:90", None),
    ],
)
def test_addresses_are_read_as_proxies_write_them(text, expected):
    assert parse_ip(text) == (ip_address(expected) if expected else None)
