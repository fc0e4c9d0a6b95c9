"""Scenario: three weeks of social learning, end to end over real HTTP with a real RQ worker.

Thirty people in four teams post, comment, react and give certification shoutouts in three
channels from 2026-10-20 to 2026-11-10 (Europe/Berlin: across the end of summer time and the
October/November month boundary). The events go to `POST /api/v1/events` in batches of about
a hundred, with a few duplicates re-sent and a few reactions (and one post) undone; a
`manage.py worker` process scores them.

The expected outcome is computed here, independently of the engine, by `ContractModel`: a
plain, one-event-at-a-time reading of CONTRACT.md section 3 (rules, recipients, daily caps in
the ruleset's timezone, boosts, undo, badges, levels, boards and their tie-break). The test then
compares every event's awards, every board, every person and the opt-out behaviour with it.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from base.models import ApiKey
from tests.conftest import wait_for
from tests.helpers import yaml

BERLIN = ZoneInfo("Europe/Berlin")
SEED = 20261020
FIRST_DAY, LAST_DAY = date(2026, 10, 20), date(2026, 11, 10)
TEAMS = ["Data", "Design", "Sales", "Ops"]
CHANNELS = ["learning-python", "design-crit", "sales-enablement"]
NAMES = ["Ana", "Bob", "Carol", "Dan", "Eve", "Femi", "Gus", "Hana", "Ivo", "Jia", "Kai", "Lena", "Mo", "Nia",
         "Omar", "Pia", "Quinn", "Rui", "Sara", "Tom", "Uma", "Vik", "Wen", "Xena", "Yann", "Zoe", "Ada", "Ben",
         "Cleo", "Dev"]
PEOPLE = {f"{name.lower()}@example.com": (name, TEAMS[i % len(TEAMS)]) for i, name in enumerate(NAMES)}
TEAM_OF = {person: team for person, (_, team) in PEOPLE.items()}

# People the hand-written edge cases revolve around; they post only through those on their edge days.
ANA, BOB, CAROL, DAN, EVE = (f"{n}@example.com" for n in ("ana", "bob", "carol", "dan", "eve"))
FEMI, GUS, HANA = (f"{n}@example.com" for n in ("femi", "gus", "hana"))

RULESET = yaml("""
    ruleset: scenario
    timezone: Europe/Berlin
    levels:
      - {name: Newcomer, min_points: 0}
      - {name: Contributor, min_points: 100}
    rules:
      - id: original-post
        when: {type: post}
        award: {to: actor, points: 10}
        limit: {max: 3, per: day}
      - id: comment
        when: {type: comment, not_self: true}
        award: [{to: actor, points: 2}, {to: target_author, points: 1}]
      - id: liked
        when: {type: reaction, not_self: true}
        award: {to: target_author, points: 1}
      - id: certification-shoutout
        when: {type: shoutout, hashtags_any: [certification]}
        award: [{to: mentioned, points: 25}, {to: actor, points: 2}]
    boosts:
      - id: learning-week
        when: {hashtags_any: [SocialLearning], between: {from: 2026-10-26, until: 2026-11-02}}
        factor: 2
    badges:
      - id: prolific-poster
        name: Prolific Poster
        criteria: {rule: original-post}
        tiers: [{name: Bronze, count: 5}, {name: Silver, count: 12}]
    leaderboards:
      - id: all-time
      - {id: weekly, period: week}
      - {id: channels, period: month, scope: channel}
      - {id: teams, scope: team}
      - {id: posting, rules: [original-post]}
