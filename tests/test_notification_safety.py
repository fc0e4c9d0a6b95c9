"""Outbound safety (SSRF) and the template sandbox, attacked with known payloads."""

from __future__ import annotations

import json
import time

import pytest

from notifications import outbound
from notifications.render import RenderError, render
from notifications.templates import SAMPLES

SSRF_CORPUS = [
    "http://127.0.0.1/",
    "http://localhost:8000/",
    "http://127.1/",
    "http://2130706433/",          # 127.0.0.1 as one decimal number
    "http://0x7f000001/",
    "http://0.0.0.0/",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.10.10/",
    "http://100.64.0.1/",          # carrier-grade NAT
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",     # the IPv6 metadata address
    "http://[fe80::1]/",
    "http://[64:ff9b::7f00:1]/",   # NAT64 of 127.0.0.1
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64 (RFC 8215) of 10.0.0.1
    "http://[2002:7f00:1::]/",     # 6to4 of 127.0.0.1
    "http://[2002:a9fe:a9fe::1]/", # 6to4 of 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://[::7f00:1]/",          # IPv4-compatible 127.0.0.1
    "http://[::ffff:0a00:0001]/",  # IPv4-mapped 10.0.0.1, written in hex
    "https://127.0.0.1:443/",
    "http://user:pass@example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://example.com/",
    "http://no-such-host.invalid/",
    "http:///nohost",
]


@pytest.mark.parametrize("url", SSRF_CORPUS)
def test_the_ssrf_corpus_is_refused(url, settings):
    settings.OUTBOUND_ALLOW = []
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(url)
    with pytest.raises(outbound.OutboundRefused):
        outbound.post(url, b"{}", {})


def test_public_addresses_pass_the_check_and_plain_http_is_refused_in_production(settings):
    # given: no allow list, https only (the production default)
    settings.OUTBOUND_ALLOW, settings.OUTBOUND_HTTPS_ONLY = [], True
    # then
    assert outbound.forbidden_reason("93.184.215.14") is None
    assert outbound.forbidden_reason("2606:4700::6810:84e5") is None
    with pytest.raises(outbound.OutboundRefused, match="https"):
        outbound.check_url("http://93.184.215.14/")
    assert outbound.check_url("https://93.184.215.14/hook").addresses == ["93.184.215.14"]


@pytest.mark.parametrize("address, words", [
    ("2002:7f00:1::", "a 6to4 address of 127.0.0.1, a loopback address"),
    ("2002:0a00:0001::", "a 6to4 address of 10.0.0.1, a private address"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a Teredo address of 127.0.0.1, a loopback address"),
    ("64:ff9b::a9fe:a9fe", "a NAT64 address of 169.254.169.254, the cloud metadata address"),
    ("::7f00:1", "an IPv4-compatible address of 127.0.0.1, a loopback address"),
])
def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_the_ipv4_one(settings, address, words):
    # given: a name resolving to the IPv6 form (a DNS answer an attacker controls)
    settings.OUTBOUND_ALLOW = []
    # then: refused, naming the IPv4 address it carries
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_url("https://tunnel.example.com/", FixedNetwork(address))
    assert words in str(refused.value)


def test_the_ipv6_forms_of_a_public_ipv4_address_are_public():
    assert outbound.forbidden_reason("2002:5db8:d70e::1") is None      # 6to4 of 93.184.215.14
    assert outbound.forbidden_reason("64:ff9b::5db8:d70e") is None     # NAT64 (DNS64) of 93.184.215.14


def test_outbound_allow_opens_a_host_or_a_network_and_nothing_else(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    assert outbound.check_url("http://127.0.0.1:9/x").addresses == ["127.0.0.1"]
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("http://10.0.0.1/")
    settings.OUTBOUND_ALLOW = ["localhost"]
    assert outbound.check_url("http://localhost:9/").host == "localhost"
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("http://127.0.0.1:9/")


class FixedNetwork:
    """Answers every name with the same addresses and records what would have been sent."""

    def __init__(self, *addresses: str):
        self.addresses, self.sent = list(addresses), []

    def resolve(self, host, port):
        return self.addresses

    def probe(self, address, port):
        pass

    def send(self, request):
        self.sent.append(request)
        return outbound.Response(200, {}, b"")


def test_every_resolved_address_is_checked(settings):
    # given: a name answering one public and one private address (DNS rebinding's first half)
    settings.OUTBOUND_ALLOW = []
    network = FixedNetwork("93.184.215.14", "10.1.2.3")
    # then
    with pytest.raises(outbound.OutboundRefused, match="10.1.2.3"):
        outbound.check_url("https://mixed.example.com/", network)


def test_no_transport_is_asked_to_send_to_an_address_the_checks_refuse(settings):
    # given: a transport, set for the block, whose resolver answers the metadata address
    settings.OUTBOUND_ALLOW = []
    network = FixedNetwork("169.254.169.254")
    with outbound.use_transport(network):
        # then: the checks refuse it before anything is sent
        with pytest.raises(outbound.OutboundRefused, match="metadata"):
            outbound.post("https://rebound.example.com/hook", b"{}", {})
        with pytest.raises(outbound.OutboundRefused, match="metadata"):
            outbound.check_reachable("https://rebound.example.com/hook")
    assert network.sent == []


def test_a_request_goes_to_the_checked_address_with_the_original_host(settings):
    settings.OUTBOUND_ALLOW = []
    network = FixedNetwork("93.184.215.14")
    # when
    response = outbound.post("https://hooks.example.com:8443/in?x=1", b"{}", {"Content-Type": "application/json"},
                             transport=network)
    # then
    [request] = network.sent
    assert response.status == 200 and request.address == "93.184.215.14" and request.target.path == "/in?x=1"
    assert request.headers["Host"] == "hooks.example.com:8443" and request.headers["Content-Length"] == "2"


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ person.__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__globals__ }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{{ '{0.__class__.__mro__}'.format(person) }}",             # CVE-2016-10745: str.format
    "{{ '{0.__class__}'.format_map({}) }}",
    "{{ ('%s' % person).__class__ }}",
    "{{ person.update({'name': 'x'}) }}",                         # immutable: no mutating data
    "{{ badges.append(1) }}",
    "{{ range(1000000)|list|length }}",                            # huge ranges
    "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}{% endfor %}{% endfor %}",
    "{{ 'a' * 100000000 }}",
    "{{ [1] * 100000000 }}",
    "{{ 9 ** 99999999 }}",
    "{{ (9 ** 64) ** (9 ** 64) }}",
    "{{ 'x'|center(100000000) }}",
    "{{ 'x'.ljust(100000000) }}",
    "{{ 'x'|indent(100000000) }}",
    "{% for i in range(10000) %}{{ 'long line of text to make the output grow' }}{% endfor %}",
    "{{ missing_field }}",
    "{{ person.missing }}",
    "{% include 'x' %}",
    "{% import 'os' as os %}",
    "{% extends '/etc/passwd' %}",
    "{{ person.name.__init__.__globals__ }}",
]


