"""Admin-written notification templates, rendered so that neither they nor the data can do harm.

- Jinja2's ImmutableSandboxedEnvironment: no private attributes (`__globals__`, `__mro__`...), no
  mutating data; StrictUndefined, so a misspelt field is an error at configuration time.
- Plain data only: the context is dicts, lists, strings and numbers built by notifications.data.
- Bounded: `range` and every number handed to a function or filter stay small, `*` and `**` on
  big operands are refused, output past MAX_OUTPUT_CHARS stops the render, and a render running
  longer than MAX_RENDER_SECONDS is stopped mid-loop (a tracer on the template's own frames).
- Escaped per channel kind by `finalize`, which every `{{ ... }}` passes through and `|safe`
  cannot skip: Slack's &, <, > (so a display name like `<!channel>` cannot ping anyone), HTML
  for email, markdown links for Teams, whose text goes into a card built as data (kinds/teams.py),
  never into JSON text.
"""

from __future__ import annotations

import html
import sys
import time
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
TEMPLATE_NAMES = ("badge_awarded", "level_up", "leaderboard_top", "weekly_digest")
MAX_TEMPLATE_CHARS = 20_000
MAX_OUTPUT_CHARS = 20_000
MAX_RENDER_SECONDS = 0.5
MAX_NUMBER = 10_000  # the largest number a template may hand to range(), a filter or a method


class RenderError(Exception):
    """The template cannot be rendered: the message says where and why."""


def slack_escape(text: str) -> str:
    # Slack's mrkdwn gives meaning only to these three; everything else is shown as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_escape(text: str) -> str:
    # A TextBlock's markdown makes `[text](url)` a link: a zero-width space keeps a name from becoming one.
    return text.replace("](", "]\u200b(")


ESCAPES = {"slack": slack_escape, "email": html.escape, "teams": teams_escape, "text": None}


def _check_numbers(values) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            raise SecurityError(f"numbers passed to functions and filters are limited to {MAX_NUMBER:,}")


def _bounded(fn):
    def call(*args, **kwargs):
        _check_numbers(args)
        _check_numbers(kwargs.values())
        return fn(*args, **kwargs)
    return call


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise SecurityError("exponents are limited to 64")
            return left ** right
        for a, b in ((left, right), (right, left)):
            if isinstance(a, (str, list, tuple)) and isinstance(b, int) and len(a) * b > MAX_OUTPUT_CHARS:
                raise SecurityError(f"a repeated string or list is limited to {MAX_OUTPUT_CHARS:,} items")
        return left * right

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        _check_numbers(args)
        _check_numbers(kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)


def _range(*args):
    _check_numbers(args)
    return range(*args)


@lru_cache(maxsize=None)
def environment(kind: str) -> BoundedSandbox:
    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, finalize=_finalizer(ESCAPES[kind]),
                         trim_blocks=False, keep_trailing_newline=False)
    env.filters = {name: _bounded(f) for name, f in env.filters.items()}
    env.globals = {"range": _range, "dict": env.globals["dict"]}
    return env


def _finalizer(escape):
    def finalize(value):
        if value is None:
            return ""
        text = value if isinstance(value, str) else str(value)
        return escape(text) if escape else text
    return finalize


def default_text(name: str) -> str:
    return (DEFAULTS_DIR / f"{name}.j2").read_text()


@lru_cache(maxsize=256)
def _compile(kind: str, text: str):
    return environment(kind).from_string(text)


def compile_template(kind: str, text: str):
    if len(text) > MAX_TEMPLATE_CHARS:
        raise RenderError(f"a template is limited to {MAX_TEMPLATE_CHARS:,} characters")
    try:
        return _compile(kind, text)
    except TemplateSyntaxError as exc:
        raise RenderError(f"line {exc.lineno}: {exc.message}") from None


def render(kind: str, text: str, data: dict) -> str:
    """The template's output for this data, escaped for the channel kind; RenderError otherwise."""
    template = compile_template(kind, text)
    deadline = time.monotonic() + MAX_RENDER_SECONDS
    chunks, size = [], 0

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise SecurityError(f"the template ran longer than {MAX_RENDER_SECONDS}s")
        return tracer

    def on_call(frame, event, arg):
        # Only the template's own code is traced: its loops are where the time goes.
        return tracer if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        for chunk in template.generate(data):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise RenderError(f"the output is longer than {MAX_OUTPUT_CHARS:,} characters")
            chunks.append(chunk)
    except RenderError:
        raise
    except SecurityError as exc:
        raise RenderError(f"refused by the sandbox: {exc}") from None
    except TemplateError as exc:
        raise RenderError(_explain(exc)) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError, MemoryError) as exc:
        raise RenderError(f"{type(exc).__name__}: {exc}") from None
    finally:
        sys.settrace(previous)
    return "".join(chunks).strip()


def _explain(exc: TemplateError) -> str:
    message = str(exc.message or exc)
    if "is undefined" in message:
        return f"{message}; see docs/notifications.md for the fields each template gets"
    return message