""")

# The ruleset above, restated for the model.
LEVELS = [("Newcomer", 0), ("Contributor", 100)]
POST_CAP_PER_DAY = 3
BOOST_FROM, BOOST_UNTIL = datetime(2026, 10, 26, tzinfo=BERLIN), datetime(2026, 11, 2, tzinfo=BERLIN)
BADGE_TIERS = [("Bronze", 5), ("Silver", 12)]
HASHTAG = re.compile(r"#(\w[\w-]*)")
MENTION = re.compile(r"@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


# --------------------------------------------------------------------------------------------
# The scenario's events
# --------------------------------------------------------------------------------------------


def berlin(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).isoformat()


def when(event: dict) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


class ScenarioBuilder:
    """Three weeks of activity from a seeded Random: the same events on every run."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.people = list(PEOPLE)
        self.weights = [self.rng.uniform(0.3, 3.0) for _ in self.people]
        self.posts: list[dict] = []
        self.reactions: list[dict] = []
        self.undone: set[str] = set()
        self.edge: dict[str, str] = {}  # what an edge case is called -> its event id
        self.late: list[dict] = []  # events that arrive in the last batch although they happened earlier
        self.n = 0

    # -- single events ---------------------------------------------------------------------

    def _id(self, kind: str) -> str:
        self.n += 1
        return f"scn:{kind}:{self.n:04d}"

    def _actor(self, person: str):
        """Mostly a bare id (the person is known from their join event), sometimes the full object."""
        if self.rng.random() < 0.3:
            name, team = PEOPLE[person]
            return {"id": person, "name": name, "team": team}
        return person

    def join(self, person: str, at: str) -> dict:
        name, team = PEOPLE[person]
        return {"id": self._id("join"), "type": "join", "occurred_at": at, "actor": {"id": person, "name": name, "team": team}}

    def post(self, author: str, at: str, *, channel: str | None = "random", tags: tuple[str, ...] = ()) -> dict:
        channel = self.rng.choice(CHANNELS) if channel == "random" else channel
        text = f"Notes from today's session on {self.rng.choice(['pandas', 'figma', 'pricing', 'sql', 'k8s'])} "
        event = {"id": self._id("post"), "type": "post", "occurred_at": at, "actor": self._actor(author),
                 "text": text + " ".join(f"#{t}" for t in tags)}
        if channel:
            event["channel"] = channel
        self.posts.append(event)
        return event

    def comment(self, author: str, on: dict, at: str, *, tags: tuple[str, ...] = (), explicit_tags: list | None = None) -> dict:
        event = {"id": self._id("comment"), "type": "comment", "occurred_at": at, "actor": self._actor(author),
                 "target": {"id": on["id"], "author": actor_id(on)}, "text": "Great point! " + " ".join(f"#{t}" for t in tags)}
        if on.get("channel"):
            event["channel"] = on["channel"]
        if explicit_tags is not None:
            event["hashtags"] = explicit_tags
        return event

    def reaction(self, author: str, on: dict, at: str) -> dict:
        event = {"id": self._id("reaction"), "type": "reaction", "occurred_at": at, "actor": author,
                 "target": {"id": on["id"], "author": {"id": actor_id(on)}}}
        if on.get("channel"):
            event["channel"] = on["channel"]
        self.reactions.append(event)
        return event

    def shoutout(self, author: str, mentioned: list[str], at: str, *, tag: str, in_text: bool) -> dict:
        event = {"id": self._id("shoutout"), "type": "shoutout", "occurred_at": at, "actor": self._actor(author),
                 "channel": self.rng.choice(CHANNELS)}
        if in_text:  # hashtags and mentions parsed from the text
            event["text"] = "Congrats " + " and ".join(f"@{m}" for m in mentioned) + f" on the #{tag} !"
        else:
            event["text"] = "Congrats on passing!"
            event["hashtags"], event["mentions"] = [tag], mentioned
        return event

    def undo(self, of: dict, at: str) -> dict:
        self.undone.add(of["id"])
        return {"id": self._id("undo"), "type": "undo", "occurred_at": at, "actor": actor_id(of), "target": {"id": of["id"]}}

    # -- a day of activity -------------------------------------------------------------------

    def _someone(self, exclude: set[str] = frozenset()) -> str:
        while True:
            person = self.rng.choices(self.people, self.weights)[0]
            if person not in exclude:
                return person

    def _daytime(self, day: date) -> str:
        return berlin(day, self.rng.randint(8, 20), self.rng.randint(0, 59))

    def random_day(self, day: date, quiet: set[str]) -> list[dict]:
        """Posts (with a burst over the daily cap now and then), comments and reactions on earlier
        days' posts (some on one's own post), a certification shoutout, sometimes an unlike."""
        rng, events = self.rng, []
        earlier_posts = [p for p in self.posts if when(p).astimezone(BERLIN).date() < day][-40:]
        earlier_reactions = [r for r in self.reactions if when(r).astimezone(BERLIN).date() < day and r["id"] not in self.undone]
        for _ in range(rng.randint(3, 6)):
            tags = ("SocialLearning",) if rng.random() < 0.2 else ("python",)
            events.append(self.post(self._someone(quiet), self._daytime(day), tags=tags,
                                    channel="random" if rng.random() > 0.05 else None))
        if rng.random() < 0.35:
            burster = self._someone(quiet)
            events += [self.post(burster, self._daytime(day)) for _ in range(rng.randint(4, 5))]
        if earlier_posts:
            for _ in range(rng.randint(3, 6)):
                target = rng.choice(earlier_posts)
                author = actor_id(target) if rng.random() < 0.1 else self._someone()
                events.append(self.comment(author, target, self._daytime(day), tags=("SocialLearning",) if rng.random() < 0.15 else ()))
            for _ in range(rng.randint(3, 7)):
                target = rng.choice(earlier_posts)
                author = actor_id(target) if rng.random() < 0.12 else self._someone()
                events.append(self.reaction(author, target, self._daytime(day)))
        if rng.random() < 0.5:
            author = self._someone()
            mentioned = rng.sample([p for p in self.people if p != author], rng.randint(1, 2))
            if rng.random() < 0.2:
                mentioned.append(author)  # the actor never earns the mention award
            tag = rng.choice(["certification", "Certification", "certification", "kudos"])
            events.append(self.shoutout(author, mentioned, self._daytime(day), tag=tag, in_text=rng.random() < 0.5))
        if earlier_reactions and rng.random() < 0.4:
            events.append(self.undo(rng.choice(earlier_reactions), self._daytime(day)))
        return events

    # -- edge cases, written out -------------------------------------------------------------

    def _send_late(self, out: list[dict]) -> None:
        """The last event built arrives in the last batch; nobody reacts to it before then."""
        event = out.pop()
        self.posts.remove(event)
        self.late.append(event)

    def edge_cases(self, day: date) -> list[dict]:
        """Boundaries that only hold in Europe/Berlin, caps, boosts, undo and mention rules."""
        e, out = self.edge, []

        def add(name: str, event: dict) -> None:
            e[name] = event["id"]
            out.append(event)

        if day == FIRST_DAY:
            add("gus-post", self.post(GUS, berlin(day, 8, 30)))
            add("hana-post", self.post(HANA, berlin(day, 8, 45)))
        if day == date(2026, 10, 21):
            add("late-post-free-day", self.post(ANA, berlin(day, 15), channel="learning-python"))
            self._send_late(out)
        if day == date(2026, 10, 22):
            add("bob-post-1", self.post(BOB, berlin(day, 9)))
            add("bob-post-2", self.post(BOB, berlin(day, 10)))
            add("bob-post-3", self.post(BOB, berlin(day, 11)))
            add("late-post-capped-day", self.post(BOB, berlin(day, 16), channel="design-crit"))
            self._send_late(out)
        if day == date(2026, 10, 25):  # summer time ends; Sunday of ISO week 43
            add("boost-before-start", self.post(ANA, "2026-10-25T22:30:00+00:00", tags=("SocialLearning",)))  # 23:30 Berlin
            add("boost-at-start", self.post(ANA, "2026-10-25T23:30:00+00:00", tags=("SocialLearning",)))  # Mon 00:30
        if day == date(2026, 10, 28):
            first = self.post(BOB, berlin(day, 9))
            add("cap-1", first)
            add("cap-2", self.post(BOB, berlin(day, 12)))
            add("cap-3", self.post(BOB, berlin(day, 18)))
            add("cap-4th-of-berlin-day", self.post(BOB, "2026-10-28T22:30:00+00:00"))  # 23:30 Berlin: capped
            add("cap-next-berlin-day", self.post(BOB, "2026-10-28T23:30:00+00:00"))  # 00:30 on the 29th: a new day
            add("boosted-comment", self.comment(CAROL, first, berlin(day, 13), explicit_tags=["SOCIALLEARNING"]))
        if day == date(2026, 10, 31):  # Saturday; the month ends in Berlin an hour after it does in UTC
            add("october-in-berlin", self.post(DAN, "2026-10-31T22:30:00+00:00", channel="design-crit"))
            add("november-in-berlin", self.post(DAN, "2026-10-31T23:30:00+00:00", channel="design-crit"))
        if day == date(2026, 11, 1):  # Sunday, last day of the boost
            add("boost-last-minute", self.post(CAROL, "2026-11-01T22:59:00+00:00", tags=("SocialLearning",)))
            add("boost-ended", self.post(CAROL, "2026-11-01T23:00:00+00:00", tags=("SocialLearning",)))  # Mon 00:00
            add("shoutout-boosted", self.shoutout(DAN, [GUS], berlin(day, 10), tag="certification", in_text=False))
            out[-1]["hashtags"] = ["certification", "SocialLearning"]
        if day == date(2026, 11, 3):
            liked = next(p for p in self.posts if p["id"] == e["gus-post"])
            like = self.reaction(FEMI, liked, berlin(day, 9))
            add("like", like)
            add("unlike", self.undo(like, berlin(day, 9, 1)))
            add("like-again", self.reaction(FEMI, liked, berlin(day, 9, 2)))
            own = next(p for p in self.posts if p["id"] == e["hana-post"])
            self_like = self.reaction(HANA, own, berlin(day, 10))
            add("self-like", self_like)
            add("undo-self-like", self.undo(self_like, berlin(day, 10, 1)))
            add("undo-again", self.undo(like, berlin(day, 10, 5)))
            add("shoutout-mentions", self.shoutout(GUS, [HANA, HANA, GUS], berlin(day, 11), tag="certification", in_text=False))
            add("shoutout-no-certification", self.shoutout(GUS, [HANA], berlin(day, 12), tag="kudos", in_text=True))
        if day == date(2026, 11, 5):
            add("eve-post-1", self.post(EVE, berlin(day, 9)))
            deleted = self.post(EVE, berlin(day, 10))
            add("eve-post-2", deleted)
            add("eve-post-3", self.post(EVE, berlin(day, 11)))
            add("delete-post", self.undo(deleted, berlin(day, 12)))
            add("cap-not-given-back", self.post(EVE, berlin(day, 13)))
        return out

    # -- the whole stream --------------------------------------------------------------------

    def batches(self, size: int = 100) -> list[list[dict]]:
        """Chronological days in batches of `size`, then duplicates re-sent and the late events."""
        stream = [self.join(p, berlin(FIRST_DAY - timedelta(days=1), 9)) for p in self.people]
        day = FIRST_DAY
        while day <= LAST_DAY:
            quiet = {ANA, BOB, CAROL, DAN, EVE}  # the edge people post only through the edge cases
            todays = self.edge_cases(day) + self.random_day(day, quiet)
            stream += sorted(todays, key=when)
            day += timedelta(days=1)
        batches = [stream[i:i + size] for i in range(0, len(stream), size)]
        batches[0].append(dict(batches[0][40]))  # a duplicate within one request
        for n in range(1, len(batches)):
            for earlier in self.rng.sample([ev for b in batches[:n] for ev in b], 2):  # re-sent later, keys reordered
                batches[n].append(dict(reversed(list(earlier.items()))))
        batches[-1] += self.late
        return batches


