"""Admin-written notification templates, rendered so that neither they nor the data can do harm.

- Jinja2's ImmutableSandboxedEnvironment: no private attributes (`__globals__`, `__mro__`...), no
  mutating data; StrictUndefined, so a misspelt field is an error at configuration time.
- Plain data only: the context is dicts, lists, strings and numbers built by notifications.data.
- Bounded in memory and time (notifications/sandbox.py): every operator, format, filter and string
  method is checked before it runs; the output is at most MAX_OUTPUT_CHARS; a render running past
  MAX_RENDER_SECONDS stops (checked in those hooks and by a tracer on the template's own lines).
  A refusal names the limit, so a template refused at save says what to change.
- Escaped per channel kind by `finalize`, which every `{{ ... }}` passes through and `|safe`
  cannot skip: Slack's &, <, > (so a display name like `<!channel>` cannot ping anyone), HTML
  for email, markdown links and bold for Teams, whose text goes into a card built as data (kinds/teams.py),
  never into JSON text.
- Emphasis in each kind's own markup: `{{ x|strong }}` and `{{ x|quote }}` give Slack `*x*` and `> x`,
  Teams `**x**` (its cards have no quotes: the text alone), email HTML `<strong>` and `<blockquote>`,
  and the plain-text email part the text alone. The filters escape their value first; their result
  is the only text `finalize` leaves as it is.
"""

from __future__ import annotations

import html
import sys
import time
from functools import lru_cache
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from .sandbox import MAX_RENDER_SECONDS, BoundedSandbox, bounded_filter, bounded_range, limits_for, size_of, spend

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
TEMPLATE_NAMES = ("badge_awarded", "level_up", "leaderboard_top", "weekly_digest", "challenge")
MAX_TEMPLATE_CHARS = 20_000
MAX_OUTPUT_CHARS = 20_000


class RenderError(Exception):
    """The template cannot be rendered: the message says where and why."""


def slack_escape(text: str) -> str:
    # Slack's mrkdwn gives meaning only to these three; everything else is shown as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_escape(text: str) -> str:
    # A TextBlock's markdown makes `[text](url)` a link and `**x**` bold: a zero-width space keeps a
    # name from becoming either.
    return text.replace("](", "]\u200b(").replace("**", "*\u200b*")


ESCAPES = {"slack": slack_escape, "email": html.escape, "teams": teams_escape, "text": None}


class Marked(str):
    """Text in the kind's markup made by `strong` or `quote` from an escaped value: shown as it is."""


_MARKUP = {  # kind: (strong, quote), each taking the escaped text
    "slack": ("*{}*", "> {}"),
    "teams": ("**{}**", "{}"),
    "email": ("<strong>{}</strong>", "<blockquote>{}</blockquote>"),
    "text": ("{}", "{}"),
}


def _marking(kind: str, which: int):
    # Inside <strong> and <blockquote> the text is element content, never an attribute: quotes stay as typed.
    escape = (lambda text: html.escape(text, quote=False)) if kind == "email" else ESCAPES[kind]
    pattern = _MARKUP[kind][which]

    def mark(value) -> Marked:
        text = "" if value is None else value if isinstance(value, str) else str(value)
        if not isinstance(text, Marked):
            text = escape(text) if escape else text
        if not text.strip():
            return Marked(text)  # `**` around nothing would be markup shown as stars
        return Marked(pattern.format(text))
    return mark


@lru_cache(maxsize=None)
def environment(kind: str) -> BoundedSandbox:
    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, finalize=_finalizer(ESCAPES[kind]),
                         trim_blocks=False, keep_trailing_newline=False)
    env.filters = {name: bounded_filter(name, f) for name, f in env.filters.items()}
    env.filters.update({"strong": bounded_filter("strong", _marking(kind, 0)),
                        "quote": bounded_filter("quote", _marking(kind, 1))})
    env.globals = {"range": bounded_range, "dict": env.globals["dict"]}
    return env


def _finalizer(escape):
    def finalize(value):
        if value is None:
            return ""
        if not isinstance(value, str) and size_of(value, MAX_OUTPUT_CHARS) > MAX_OUTPUT_CHARS:
            raise RenderError(f"the output is longer than {MAX_OUTPUT_CHARS:,} characters")
        text = value if isinstance(value, str) else str(value)
        spend(len(text))
        if isinstance(value, Marked):
            return str(value)
        return escape(text) if escape else text
    return finalize


def default_text(name: str, kind: str = "slack", language: str | None = None) -> str:
    """The shipped template: Slack's mrkdwn by default; Teams and email have their own
    (defaults/<kind>/, emphasis through `|strong` and `|quote`), so no kind shows another's markup. Other languages than English
    have theirs in defaults/<language>/ (the same layout); English is the fallback."""
    roots = ([DEFAULTS_DIR / language] if language and language != "en" and language.isalpha() else []) + [DEFAULTS_DIR]
    for root in roots:
        for candidate in (root / kind / f"{name}.j2", root / f"{name}.j2"):
            if candidate.is_file():
                return candidate.read_text()
    raise FileNotFoundError(f"no default template {name!r}")


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
    deadline = time.monotonic() + MAX_RENDER_SECONDS
    with limits_for(deadline):
        try:
            return _render(compile_template(kind, text), data, deadline)
        except SecurityError as exc:  # while folding constants
            raise RenderError(f"refused by the sandbox: {exc}") from None


def _render(template, data: dict, deadline: float) -> str:
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
