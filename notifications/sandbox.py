"""The bounds of the template sandbox: what one render may make, and how long it may run.

Every way a template makes a string, list or number (`*`, `+`, `%`, `**`, `~`, str.format, the
filters, the string methods, a `{% set %}` block) is checked before it runs: one value is at most
MAX_VALUE characters or items and a number at most MAX_DIGITS digits, all of a render's values
together at most MAX_WORK, widths and the numbers handed to `range`, a filter or a method at most
MAX_NUMBER. A render sets its deadline with `limits_for`; the hooks here check it. notifications/
render.py builds the environment and renders.
"""

from __future__ import annotations

import inspect
import re
import string
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import update_wrapper, wraps

from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_RENDER_SECONDS = 0.5
MAX_NUMBER = 10_000  # the largest number a template may hand to range(), a filter or a method, or write as a width
MAX_VALUE = 100_000  # characters of one string, items of one list (its text counted), made by one operation
MAX_WORK = 1_000_000  # characters and items all the operations of one render make together
MAX_DIGITS = 1_000
MAX_INT_BITS = MAX_DIGITS * 3322 // 1000
MAX_EXPONENT = 64


@dataclass
class _Limits:
    deadline: float
    made: int = 0


_limits: ContextVar[_Limits | None] = ContextVar("template_limits", default=None)


def spend(size: int) -> None:
    limits = _limits.get()
    if limits is None:  # folding constants outside a render: each operation is bounded on its own
        return
    if time.monotonic() > limits.deadline:
        raise SecurityError(f"the template ran longer than {MAX_RENDER_SECONDS}s")
    limits.made += size
    if limits.made > MAX_WORK:
        raise SecurityError(f"a render is limited to making {MAX_WORK:,} characters and items in all")


def size_of(value, limit: int = MAX_WORK) -> int:
    """At least as many characters as str(value) has, counted only until past `limit` (so it is cheap)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif item is None or isinstance(item, (bool, float)):
            total += 24
        elif isinstance(item, int):
            total += item.bit_length() * 1000 // 3322 + 2
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:  # a range, a loop, a generator: their text is short
            total += 64
        if total > limit:
            break
    return total


def _within(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise SecurityError(f"{what} is limited to {MAX_VALUE:,} characters or items")


def _settle(value, what: str):
    """Count a value an operation made against the render's budget; refuse one too big."""
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        _within(len(value), what)
        spend(len(value))
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError(f"numbers are limited to {MAX_DIGITS:,} digits")
    else:
        spend(1)
    return value


def _width(digits: str | None) -> int:
    if digits == "*":
        raise SecurityError(f"widths and precisions are limited to {MAX_NUMBER:,} and written in the template, not given by *")
    if digits and (len(digits) > 5 or int(digits) > MAX_NUMBER):
        raise SecurityError(f"a width or precision ({digits[:12]}) is limited to {MAX_NUMBER:,}")
    return int(digits or 0)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.S)


def _printf_size(fmt: str, args) -> int:
    fields, widths = 0, 0
    for match in _PRINTF.finditer(fmt):
        if match.group(3) == "%":
            continue
        widths += _width(match.group(1)) + _width(match.group(2))
        fields += 1
    if isinstance(args, dict):  # a name may be used by many fields
        values = fields * max((size_of(v) for v in args.values()), default=0) + size_of(args)
    else:
        values = size_of(args)
    return len(fmt) + widths + values


def _format_size(fmt: str, args, kwargs) -> int:
    fields, widths = 0, 0
    for _literal, field, spec, _conversion in string.Formatter().parse(fmt):
        if field is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise SecurityError("a format spec is limited to written numbers, not another {field}")
        widths += sum(_width(n) for n in re.findall(r"\d+", spec or ""))
    biggest = max((size_of(v) for v in (*args, *kwargs.values())), default=0)
    return len(fmt) + widths + fields * biggest


def _replace_size(s, old, new, count=None) -> int:
    if not (isinstance(s, str) and isinstance(old, str)):
        return size_of(s) * (size_of(new) + 1)
    times = s.count(old) if old else len(s) + 1
    if isinstance(count, int) and 0 <= count < times:
        times = count
    return len(s) + times * max(0, size_of(new) - len(old))


def _lines(s) -> int:
    return s.count("\n") + 1 if isinstance(s, str) else size_of(s)


def _join_size(items: list, sep) -> int:
    return sum(size_of(i) for i in items) + size_of(sep) * len(items)