def actor_id(event: dict) -> str:
    actor = event["actor"]
    return actor if isinstance(actor, str) else actor["id"]


# --------------------------------------------------------------------------------------------
# The expected outcome: CONTRACT.md section 3, one event at a time, in acceptance order
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedAward:
    rule: str
    person: str
    points: int
    capped: bool
    occurred_at: datetime
    channel: str | None

    @property
    def row(self) -> tuple:
        return (self.rule, self.person, self.points, self.capped)


@dataclass
class ContractModel:
    points: Counter = field(default_factory=Counter)
    awards: dict[str, list[tuple]] = field(default_factory=dict)  # event id -> its ledger rows
    boards: dict[tuple, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))  # -> person: [points, seq]
    badges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _given: dict[str, list[ExpectedAward]] = field(default_factory=dict)
    _undone: set[str] = field(default_factory=set)
    _cap_counts: Counter = field(default_factory=Counter)
    _post_counts: Counter = field(default_factory=Counter)

    def score_all(self, batches: list[list[dict]]) -> list[str]:
        """Accepts like the API (first time an id is seen), scores in that order; returns the accepted ids."""
        accepted = []
        for batch in batches:
            for event in batch:
                if event["id"] not in self.awards:
                    accepted.append(event["id"])
                    self.score(event, seq=len(accepted))
        return accepted

    def score(self, event: dict, seq: int) -> None:
        if event["type"] == "undo":
            self.awards[event["id"]] = self._undo(event["target"]["id"], seq)
            return
        at = when(event)
        actor = actor_id(event)
        target_author = self._target_author(event)
        hashtags = {t.lstrip("#").casefold() for t in (event["hashtags"] if "hashtags" in event else HASHTAG.findall(event.get("text", "")))}
        mentions = event["mentions"] if "mentions" in event else MENTION.findall(event.get("text", ""))
        boosted = "sociallearning" in hashtags and BOOST_FROM <= at < BOOST_UNTIL
        factor = 2 if boosted else 1

        base: list[tuple[str, str, int]] = []  # rule, recipient, points
        kind, not_self = event["type"], target_author != actor
        if kind == "post":
            base.append(("original-post", actor, 10))
        if kind == "comment" and not_self:
            base.append(("comment", actor, 2))
            if target_author:
                base.append(("comment", target_author, 1))
        if kind == "reaction" and not_self and target_author:
            base.append(("liked", target_author, 1))
        if kind == "shoutout" and "certification" in hashtags:
            base += [("certification-shoutout", m, 25) for m in dict.fromkeys(mentions) if m != actor]
            base.append(("certification-shoutout", actor, 2))

        given = []
        for rule, person, points in base:
            capped = False
            if rule == "original-post":
                day = (person, at.astimezone(BERLIN).date())
                capped = self._cap_counts[day] >= POST_CAP_PER_DAY
                if not capped:
                    self._cap_counts[day] += 1
                    self._count_post(person, +1)
            award = ExpectedAward(rule, person, 0 if capped else points * factor, capped, at, event.get("channel"))
            given.append(award)
            self._book(award, award.points, seq)
        self._given[event["id"]] = given
        self.awards[event["id"]] = [a.row for a in given]

    def _undo(self, target: str, seq: int) -> list[tuple]:
        """Every award of the target reversed once; caps are not given back."""
        if target in self._undone:
            return []
        self._undone.add(target)
        rows = []
        for award in self._given.get(target, []):
            if award.capped:
                continue
            self._book(award, -award.points, seq)
            if award.rule == "original-post":
                self._count_post(award.person, -1)
            rows.append((award.rule, award.person, -award.points, False))
        return rows

    def _count_post(self, person: str, delta: int) -> None:
        self._post_counts[person] += delta
        for tier, count in BADGE_TIERS:  # a tier, once reached, is kept
            if self._post_counts[person] >= count:
                self.badges[person].add(tier)

    def _book(self, award: ExpectedAward, points: int, seq: int) -> None:
        """Points and board totals; `seq` remembers when the person's total on that board last changed."""
        if not points:
            return
        self.points[award.person] += points
        for key in self.placements(award):
            entry = self.boards[key].setdefault(award.person, [0, 0])
            entry[0] += points
            entry[1] = seq

    @staticmethod
    def placements(award: ExpectedAward) -> list[tuple]:
        local = award.occurred_at.astimezone(BERLIN)
        year, week, _ = local.isocalendar()
        keys = [("all-time", "all", None), ("weekly", f"{year}-W{week:02d}", None), ("teams", "all", TEAM_OF[award.person])]
        if award.channel:
            keys.append(("channels", f"{local.year}-{local.month:02d}", award.channel))
        if award.rule == "original-post":
            keys.append(("posting", "all", None))
        return keys

    @staticmethod
    def _target_author(event: dict) -> str | None:
        author = (event.get("target") or {}).get("author")
        return author if isinstance(author, str) or author is None else author["id"]

    # -- reading the expectation -------------------------------------------------------------

    def ranking(self, board: str, period: str, scope: str | None = None) -> list[tuple[int, str, int]]:
        """(rank, person, points): more points first; equal points, who reached the total first; then id."""
        totals = self.boards.get((board, period, scope), {})
        order = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
        return [(rank, person, pts) for rank, (person, (pts, _)) in enumerate(order, 1) if pts]

    def boards_decided_by_reach_time(self) -> list[tuple]:
        """Boards whose order differs from sorting by points and then id alone: the tie-break matters there."""
        def by_points_then_id(key: tuple) -> list[tuple[int, str, int]]:
            order = sorted(self.boards[key].items(), key=lambda kv: (-kv[1][0], kv[0]))
            return [(rank, person, pts) for rank, (person, (pts, _)) in enumerate(order, 1) if pts]

        return [key for key in self.boards if self.ranking(*key) != by_points_then_id(key)]

    def level(self, person: str) -> tuple[str, int]:
        return [lv for lv in LEVELS if lv[1] <= self.points[person]][-1]

    def next_level(self, person: str) -> tuple[str, int] | None:
        return next((lv for lv in LEVELS if lv[1] > self.points[person]), None)


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class Http:
    """requests against the live server's /api/v1 with one role's bearer key."""

    def __init__(self, base_url: str, role: str):
        self.base = f"{base_url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {ApiKey.issue(name=f'scenario {role}', role=role)[1]}"

    def get(self, path: str, **params) -> dict:
        response = self.session.get(self.base + path, params=params, timeout=10)
        assert response.status_code == 200, (path, params, response.status_code, response.text)
        return response.json()

    def post(self, path: str, body) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30)

    def put_yaml(self, path: str, text: str) -> requests.Response:
        return self.session.put(self.base + path, data=text.encode(), headers={"Content-Type": "application/yaml"}, timeout=10)

    def patch(self, path: str, body) -> requests.Response:
        return self.session.patch(self.base + path, json=body, timeout=10)

    def board(self, board: str, **params) -> list[tuple[int, str, int]]:
        """Every entry of a board page with a non-zero total (see `nonzero` below)."""
        return nonzero(self.get(f"/leaderboards/{board}", limit=1000, **params)["entries"])


