"""The template sandbox bounds the memory and time of every render, refuses such templates when they
are saved, and lets the common filters through."""

from __future__ import annotations

import json
import time
import tracemalloc

import pytest

from notifications.render import RenderError, render
from notifications.templates import SAMPLES

# Each of these made (or would make) 100 MB or more, or burned seconds of CPU, in one render.
EXPENSIVE = [
    "{{ ('%100000000s' % 'x')|length }}",                                   # printf width
    "{{ ('%*s' % (100000000, 'x'))|length }}",                              # printf width from an argument
    "{{ '%100000000s'|format('x')|length }}",                               # the format filter
    "{{ '{:100000000}'.format('x')|length }}",                              # str.format width
    "{{ ('{0}' * 5000).format('x' * 20000)|length }}",                      # one argument used 5,000 times
    "{% set a = 'x' * 20000 %}{{ ([a] * 5000)|join|length }}",              # join of a repeated big string
    "{% set a = 'x' * 20000 %}{{ ([a] * 5000)|string|length }}",            # a list turned into text
    "{% set a = 'x' * 20000 %}{{ a.join([a] * 5000)|length }}",             # str.join
    "{% set a = 'x' * 20000 %}{{ a|replace('', 'y' * 5000)|length }}",      # replace between every character
    "{% set a = '\n' * 20000 %}{{ a|indent(5000)|length }}",               # indent every line
    "{% set a = 'x' * 20000 %}{{ a|wordwrap(1, wrapstring=a)|length }}",    # a long wrap string
    "{% set a = 'x' * 20000 %}{% set b = a ~ a ~ a ~ a ~ a %}{% set c = b ~ b ~ b ~ b ~ b %}"
    "{% set d = c ~ c ~ c ~ c ~ c %}{{ (d ~ d)|length }}",                  # concatenation doubling up
    "{% set a = 'x' * 20000 %}{% set b = a + a + a + a + a %}{% set c = b + b + b + b + b %}"
    "{% set d = c + c + c + c + c %}{{ (d + d)|length }}",                  # + on strings
    "{% set a = ['x' * 20000] * 5 %}{{ (a * 1000)|length }}",               # a list repeated: its text counts
    "{{ ((((9 ** 64) ** 64) ** 64) ** 64) > 0 }}",                          # a power tower, each exponent <= 64
    "{% set a = 9 ** 64 %}{% set b = a * a * a * a * a * a * a * a %}{% set c = b * b * b * b * b * b * b * b %}"
    "{% set d = c * c * c * c * c * c * c * c %}{{ (d * d * d * d * d * d * d * d) > 0 }}",  # products of big numbers
    "{% for i in range(10000) %}{% set s = 'x' * 20000 %}{% endfor %}done",  # 200 MB made and dropped in a loop
    "{{ range(10000)|map('center', 9000)|join|length }}",                   # map of a widening filter
    "{{ 'x'.expandtabs(10000) }}{{ ('\t' * 20000).expandtabs(5000)|length }}",
]


def _measured(text: str) -> tuple[Exception | None, float, int]:
    tracemalloc.start()
    started = time.monotonic()
    error = None
    try:
        render("slack", text, SAMPLES["badge_awarded"])
    except RenderError as exc:
        error = exc
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, elapsed, peak


@pytest.mark.parametrize("text", EXPENSIVE)
def test_a_render_is_bounded_in_memory_and_time_and_says_why(text):
    # when
    error, elapsed, peak = _measured(text)
    # then: refused with a reason, within a fraction of a second and a few megabytes
    assert error is not None, "rendered without a refusal"
    assert "limited to" in str(error) or "longer than" in str(error), str(error)
    assert elapsed < 2, f"{elapsed:.1f}s"
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


def test_such_a_template_is_refused_when_saved_with_the_reason(admin):
    # when
    response = admin.client.put("/api/v1/templates/slack/badge_awarded",
                                json.dumps({"text": "{{ ('%100000000s' % 'x')|length }}"}),
                                content_type="application/json", **admin._headers())
    # then
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid_template"
    assert "width" in body["message"] and "10,000" in body["message"]
    assert body["details"][0]["path"] == "text"
    assert admin.get("/templates/slack/badge_awarded").json()["overridden"] is False


COMMON = ("{{ badges|map(attribute='name')|join(', ') }}|{{ [3, 1, 2]|sort|join(',') }}|"
          "{{ person.name|replace('Ana', 'Ann') }}|{{ 'hello wonderful world'|truncate(9) }}|"
          "{{ badges|selectattr('tier')|list|length }}|{{ badges|map(attribute='name')|map('upper')|first }}|"
          "{{ '%s has %d points'|format(person.name, person.points) }}|{{ '{} ({})'.format(badge.name, badge.tier) }}|"
          "{{ person.name ~ '!' }}|{{ 'ab' * 2 }}|{{ 2 ** 10 }}|{{ '%05.1f' % 3.14159 }}|{{ person.name|center(12)|length }}|"
          "{{ (person.name ~ ' ') * 2 }}")


def test_the_common_filters_and_operators_work():
    # when
    text = render("slack", COMMON, SAMPLES["badge_awarded"])
    # then
    assert text == ("Helper|1,2,3|Ann Ruiz|hello...|1|HELPER|Ana Ruiz has 130 points|Helper (Bronze)|"
                    "Ana Ruiz!|abab|1024|003.1|12|Ana Ruiz Ana Ruiz")


def test_a_template_with_the_common_filters_can_be_saved(admin):
    response = admin.client.put("/api/v1/templates/slack/badge_awarded",
                                json.dumps({"text": "{{ person.name }}: {{ badges|map(attribute='name')|join(', ') }}"}),
                                content_type="application/json", **admin._headers())
    assert response.status_code == 200, response.content
    preview = admin.post("/templates/preview", {"kind": "slack", "name": "badge_awarded"})
    assert preview.json()["text"] == "Ana Ruiz: Helper"
