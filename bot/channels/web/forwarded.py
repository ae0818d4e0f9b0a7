"""The client's address behind trusted reverse proxies (`DIGIBRIDGE_TRUSTED_PROXIES`).

Behind a proxy every request comes from the proxy, so the client's address is taken from
X-Forwarded-For, but only when the TCP peer is a configured trusted proxy: anyone else
could write any address there and escape the per-address rate limit.
"""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_remotes import XForwardedFiltered
from aiohttp_remotes.exceptions import IPAddress, UntrustedIP
from aiohttp_remotes.utils import check_ip
from multidict import MultiMapping

from bot.settings import Settings


def parse_ip(text: str) -> IPAddress | None:
    """An address as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`),
    IPv4-mapped IPv6 as IPv4 so `10.0.0.0/8` matches it; None when it is no address."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ip_address(text)
    except ValueError:
        return None
    return (ip.ipv4_mapped or ip) if isinstance(ip, IPv6Address) else ip


class TrustedProxyForwarded(XForwardedFiltered):
    """aiohttp-remotes' XForwardedFiltered, believed only when the TCP peer is trusted.

    Of aiohttp-remotes' own classes, XForwardedRelaxed and XForwardedFiltered take the
    header from any peer (a client could name any address), and XForwardedStrict answers
    400 to direct requests and to hop counts it does not expect. Here a request from any
    other peer keeps its own address, and a malformed header is never an error: the
    address falls back to the nearest trusted hop. X-Forwarded-Host is not used (the
    gateway builds no URL from the host).
    """

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self.from_trusted_proxy(request):
            return await handler(request)
        return await super().middleware(request, handler)

    def from_trusted_proxy(self, request: web.Request) -> bool:
        transport = request.transport
        peername = transport.get_extra_info("peername") if transport is not None else None
        # A Unix socket's peer has no address: untrusted.
        peer = parse_ip(str(peername[0])) if isinstance(peername, tuple) and peername else None
        if peer is None:
            return False
        try:
            check_ip(self._trusted, peer)
        except UntrustedIP:
            return False
        return True

    def get_forwarded_for(self, headers: MultiMapping[str]) -> list[IPAddress]:
        """The hops after the last entry that is no address: what a client wrote before
        its proxy appended its address is never read."""
        hops: list[IPAddress] = []
        for text in reversed(",".join(headers.getall(hdrs.X_FORWARDED_FOR, [])).split(",")):
            ip = parse_ip(text)
            if ip is None:
                break
            hops.append(ip)
        return hops[::-1]

    def get_forwarded_proto(self, headers: MultiMapping[str]) -> list[str]:
        """http or https; a header with anything else is ignored."""
        protos = [
            p.strip().lower()
            for p in ",".join(headers.getall(hdrs.X_FORWARDED_PROTO, [])).split(",")
            if p.strip()
        ]
        return protos if all(p in ("http", "https") for p in protos) else []

    def get_forwarded_host(self, headers: MultiMapping[str]) -> list[str]:
        return []


def forwarded_middlewares(settings: Settings) -> list[Middleware]:
    """Middlewares that make `request.remote` and `request.scheme` the client's, from
    X-Forwarded-For/-Proto sent by `settings.trusted_proxies` (addresses or networks).
    None when no proxy is trusted: the headers are then ignored entirely. Put them first.
    Raises ValueError at start-up for an entry that is no address or network."""
    if not settings.trusted_proxies:
        return []
    return [TrustedProxyForwarded(settings.trusted_proxies).middleware]