def nonzero(entries: list[dict]) -> list[tuple[int, str, int]]:
    # An undo can bring someone's total on a board back to 0; whether they then stay listed with
    # 0 points is not pinned by the contract, so 0-point rows (always last) are not compared.
    return [(e["rank"], e["person"], e["points"]) for e in entries if e["points"]]


def people_on(entries: list[tuple[int, str, int]]) -> set[str]:
    return {person for _, person, _ in entries}


def send_in_batches(integration: Http, batches: list[list[dict]]) -> list[dict]:
    replies = []
    for batch in batches:
        response = integration.post("/events", batch)
        assert response.status_code == 202, response.text
        replies.append(response.json())
    return replies


def wait_until_scored(anyone: Http, last_event_id: str) -> None:
    wait_for(lambda: anyone.get("/healthz")["pending_events"] == 0, timeout=45, interval=0.2, what="every event scored")
    assert anyone.get(f"/events/{last_event_id}")["status"] == "scored"


def ledger_rows(event: dict) -> list[tuple]:
    """An event's awards from GET /events/{id}: (rule, person, points, capped), sorted."""
    return _comparable(event["type"], [(a["rule"], a["person"], a["points"], a["capped"]) for a in event["awards"]])


def ledger_by_event(reader: Http, types: dict[str, str]) -> dict[str, list[tuple]]:
    """Every person's points history (GET /people/{id}/awards), regrouped by event."""
    rows: dict[str, list[tuple]] = defaultdict(list)
    for person in PEOPLE:
        page = reader.get(f"/people/{person}/awards", limit=500)
        assert page["total"] == len(page["awards"]), person
        for a in page["awards"]:
            rows[a["event"]].append((a["rule"], a["person"], a["points"], a["capped"]))
    grouped = {event_id: _comparable(types[event_id], found) for event_id, found in rows.items()}
    return {event_id: found for event_id, found in grouped.items() if found}


