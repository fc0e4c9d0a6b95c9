"""`on: leaderboard_top`: a person who enters a board's top N in a scoring batch is announced.

The notifications step (scoring.py) reads each touched board's top N just before the boards step
sends the batch's points, and hands it here once they are applied (both inside the batch's transaction): whoever is in the
top N now and was not before has entered it. Team boards (aggregate: team) rank teams, not
people, and announce nothing; in works-council mode (privacy.individual_ranking: false) no board does.
"""

from __future__ import annotations

import hashlib

from base.models import Event, Person
from leaderboards.board_reads import page
from leaderboards.store import BoardChanges

from .models import Channel, Notification
from .outbox import record
from .preferences import announced
from .triggers import event_data, person_data


def _rules(ruleset):
    if not ruleset.ranks_people:
        return []  # entering a top N of people is a ranking of named individuals
    team_boards = {b.id for b in ruleset.leaderboards if b.aggregate == "team"}
    return [n for n in ruleset.doc.notifications
            if n.on == "leaderboard_top" and n.board and n.board not in team_boards]


def tops_before(r, ruleset, changes: BoardChanges) -> dict | None:
    """{(rule index, placement): top members} for the boards this batch touches; None when nothing asks."""
    rules = _rules(ruleset)
    if not rules:
        return None
    tops = {}
    for i, rule in enumerate(rules):
        for placement in [p for p in changes if p.board_id == rule.board]:
            tops[(i, placement)] = [m for m, _ in page(r, placement.board_id, placement.period, placement.scope_value, 0, rule.top or 3)]
    return tops


def record_entries(r, ruleset, before: dict | None, changes: BoardChanges, events: list[Event]) -> list[int]:
    if not before:
        return []
    rules = _rules(ruleset)
    channels = dict(Channel.objects.filter(enabled=True).values_list("id", "kind"))
    by_seq = {e.seq: e for e in events}
    caused_by = {(placement, member): seq for placement, members in changes.items() for member, (_, seq) in members.items()}
    entries = []
    for (i, placement), members in before.items():
        rule = rules[i]
        now = page(r, placement.board_id, placement.period, placement.scope_value, 0, rule.top or 3)
        for rank, (member, points) in enumerate(now, start=1):
            if member in members or (placement, member) not in caused_by:
                continue
            event = by_seq.get(caused_by[(placement, member)])
            if event is None:
                continue
            destination = event.channel if rule.to in (None, "origin") else rule.to
            if destination and destination in channels:
                entries.append((rule, placement, member, rank, points, event, destination))
    if not entries:
        return []
    people = {p.key: p for p in Person.objects.filter(key__in={e[2] for e in entries})}
    boards = {b.id: b for b in ruleset.leaderboards}
    rows = []
    for rule, placement, member, rank, points, event, destination in entries:
        if not announced(people[member], "leaderboard_top", channels[destination]):
            continue  # they keep entering a top to themselves
        board = boards[placement.board_id]
        data = {"person": person_data(people[member]), "board": {"id": board.id, "name": board.name or board.id,
                "period": placement.period, "scope": placement.scope_value}, "rank": rank, "top": rule.top or 3,
                "points": points, "event": event_data(event), "channel": destination}
        key = hashlib.sha256(f"{destination}|{member}|{placement.board_id}|{placement.period}|{placement.scope_value}|"
                             f"{event.source_id}".encode()).hexdigest()
        rows.append(Notification(channel_id=destination, trigger="leaderboard_top",
                                 template=rule.template or "leaderboard_top", data=data, dedupe_key=f"top:{key}"))
    return record(rows)