# What a filter's result may grow to, from its arguments (by name), checked before it runs. Filters
# not named here make at most about what they are given (its text counted when it is turned into text).
_FILTER_SIZES = {
    "join": lambda a: _join_size(a["value"], a["d"]),
    "replace": lambda a: _replace_size(a["s"], a["old"], a["new"], a["count"]),
    "indent": lambda a: size_of(a["s"]) + _lines(a["s"]) * (a["width"] if isinstance(a["width"], int) else size_of(a["width"])),
    "wordwrap": lambda a: size_of(a["s"]) + (size_of(a["s"]) // max(1, a["width"]) + 1) * size_of(a["wrapstring"] or "\n"),
    "center": lambda a: size_of(a["value"]) + a["width"],
    "format": lambda a: _printf_size(str(a["value"]), a["kwargs"] or a["args"]),
    "batch": lambda a: size_of(a["value"]) + a["linecount"] * size_of(a["fill_with"]),
    "slice": lambda a: size_of(a["value"]) + a["slices"] * size_of(a["fill_with"]),
    "sum": lambda a: size_of(a["iterable"]) + size_of(a["start"]),
}
# Filters that go through their value item by item rather than turning it into text.
_ITEMWISE = {"abs", "attr", "count", "d", "default", "dictsort", "first", "float", "groupby", "int", "items", "last",
             "length", "list", "map", "max", "min", "random", "reject", "rejectattr", "reverse", "round", "select",
             "selectattr", "sort", "unique", "filesizeformat"}
_MATERIALIZED = {"join", "sum"}  # their estimate goes through the items, so a generator becomes a list first


def _check_numbers(values) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            raise SecurityError(f"numbers passed to functions and filters are limited to {MAX_NUMBER:,}")


def bounded_filter(name: str, fn):
    fn = inspect.unwrap(fn)  # the synchronous filter itself, under Jinja's async wrapper
    signature = inspect.signature(fn)
    params = list(signature.parameters)
    value_name = params[1] if getattr(fn, "jinja_pass_arg", None) is not None else params[0]
    estimate = _FILTER_SIZES.get(name)
    what = f"the result of |{name}"

    @wraps(fn)
    def call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        if name != "format":  # format's arguments are values to show, not sizes
            _check_numbers(v for k, v in bound.arguments.items() if k not in (value_name, "kwargs", "args"))
        value = bound.arguments.get(value_name)
        if name in _MATERIALIZED and value is not None and not isinstance(value, (str, list, tuple, dict)):
            bound.arguments[value_name] = value = list(value)
        if estimate is not None:
            bound.apply_defaults()
            _within(estimate(bound.arguments), what)
        elif name not in _ITEMWISE:
            _within(size_of(value, MAX_VALUE), what)
        return _settle(fn(*bound.args, **bound.kwargs), what)
    return call


_STR_METHOD_SIZES = {
    "join": lambda s, items, *_: _join_size(items, s),
    "replace": lambda s, old="", new="", count=-1, *_: _replace_size(s, old, new, count),
    "expandtabs": lambda s, tabsize=8, *_: len(s) + s.count("\t") * tabsize,
}
_STR_METHODS_REFUSED = {"translate", "maketrans"}


class _BoundedCodeGenerator(CodeGenerator):
    """`a ~ b` goes through the environment's bounded join instead of Jinja's plain one."""

    def visit_Concat(self, node, frame):
        self.write("environment.join_text((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            return _settle(_power(left, right), "a power")
        if operator == "*":
            _check_product(left, right)
            return _settle(left * right, "a repeated string or list")
        if operator == "+":
            if isinstance(left, str) and isinstance(right, str):
                _within(len(left) + len(right), "a string joined with +")
            elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                _within(size_of(left, MAX_VALUE) + size_of(right, MAX_VALUE), "a list joined with +")
            return _settle(left + right, "a sum")
        if isinstance(left, str):  # %: printf-style formatting
            _within(_printf_size(left, right), "the text formatted with %")
        return _settle(left % right, "the text formatted with %")

    def join_text(self, parts):
        _within(sum(size_of(p, MAX_VALUE) for p in parts), "a string joined with ~")
        return _settle("".join(str(p) for p in parts), "a string joined with ~")

    def concat(self, parts):
        """A {% set %} block's, a macro's or a filter block's text."""
        parts = list(parts)
        _within(sum(len(p) for p in parts), "the text of a block")
        return _settle("".join(parts), "the text of a block")

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt, is_map = value.__self__, value.__name__ == "format_map"

        def checked(*args, **kwargs):
            mapping = (args[0] if args else {}) if is_map else kwargs
            _within(_format_size(fmt, () if is_map else args, mapping if isinstance(mapping, dict) else {"": mapping}),
                    "the text formatted with format()")
            return _settle(wrapper(*args, **kwargs), "the text formatted with format()")
        return update_wrapper(checked, value)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        name = getattr(__obj, "__name__", "")
        if name not in ("format", "format_map"):  # format's arguments are values to show, not sizes
            _check_numbers(args)
            _check_numbers(kwargs.values())
        if isinstance(getattr(__obj, "__self__", None), str):
            if name in _STR_METHODS_REFUSED:
                raise SecurityError(f"str.{name} is not available in templates")
            if name in _STR_METHOD_SIZES:
                if name == "join" and args and not isinstance(args[0], (str, list, tuple)):
                    args = (list(args[0]), *args[1:])
                _within(_STR_METHOD_SIZES[name](__obj.__self__, *args, *kwargs.values()), f"the result of .{name}()")
        return _settle(super().call(__context, __obj, *args, **kwargs), f"the result of {name or 'a call'}()")


def _power(left, right):
    if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
        raise SecurityError(f"exponents are limited to {MAX_EXPONENT}")
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
            and abs(left).bit_length() * right > MAX_INT_BITS + right:
        raise SecurityError(f"numbers are limited to {MAX_DIGITS:,} digits")
    return left ** right


def _check_product(left, right) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
            if times > 0:
                one = len(seq) if isinstance(seq, str) else size_of(seq, MAX_VALUE // times + 1)
                _within(one * times, "a repeated string or list")
            return
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
        raise SecurityError(f"numbers are limited to {MAX_DIGITS:,} digits")


def bounded_range(*args):
    _check_numbers(args)
    return range(*args)


@contextmanager
def limits_for(deadline: float):
    """The bounds of one render, until it ends."""
    token = _limits.set(_Limits(deadline))
    try:
        yield
    finally:
        _limits.reset(token)