def _comparable(event_type: str, rows: list[tuple]) -> list[tuple]:
    if event_type == "undo":  # a capped award gave nothing: compensating it with a 0-point row is optional
        rows = [r for r in rows if r[2]]
    return sorted(rows)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


# What the hand-written edge cases must earn: (rule, recipient, points, capped), sorted.
EDGE_CASES = {
    "boost-before-start": [("original-post", ANA, 10, False)],  # Sun 25 Oct 23:30 Berlin: before the boost
    "boost-at-start": [("original-post", ANA, 20, False)],  # 23:30 UTC is Mon 26 Oct 00:30 Berlin: boosted
    "boost-last-minute": [("original-post", CAROL, 20, False)],  # Sun 1 Nov 23:59 Berlin
    "boost-ended": [("original-post", CAROL, 10, False)],  # Mon 2 Nov 00:00 Berlin: `until` is exclusive
    "october-in-berlin": [("original-post", DAN, 10, False)],  # Sat 31 Oct 23:30 Berlin: the 2026-10 channel board
    "november-in-berlin": [("original-post", DAN, 10, False)],  # 23:30 UTC on the 31st: the 2026-11 board
    "cap-4th-of-berlin-day": [("original-post", BOB, 0, True)],  # 22:30 UTC, still the 28th in Berlin
    "cap-next-berlin-day": [("original-post", BOB, 10, False)],  # 23:30 UTC, already the 29th in Berlin
    "late-post-capped-day": [("original-post", BOB, 0, True)],  # sent last, for a day Bob had filled
    "late-post-free-day": [("original-post", ANA, 10, False)],  # sent last, for a day Ana had not posted
    "boosted-comment": [("comment", BOB, 2, False), ("comment", CAROL, 4, False)],  # explicit hashtags, any case
    "shoutout-boosted": [("certification-shoutout", DAN, 4, False), ("certification-shoutout", GUS, 50, False)],
    "shoutout-mentions": [("certification-shoutout", GUS, 2, False), ("certification-shoutout", HANA, 25, False)],
    "shoutout-no-certification": [],
    "like": [("liked", GUS, 1, False)],
    "unlike": [("liked", GUS, -1, False)],
    "like-again": [("liked", GUS, 1, False)],
    "self-like": [],
    "undo-self-like": [],
    "undo-again": [],  # the like was undone already: nothing is reversed twice
    "delete-post": [("original-post", EVE, -10, False)],
    "cap-not-given-back": [("original-post", EVE, 0, True)],  # the deleted post still counts for the cap
}


