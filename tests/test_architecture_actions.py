"""Pages and API routes never write: every state change goes through one `do_<verb>_<noun>` action in the
app that owns the model, so a page and the API that change the same thing have the same side effects.

Parsed with `ast` rather than grepped, so reads that look alike (a dict's `.update(`, a Redis read) pass."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"

# Modules under web/ that serve no page, and why their writes are not a page's.
NOT_PAGES = {
    "screenshots.py": "a docs tool run against a demo; its .save() writes a PNG",
}

QUERYSET_WRITES = {"create", "update", "update_or_create", "get_or_create", "bulk_create", "bulk_update", "delete"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "select_related", "prefetch_related",
                  "only", "defer", "order_by", "values", "values_list", "using"}
REDIS_WRITES = {"set", "setex", "setnx", "mset", "getset", "getdel", "delete", "unlink", "expire", "expireat",
                "persist", "incr", "incrby", "incrbyfloat", "decr", "decrby", "hset", "hmset", "hsetnx", "hdel",
                "hincrby", "zadd", "zrem", "zincrby", "zremrangebyscore", "zremrangebyrank", "sadd", "srem",
                "lpush", "rpush", "lpop", "rpop", "ltrim", "rename", "pipeline", "transaction", "eval", "evalsha",
                "publish", "flushdb", "flushall"}


def page_modules() -> list[Path]:
    return sorted(p for p in WEB.glob("*.py") if p.name not in NOT_PAGES)


def route_modules() -> list[Path]:
    """Every module that declares API routes: the engine's routers and each app's api.py."""
    return sorted([*(ROOT / "engine" / "routers").glob("*.py"), *ROOT.glob("*/api.py")])


def _chain(node: ast.expr) -> list[str]:
    """The names along `A.objects.filter(...).update` from the inside out: ["A", "objects", "filter", "update"]."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _is_get_redis(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _chain(node.func)[-1:] == ["get_redis"]


def writes_in(source: str, filename: str = "<page>") -> list[str]:
    """Each write the module makes itself, as `line: code`."""
    tree = ast.parse(source, filename)
    clients = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and _is_get_redis(node.value)
               for t in node.targets if isinstance(t, ast.Name)}
    # `@router.delete(...)` declares a route; it deletes nothing.
    decorators = {id(d) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for d in node.decorator_list}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)) or id(node) in decorators:
            continue
        method, receiver = node.func.attr, node.func.value
        chain = _chain(receiver)
        on_redis = _is_get_redis(receiver) or (isinstance(receiver, ast.Name) and receiver.id in clients)
        if on_redis and method in REDIS_WRITES:
            found.append(f"{node.lineno}: Redis {method}")
        elif method in ("save", "delete"):
            found.append(f"{node.lineno}: .{method}()")
        elif method in QUERYSET_WRITES and QUERYSET_STEPS & set(chain):
            found.append(f"{node.lineno}: queryset .{method}()")
    return found


@pytest.mark.parametrize("path", page_modules(), ids=lambda p: p.name)
def test_a_page_module_writes_only_through_actions(path):
    # given: a module of the web pages
    source = path.read_text()
    # when: every call in it is read
    writes = writes_in(source, str(path))
    # then: none writes a model or Redis itself; it calls the owning app's do_* action instead
    assert writes == [], f"{path.relative_to(ROOT)} writes itself; call a do_* action: {writes}"


@pytest.mark.parametrize("path", route_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_an_api_route_module_writes_only_through_actions(path):
    # given: a module that declares API routes
    source = path.read_text()
    # when: every call in it is read
    writes = writes_in(source, str(path))
    # then: schema in, one action or read, schema out
    assert writes == [], f"{path.relative_to(ROOT)} writes itself; call a do_* action: {writes}"


def test_pages_leave_queueing_work_to_the_actions():
    # given: every module under web/, commands included
    imports = {}
    for path in WEB.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        imports[path.relative_to(ROOT)] = names
    # when / then: none queues scoring itself; the action that makes events scoreable does, on commit
    assert [str(p) for p, names in imports.items() if "base.scoring_queue" in names] == []


def test_the_modules_that_serve_no_page_still_exist():
    # given / when / then: an exemption for a module that is gone would hide a new one of the same name
    assert all((WEB / name).is_file() for name in NOT_PAGES)


@pytest.mark.parametrize("code", [
    "ApiKey.objects.filter(pk=1, revoked_at__isnull=True).update(revoked_at=now)",
    "TemplateOverride.objects.update_or_create(kind=k, name=n, defaults={})",
    "Channel.objects.filter(id=i).delete()",
    "Channel.objects.create(id=i)",
    "person.save(update_fields=['public'])",
    "get_redis().delete('k')",
    "r = get_redis()\nr.hset('k', 'f', 1)",
    "r = get_redis()\npipe = r.pipeline()",
])
def test_the_check_sees_each_kind_of_write(code):
    # given: a write a page could make; when: the check reads it; then: it is reported
    assert writes_in(code) != []


@pytest.mark.parametrize("code", [
    "Channel.objects.filter(id=i).first()",
    "form.data.update({'from': 'x'})",
    "env.globals.update(url=url)",
    "r = get_redis()\nr.zrevrange('k', 0, 9)",
    "person_standings(get_redis(), ruleset, person)",
    "do_revoke_api_key(key_id=1)",
    "@router.delete('/channels/{channel_id}')\ndef delete_channel(request, channel_id):\n    do_delete_channel(channel_id)",
])
def test_the_check_lets_reads_and_actions_pass(code):
    # given: a read, or a call of an action; when: the check reads it; then: nothing is reported
    assert writes_in(code) == []
