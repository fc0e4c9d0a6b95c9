"""Reciprocal rings: pairs or small groups of people whose points mostly come from each other.

Pure functions over giver -> receiver flows (no database here; insights/api.py reads the ledger).

Definitions, with `min_share` and `min_awards` from the request:
- A *flow* u -> v sums the points and counts the awards v received from events u caused
  (self-awards and non-positive points are never flows).
- `received(v)` is everything v received from other people in the window.
- A *strong* flow has at least `min_awards` awards; weaker flows are noise and never count
  towards a ring.
- A group G of 2..MAX_GROUP people is a *ring* when G is strongly connected through strong flows
  between its members and every member v receives at least `min_share * received(v)` through
  strong flows from the other members. For a pair this is: both directions have `min_awards`
  awards and each gets at least `min_share` of its points from the other.
- Only maximal rings are reported: a ring inside a larger ring is reported as the larger one.

How, and the bound: with P flows, candidates are found in O(P log P): people are peeled off
until each remaining one gives a strong flow to, and could get `min_share` from its best
MAX_GROUP - 1 strong inflows from, the others; rings live inside one strongly connected
component of what remains. Inside each component every connected group of 2..MAX_GROUP people is
enumerated once (ESU) and checked, until WORK_BUDGET steps (a neighbour looked at, a group
checked) are spent; then the search stops and the result says `complete=False`. Under the
budget the answer is exact. So the Python work is O(P log P + WORK_BUDGET) whatever the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterable, Iterator

MAX_GROUP = 4
WORK_BUDGET = 500_000  # elementary steps of the group search: a neighbour looked at or a group checked

Strong = dict[tuple[str, str], tuple[int, int]]  # (giver, receiver) -> (points, awards), at least min_awards


@dataclass(frozen=True)
class Flow:
    giver: str
    receiver: str
    points: int
    awards: int


@dataclass
class Ring:
    members: tuple[str, ...]            # sorted
    flows: list[Flow]                   # the strong flows between members
    points_received_total: int          # sum of received() over members
    member_shares: dict[str, float] = field(default_factory=dict)

    @property
    def points_within(self) -> int:
        return sum(f.points for f in self.flows)

    @property
    def awards_within(self) -> int:
        return sum(f.awards for f in self.flows)

    @property
    def share(self) -> float:
        return self.points_within / self.points_received_total if self.points_received_total else 0.0


@dataclass
class Result:
    rings: list[Ring]
    complete: bool  # False: the search stopped at the work budget; the rings found so far are listed
    work: int


def find_rings(flows: Iterable[Flow], *, min_share: float, min_awards: int,
               max_size: int = MAX_GROUP, budget: int = WORK_BUDGET) -> Result:
    """The maximal rings among these flows, by share then points within, highest first."""
    points: dict[tuple[str, str], int] = {}
    awards: dict[tuple[str, str], int] = {}
    received: dict[str, int] = {}
    for f in flows:
        g, r, p = f.giver, f.receiver, f.points
        if g == r or p <= 0:
            continue
        received[r] = received.get(r, 0) + p
        points[(g, r)] = points.get((g, r), 0) + p
        awards[(g, r)] = awards.get((g, r), 0) + f.awards
    floor = max(min_awards, 1)
    strong = {pair: (points[pair], n) for pair, n in awards.items() if n >= floor}

    alive = _prune(strong, received, min_share, max_size)
    outs: dict[str, set[str]] = defaultdict(set)
    ins: dict[str, set[str]] = defaultdict(set)
    for g, r in strong:
        if g in alive and r in alive:
            outs[g].add(r)
            ins[r].add(g)

    found: list[Ring] = []
    work = [0]
    for component in _components(alive, outs, ins):
        if len(component) < 2:
            continue
        neighbours = {v: (outs[v] | ins[v]) & component for v in component}
        for group in _connected_groups(component, neighbours, max_size, work):
            work[0] += 1
            ring = _ring(group, strong, received, outs, min_share)
            if ring:
                found.append(ring)
            if work[0] >= budget:
                break
        if work[0] >= budget:
            break

    covered = {sub for ring in found for k in range(2, len(ring.members))
               for sub in combinations(ring.members, k)}
    rings = [r for r in found if r.members not in covered]
    rings.sort(key=lambda r: (-r.share, -r.points_within, r.members))
    return Result(rings, complete=work[0] < budget, work=work[0])


def _prune(strong: Strong, received: dict[str, int], min_share: float, max_size: int) -> set[str]:
    """People who could still be in a ring: they give a strong flow to, and receive enough from, other candidates.

    A member receives from at most max_size - 1 others in its group, so its best max_size - 1 strong
    inflows from candidates must already reach the share. People are peeled off until that holds for
    all; since removals only lower the others' best inflows, each person's inflows, sorted once, are
    walked at most once: O(P log P) in all.
    """
    best_k = max_size - 1
    inflows: dict[str, list[tuple[int, str]]] = defaultdict(list)
    outs: dict[str, list[str]] = defaultdict(list)
    for (g, r), (p, _) in strong.items():
        inflows[r].append((p, g))
        outs[g].append(r)
    alive = set(inflows) & set(outs)
    out_alive = {v: sum(r in alive for r in outs[v]) for v in alive}
    top: dict[str, list[tuple[int, str]]] = {v: [] for v in alive}  # the best alive inflows, at most best_k
    cursor = dict.fromkeys(alive, 0)                                 # how far inflows[v] has been walked
    in_top_of: dict[str, list[str]] = defaultdict(list)              # giver -> people whose top holds it

    def refill(v: str) -> None:
        top[v] = [(p, g) for p, g in top[v] if g in alive]
        ranked, i = inflows[v], cursor[v]
        while len(top[v]) < best_k and i < len(ranked):
            p, g = ranked[i]
            i += 1
            if g in alive:
                top[v].append((p, g))
                in_top_of[g].append(v)
        cursor[v] = i

    def viable(v: str) -> bool:
        return bool(top[v]) and out_alive[v] > 0 and sum(p for p, _ in top[v]) >= min_share * received[v]

    for v in alive:
        inflows[v].sort(reverse=True)
        refill(v)
    doomed = [v for v in alive if not viable(v)]
    while doomed:
        v = doomed.pop()
        if v not in alive:
            continue
        alive.discard(v)
        for r in in_top_of[v]:
            if r in alive:
                refill(r)
                if not viable(r):
                    doomed.append(r)
        for _, g in inflows[v]:
            if g in alive:
                out_alive[g] -= 1
                if not out_alive[g]:
                    doomed.append(g)
    return alive


def _components(nodes: set[str], outs: dict[str, set[str]], ins: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Kosaraju, iterative), deterministic order."""
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(nodes):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(sorted(outs[start])))]
        while stack:
            v, it = stack[-1]
            w = next(it, None)
            if w is None:
                stack.pop()
                order.append(v)
            elif w not in seen:
                seen.add(w)
                stack.append((w, iter(sorted(outs[w]))))
    components: list[set[str]] = []
    assigned: set[str] = set()
    for start in reversed(order):
        if start in assigned:
            continue
        component, stack = {start}, [start]
        assigned.add(start)
        while stack:
            for w in ins[stack.pop()]:
                if w not in assigned:
                    assigned.add(w)
                    component.add(w)
                    stack.append(w)
        components.append(component)
    return components