@pytest.mark.parametrize("payload", SANDBOX_ESCAPES)
@pytest.mark.parametrize("kind", ["slack", "email", "teams"])
def test_the_sandbox_escape_corpus_renders_nothing_dangerous(payload, kind):
    started = time.monotonic()
    with pytest.raises(RenderError):
        render(kind, payload, SAMPLES["badge_awarded"])
    assert time.monotonic() - started < 5  # bounded time, also for the nested loops


def test_display_names_cannot_ping_a_slack_channel_or_inject_html():
    # given: a person whose display name is an attack
    data = {**SAMPLES["badge_awarded"], "person": {**SAMPLES["badge_awarded"]["person"],
                                                   "name": "<!channel> & <@U123|boss> <script>x</script>"}}
    # when
    slack_text = render("slack", "{{ person.name }} earned it", data)
    email_html = render("email", "{{ person.name }} earned it", data)
    email_bypass = render("email", "{{ person.name|safe }}", data)
    teams_text = render("teams", "{{ link }}", {"link": "[click me](https://evil.example.com)"})
    # then
    assert slack_text == "&lt;!channel&gt; &amp; &lt;@U123|boss&gt; &lt;script&gt;x&lt;/script&gt; earned it"
    assert "<" not in email_html and "&lt;script&gt;" in email_html
    assert "<script>" not in email_bypass  # |safe does not skip the channel's escaping
    assert "](" not in teams_text and "click me" in teams_text  # no markdown link in a Teams card


# --- badge images, published in pages and Open Badges data -------------------------------------------

BADGE_RULESET = """\
ruleset: images
rules:
  - id: post
    when: {type: post}
    award: {to: actor, points: 1}
badges:
  - id: poster
    name: Poster
    image: IMAGE
    criteria: {rule: post}
"""


@pytest.mark.parametrize("image", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>",
                                   "vbscript:msgbox", "//evil.example/x.png", "ftp://example.com/x.png",
                                   "https://cdn.example.com/a b.png", "/\\evil.example/x.png", "images/x.png"])
def test_a_badge_image_that_is_not_a_web_address_is_refused_at_its_line_and_column(admin, image):
    # when
    response = admin.put_yaml("/ruleset", BADGE_RULESET.replace("IMAGE", json.dumps(image)))
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    issue = next(d for d in body["details"] if d["path"] == "badges[0].image")
    assert (issue["line"], issue["column"]) == (9, 5)  # the `image:` key of the first badge
    assert "https://" in issue["message"] and "javascript:" in issue["message"]


@pytest.mark.parametrize("image", ["https://cdn.example.com/poster.png", "http://intranet.example.com/p.png?v=2",
                                   "/static/badges/poster.png"])
def test_web_addresses_and_site_paths_are_badge_images(admin, image):
    response = admin.put_yaml("/ruleset", BADGE_RULESET.replace("IMAGE", json.dumps(image)))
    assert response.status_code == 200, response.content
