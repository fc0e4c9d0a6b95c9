"""Outbound HTTP that cannot be turned against the inside of the network (SSRF).

A channel URL is admin-written, and an incoming-webhook URL may later be re-pointed by DNS, so
every request resolves the host itself, checks every address it resolves to, and connects to
the checked address (sending the original Host header and TLS server name): a second lookup by
the HTTP library cannot give another answer. Redirects are never followed, responses are read
up to a bound, and every step has a timeout.

The network itself (name lookups, connection probes, sending a request) is a Transport: the real
one by default, another passed to `check_url`, `check_reachable` or `post`, or set for a block with
`use_transport`. The checks stay here, so no transport can widen what is reachable.

Only public addresses are reachable, unless OUTBOUND_ALLOW names the host or a CIDR holding
the address (a receiver on the same machine in development, say). Plain http is refused
unless OUTBOUND_HTTPS_ONLY is off or the host or address is allowed that way.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings

MAX_RESPONSE_BYTES = 64 * 1024
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
PROBE_TIMEOUT = 3.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: the IPv4 address is in the last 32 bits too
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class OutboundRefused(Exception):
    """The URL may not be called: why, in words an admin can act on."""


class OutboundFailed(Exception):
    """The call was allowed but did not complete (no answer, refused connection, timeout)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[str] = field(default_factory=list)


@dataclass
class Request:
    """One POST to a checked address, every header included (Host names the original host)."""
    target: Target
    address: str  # the checked address to connect to; TLS still names target.host
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    """The network as outbound calls use it; SocketTransport is the real one."""

    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses; raises socket.gaierror (or UnicodeError) when it has none."""

    def probe(self, address: str, port: int) -> None:
        """Connect and close; raises OSError when nothing accepts connections there."""

    def send(self, request: Request) -> Response:
        """Send the request once, never following a redirect; raises OSError or http.client.HTTPException."""


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to a checked address while speaking TLS (SNI, certificate) for the original host."""

    def __init__(self, address: str, server_name: str, port: int, timeout: float):
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self.server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)


class SocketTransport:
    """The real network: the system resolver, and connections with every step timed and the answer bounded."""

    def resolve(self, host: str, port: int) -> list[str]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))

    def probe(self, address: str, port: int) -> None:
        socket.create_connection((address, port), timeout=PROBE_TIMEOUT).close()

    def send(self, request: Request) -> Response:
        target = request.target
        if target.scheme == "https":
            conn: http.client.HTTPConnection = _PinnedHTTPS(request.address, target.host, target.port, CONNECT_TIMEOUT)
        else:
            conn = http.client.HTTPConnection(request.address, target.port, timeout=CONNECT_TIMEOUT)
        try:
            conn.connect()
            conn.sock.settimeout(READ_TIMEOUT)
            conn.putrequest("POST", target.path, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers.items():
                conn.putheader(name, value)
            conn.endheaders(request.body)
            answer = conn.getresponse()
            data = answer.read(MAX_RESPONSE_BYTES)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        finally:
            conn.close()


_transport: ContextVar[Transport] = ContextVar("outbound_transport", default=SocketTransport())


@contextmanager
def use_transport(transport: Transport) -> Iterator[Transport]:
    """Outbound calls in this block (and this context) that are given no transport use this one."""
    token = _transport.set(transport)
    try:
        yield transport
    finally:
        _transport.reset(token)


def current_transport() -> Transport:
    return _transport.get()


def _allow_list() -> tuple[set[str], list]:
    hosts, networks = set(), []
    for item in getattr(settings, "OUTBOUND_ALLOW", []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return hosts, networks


def _embedded_ipv4(ip) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries, which is where its packets end up."""
    if ip.version != 6:
        return []
    if ip.ipv4_mapped is not None:
        return [("an IPv4-mapped address of", ip.ipv4_mapped)]
    if ip.sixtofour is not None:
        return [("a 6to4 address of", ip.sixtofour)]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [("a Teredo address of", client), ("a Teredo address of", server)]
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return [("a NAT64 address of", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return [("an IPv4-compatible address of", ipaddress.IPv4Address(int(ip)))]
    return []


def forbidden_reason(address: str) -> str | None:
    """Why an address is off limits, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    for how, ipv4 in embedded:
        reason = forbidden_reason(str(ipv4))
        if reason:
            return f"{how} {ipv4}, {reason}"
    if embedded:  # every IPv4 address it carries is public: it is as public as they are
        return None
    if ip in _METADATA:
        return "the cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.version == 4 and ip in _CGNAT:
        return "a carrier-grade NAT address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "not a public address"
    return None


def check_url(url: str, transport: Transport | None = None) -> Target:
    """Parse, resolve and check a URL; raises OutboundRefused saying what is wrong."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        raise OutboundRefused("give an http(s) URL of at most 2,000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("the URL must start with https:// (or http:// for an allowed local receiver)")
    if parts.username or parts.password:
        raise OutboundRefused("the URL must not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundRefused("the URL has no host")
    target = Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80),
                    (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    hosts, networks = _allow_list()
    host_allowed = host.lower() in hosts
    try:
        addresses = (transport or current_transport()).resolve(host, target.port)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"the host {host!r} does not resolve ({exc})") from None
    all_allowed = True
    for address in addresses:  # every address: a name with one public and one private answer is refused
        allowed = host_allowed or any(ipaddress.ip_address(address.split("%", 1)[0]) in n for n in networks)
        reason = None if allowed else forbidden_reason(address)
        if reason:
            raise OutboundRefused(f"{host} resolves to {address}, {reason}; only public addresses are reachable "
                                  "unless OUTBOUND_ALLOW lists the host or its network")
        all_allowed = all_allowed and allowed
    if parts.scheme == "http" and getattr(settings, "OUTBOUND_HTTPS_ONLY", True) and not all_allowed:
        raise OutboundRefused("the URL must use https:// (plain http only reaches hosts OUTBOUND_ALLOW lists)")
    target.addresses = addresses
    return target


def check_reachable(url: str, transport: Transport | None = None) -> None:
    """At configuration time: the URL is allowed and something accepts connections there."""
    transport = transport or current_transport()
    target = check_url(url, transport)
    errors = []
    for address in target.addresses:
        try:
            transport.probe(address, target.port)
            return
        except OSError as exc:
            errors.append(f"{address}: {exc.strerror or exc}")
    raise OutboundRefused(f"cannot connect to {target.host}:{target.port} ({'; '.join(errors)})")


def post(url: str, body: bytes, headers: dict[str, str], transport: Transport | None = None) -> Response:
    """POST once to a checked address; no redirects (a 3xx is returned as it is)."""
    transport = transport or current_transport()
    target = check_url(url, transport)
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port not in (80, 443):
        host_header += f":{target.port}"
    request = Request(target, target.addresses[0], {"Host": host_header, "Content-Length": str(len(body)),
                                                    "User-Agent": "Plaudit", **headers}, body)
    try:
        return transport.send(request)
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundFailed(f"{type(exc).__name__}: {exc}") from None