def _connected_groups(nodes: set[str], neighbours: dict[str, set[str]], max_size: int,
                      work: list[int]) -> Iterator[tuple[str, ...]]:
    """Every connected group of 2..max_size nodes exactly once (ESU enumeration, Wernicke 2006).

    Adds the neighbours it looks at to work[0], so the caller can stop at a budget.
    """
    ordered = sorted(nodes)
    rank = {v: i for i, v in enumerate(ordered)}
    by_rank = {v: sorted(neighbours[v], key=rank.__getitem__) for v in ordered}

    def extend(group: set[str], extension: list[str], root: str, closed: set[str]):
        if len(group) >= 2:
            yield tuple(sorted(group))
        if len(group) == max_size:
            return
        extension = list(extension)
        while extension:
            w = extension.pop()
            work[0] += len(by_rank[w])
            exclusive = [u for u in by_rank[w] if rank[u] > rank[root] and u not in closed]
            yield from extend(group | {w}, extension + exclusive, root, closed | neighbours[w] | {w})

    for root in ordered:
        yield from extend({root}, [u for u in by_rank[root] if rank[u] > rank[root]], root,
                          neighbours[root] | {root})


def _ring(group: tuple[str, ...], strong: Strong, received: dict[str, int],
          outs: dict[str, set[str]], min_share: float) -> Ring | None:
    members = set(group)
    shares = {}
    for v in group:
        within = sum(strong[(u, v)][0] for u in group if (u, v) in strong)
        if not within or within < min_share * received[v]:
            return None
        shares[v] = within / received[v]
    if not _strongly_connected(group, outs):
        return None
    flows = [Flow(u, v, *strong[(u, v)]) for u in group for v in group if (u, v) in strong]
    return Ring(members=group, flows=flows, points_received_total=sum(received[v] for v in members),
                member_shares=shares)


def _strongly_connected(group: tuple[str, ...], outs: dict[str, set[str]]) -> bool:
    members = set(group)

    def reach(start: str, step) -> set[str]:
        seen, stack = {start}, [start]
        while stack:
            for w in step(stack.pop()) & members:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        return seen

    forward = reach(group[0], lambda v: outs[v])
    backward = reach(group[0], lambda v: {u for u in group if v in outs[u]})
    return forward == members == backward