def assert_model_is_sound(model: ContractModel, edge: dict[str, str]) -> None:
    """The model agrees with the hand-written cases, and the data exercises what it should."""
    for name, expected in EDGE_CASES.items():
        assert sorted(model.awards[edge[name]]) == expected, f"model disagrees on {name}"
    all_time = model.ranking("all-time", "all")
    assert len(all_time) == len(PEOPLE)
    assert len({pts for _, _, pts in all_time}) < len(all_time), "no ties on the all-time board"
    assert len(model.boards_decided_by_reach_time()) >= 3, "the reach-time tie-break hardly matters"
    assert {model.level(p)[0] for p in PEOPLE} == {name for name, _ in LEVELS}
    assert {frozenset(t) for t in model.badges.values()} == {frozenset({"Bronze"}), frozenset({"Bronze", "Silver"})}


WEEKS = ("2026-W43", "2026-W44", "2026-W45", "2026-W46")
MONTHS = ("2026-10", "2026-11")


@pytest.mark.worker
def test_three_weeks_of_social_learning_over_http(live_server, workers):
    # given the ruleset, a running worker, and three weeks of events with their expected outcome
    admin, integration, reader = (Http(live_server.url, role) for role in ("admin", "integration", "reader"))
    response = admin.put_yaml("/ruleset", RULESET)
    assert response.status_code == 200, response.text
    workers.start()
    builder = ScenarioBuilder(SEED)
    batches = builder.batches()
    sent = sum(len(b) for b in batches)
    model = ContractModel()
    accepted_ids = model.score_all(batches)
    assert 300 <= sent <= 500 and len(accepted_ids) < sent
    assert_model_is_sound(model, builder.edge)

    # when the events are sent over HTTP in batches and the worker has scored them
    replies = send_in_batches(integration, batches)
    wait_until_scored(reader, accepted_ids[-1])

    # then every event was acknowledged, each duplicate once
    assert sum(r["accepted"] for r in replies) == len(accepted_ids)
    assert sum(r["duplicates"] for r in replies) == sent - len(accepted_ids)

    # ... the edge cases earned what the contract says
    for name, expected in EDGE_CASES.items():
        assert ledger_rows(reader.get(f"/events/{builder.edge[name]}")) == expected, name

    # ... the whole ledger, read person by person, holds exactly the model's awards for every event
    types = {e["id"]: e["type"] for b in batches for e in b}
    assert ledger_by_event(reader, types) == {event_id: sorted(rows) for event_id, rows in model.awards.items() if rows}

    # ... the all-time board, exactly, in order (ties included)
    all_time = model.ranking("all-time", "all")
    assert reader.board("all-time") == all_time

    # ... the weekly boards (ISO weeks in Berlin; W44 holds the boost)
    for week in WEEKS:
        assert reader.board("weekly", period=week) == model.ranking("weekly", week), week

    # ... the per-channel monthly boards, on both sides of the Berlin month boundary
    for channel in CHANNELS:
        for month in MONTHS:
            assert reader.board("channels", scope=channel, period=month) == model.ranking("channels", month, channel), (channel, month)

    # ... one board per team, whose members' points add up to the team's total
    for team in TEAMS:
        expected = model.ranking("teams", "all", team)
        assert reader.board("teams", scope=team) == expected, team
        assert sum(pts for _, _, pts in expected) == sum(model.points[p] for p in PEOPLE if TEAM_OF[p] == team)

    # ... the board counting only the post rule
    assert reader.board("posting") == model.ranking("posting", "all")

    # ... every person's points, level, next level and badge tiers
    for person in PEOPLE:
        profile = reader.get(f"/people/{person}")
        assert profile["points"] == model.points[person], person
        assert (profile["level"]["name"], profile["level"]["min_points"]) == model.level(person), person
        upcoming = model.next_level(person)
        if upcoming:
            assert (profile["next_level"]["name"], profile["next_level"]["points_needed"]) == (upcoming[0], upcoming[1] - model.points[person])
        else:
            assert profile["next_level"] is None, person
        assert {b["tier"] for b in profile["badges"] if b["id"] == "prolific-poster"} == model.badges[person], person

    # ... and ?around=PERSON returns a page holding that person at their rank
    for rank, person, points in (all_time[14], all_time[-1]):
        page = reader.get("/leaderboards/all-time", around=person, limit=5)
        assert (rank, person, points) in nonzero(page["entries"])
        assert set(nonzero(page["entries"])) <= set(all_time)
        assert (page["me"]["rank"], page["me"]["points"], page["me"]["public"]) == (rank, points, True)

    # when the top person opts out of the public boards
    _, top, top_points = all_time[0]
    response = admin.patch(f"/people/{top}", {"public": False})
    assert response.status_code == 200, response.text
    assert response.json()["public"] is False

    # then they vanish from the all-time board and everyone below moves up one rank
    assert reader.board("all-time") == [(rank - 1, person, pts) for rank, person, pts in all_time[1:]]
    # ... and from every other public board
    assert top not in people_on(reader.board("posting"))
    assert top not in people_on(reader.board("teams", scope=TEAM_OF[top]))
    for week in WEEKS:
        assert top not in people_on(reader.board("weekly", period=week))
    for channel in CHANNELS:
        for month in MONTHS:
            assert top not in people_on(reader.board("channels", scope=channel, period=month))
    # ... while they still see their own rank and keep their points
    profile = reader.get(f"/people/{top}")
    assert profile["points"] == top_points and profile["public"] is False
    assert [(r["rank"], r["points"], r["public"]) for r in profile["ranks"] if r["board"] == "all-time"] == [(1, top_points, False)]
    me = reader.get("/leaderboards/all-time", around=top, limit=5)["me"]
    assert (me["rank"], me["points"], me["public"]) == (1, top_points, False)
