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

from engine.models import ApiKey
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
            add("cap-1", self.post(BOB, berlin(day, 9)))
            add("cap-2", self.post(BOB, berlin(day, 12)))
            add("cap-3", self.post(BOB, berlin(day, 18)))
            add("cap-4th-of-berlin-day", self.post(BOB, "2026-10-28T22:30:00+00:00"))  # 23:30 Berlin: capped
            add("cap-next-berlin-day", self.post(BOB, "2026-10-28T23:30:00+00:00"))  # 00:30 on the 29th: a new day
            target = self.posts[-5]
            add("boosted-comment", self.comment(CAROL, target, berlin(day, 13), explicit_tags=["SOCIALLEARNING"]))
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
            add("like", self.reaction(FEMI, liked, berlin(day, 9)))
            add("unlike", self.undo(self.reactions[-1], berlin(day, 9, 1)))
            add("like-again", self.reaction(FEMI, liked, berlin(day, 9, 2)))
            own = next(p for p in self.posts if p["id"] == e["hana-post"])
            add("self-like", self.reaction(HANA, own, berlin(day, 10)))
            add("undo-self-like", self.undo(self.reactions[-1], berlin(day, 10, 1)))
            add("undo-again", {**self.undo(self.reactions[-3], berlin(day, 10, 5)), "actor": FEMI})
            add("shoutout-mentions", self.shoutout(GUS, [HANA, HANA, GUS], berlin(day, 11), tag="certification", in_text=False))
            add("shoutout-no-certification", self.shoutout(GUS, [HANA], berlin(day, 12), tag="kudos", in_text=True))
        if day == date(2026, 11, 5):
            add("eve-post-1", self.post(EVE, berlin(day, 9)))
            add("eve-post-2", self.post(EVE, berlin(day, 10)))
            add("eve-post-3", self.post(EVE, berlin(day, 11)))
            add("delete-post", self.undo(self.posts[-2], berlin(day, 12)))
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
    rows = [(a["rule"], a["person"], a["points"], a["capped"]) for a in event["awards"]]
    if event["type"] == "undo":  # a capped award gave nothing; compensating it with 0 is optional
        rows = [r for r in rows if r[2]]
    return sorted(rows)


# --------------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------------


@pytest.mark.worker
def test_three_weeks_of_social_learning_over_http(live_server, workers):
    print('T', round(__import__('time').monotonic(),2), '# given the ruleset, a running worker, and three weeks of events with their expected outcome')
    # given the ruleset, a running worker, and three weeks of events with their expected outcome
    admin, integration, reader = (Http(live_server.url, role) for role in ("admin", "integration", "reader"))
    response = admin.put_yaml("/ruleset", RULESET)
    assert response.status_code == 200, response.text
    workers.start()
    builder = ScenarioBuilder(SEED)
    batches = builder.batches()
    model = ContractModel()
    accepted_ids = model.score_all(batches)
    edge = builder.edge
    sent = sum(len(b) for b in batches)
    assert 300 <= sent <= 500 and len(accepted_ids) < sent

    print('T', round(__import__('time').monotonic(),2), '# when the events are sent over HTTP and the worker has scored them')
    # when the events are sent over HTTP and the worker has scored them
    replies = send_in_batches(integration, batches)
    wait_until_scored(reader, accepted_ids[-1])

    print('T', round(__import__('time').monotonic(),2), '# then every batch was acknowledged, duplicates counted once')
    # then every batch was acknowledged, duplicates counted once
    assert sum(r["accepted"] for r in replies) == len(accepted_ids)
    assert sum(r["duplicates"] for r in replies) == sent - len(accepted_ids)

    print('T', round(__import__('time').monotonic(),2), '# ... the hand-written edge cases came out as the contract says (checked against the model too)')
    # ... the hand-written edge cases came out as the contract says (checked against the model too)
    def awards_of(name: str) -> list[tuple]:
        return ledger_rows(reader.get(f"/events/{edge[name]}"))

    assert awards_of("boost-before-start") == model.awards[edge["boost-before-start"]] == [("original-post", ANA, 10, False)]
    assert awards_of("boost-at-start") == [("original-post", ANA, 20, False)]
    assert awards_of("boost-last-minute") == [("original-post", CAROL, 20, False)]
    assert awards_of("boost-ended") == [("original-post", CAROL, 10, False)]
    assert awards_of("cap-4th-of-berlin-day") == [("original-post", BOB, 0, True)]
    assert awards_of("cap-next-berlin-day") == [("original-post", BOB, 10, False)]
    assert awards_of("late-post-capped-day") == [("original-post", BOB, 0, True)]
    assert awards_of("late-post-free-day") == [("original-post", ANA, 10, False)]
    assert awards_of("boosted-comment") == [("comment", BOB, 2, False), ("comment", CAROL, 4, False)]
    assert awards_of("shoutout-boosted") == sorted([("certification-shoutout", GUS, 50, False), ("certification-shoutout", DAN, 4, False)])
    assert awards_of("shoutout-mentions") == sorted([("certification-shoutout", HANA, 25, False), ("certification-shoutout", GUS, 2, False)])
    assert awards_of("shoutout-no-certification") == []
    assert awards_of("self-like") == [] and awards_of("undo-self-like") == []
    assert awards_of("unlike") == [("liked", GUS, -1, False)] and awards_of("like-again") == [("liked", GUS, 1, False)]
    assert awards_of("undo-again") == []  # already undone: nothing is reversed twice
    assert awards_of("delete-post") == [("original-post", EVE, -10, False)]
    assert awards_of("cap-not-given-back") == [("original-post", EVE, 0, True)]

    print('T', round(__import__('time').monotonic(),2), "# ... and every event's ledger rows match the model")
    # ... and every event's ledger rows match the model
    mismatched = {}
    for event_id in accepted_ids:
        got = ledger_rows(reader.get(f"/events/{event_id}"))
        want = sorted(model.awards[event_id])
        if got != want:
            mismatched[event_id] = {"got": got, "want": want}
    assert not mismatched, mismatched

    print('T', round(__import__('time').monotonic(),2), '# ... the all-time board, exactly, in order (including ties)')
    # ... the all-time board, exactly, in order (including ties)
    all_time = model.ranking("all-time", "all")
    assert len(all_time) == len(PEOPLE)
    assert len({pts for _, _, pts in all_time}) < len(all_time), "the scenario should contain ties"
    assert reader.board("all-time") == all_time

    print('T', round(__import__('time').monotonic(),2), '# ... the weekly boards (ISO weeks in Berlin; W44 holds the boost)')
    # ... the weekly boards (ISO weeks in Berlin; W44 holds the boost)
    for week in ("2026-W43", "2026-W44", "2026-W45", "2026-W46"):
        assert reader.board("weekly", period=week) == model.ranking("weekly", week), week

    print('T', round(__import__('time').monotonic(),2), '# ... the per-channel monthly boards, on both sides of the Berlin month boundary')
    # ... the per-channel monthly boards, on both sides of the Berlin month boundary
    for channel in CHANNELS:
        for month in ("2026-10", "2026-11"):
            assert reader.board("channels", scope=channel, period=month) == model.ranking("channels", month, channel), (channel, month)

    print('T', round(__import__('time').monotonic(),2), '# ... one board per team, and team totals')
    # ... one board per team, and team totals
    for team in TEAMS:
        expected = model.ranking("teams", "all", team)
        assert reader.board("teams", scope=team) == expected, team
        members = [p for p, t in TEAM_OF.items() if t == team]
        assert sum(pts for _, _, pts in expected) == sum(model.points[p] for p in members)

    print('T', round(__import__('time').monotonic(),2), '# ... the board counting only the post rule')
    # ... the board counting only the post rule
    assert reader.board("posting") == model.ranking("posting", "all")

    print('T', round(__import__('time').monotonic(),2), "# ... every person's points, level and badge tiers")
    # ... every person's points, level and badge tiers
    for person in PEOPLE:
        profile = reader.get(f"/people/{person}")
        level, upcoming = model.level(person), model.next_level(person)
        assert profile["points"] == model.points[person], person
        assert (profile["level"]["name"], profile["level"]["min_points"]) == level, person
        if upcoming:
            assert (profile["next_level"]["name"], profile["next_level"]["points_needed"]) == (upcoming[0], upcoming[1] - model.points[person])
        else:
            assert profile["next_level"] is None, person
        tiers = {b["tier"] for b in profile["badges"] if b["id"] == "prolific-poster"}
        assert tiers == model.badges[person], person
    assert {model.level(p)[0] for p in PEOPLE} == {"Newcomer", "Contributor"}
    assert {frozenset(t) for t in model.badges.values()} >= {frozenset({"Bronze"}), frozenset({"Bronze", "Silver"})}

    print('T', round(__import__('time').monotonic(),2), '# ... and ?around=PERSON returns a page holding that person at their rank')
    # ... and ?around=PERSON returns a page holding that person at their rank
    for rank, person, points in (all_time[14], all_time[-1]):
        page = reader.get("/leaderboards/all-time", around=person, limit=5)
        assert (rank, person, points) in nonzero(page["entries"])
        assert set(nonzero(page["entries"])) <= set(all_time)
        assert (page["me"]["rank"], page["me"]["points"], page["me"]["public"]) == (rank, points, True)

    print('T', round(__import__('time').monotonic(),2), '# when the top person opts out of the public boards')
    # when the top person opts out of the public boards
    _, top, top_points = all_time[0]
    response = admin.patch(f"/people/{top}", {"public": False})
    assert response.status_code == 200, response.text
    assert response.json()["public"] is False

    print('T', round(__import__('time').monotonic(),2), '# then they vanish from the all-time board and everyone below moves up one rank')
    # then they vanish from the all-time board and everyone below moves up one rank
    assert reader.board("all-time") == [(rank - 1, person, pts) for rank, person, pts in all_time[1:]]
    print('T', round(__import__('time').monotonic(),2), '# ... and from every other public board')
    # ... and from every other public board
    assert top not in {p for _, p, _ in reader.board("posting")}
    assert top not in {p for _, p, _ in reader.board("teams", scope=TEAM_OF[top])}
    for week in ("2026-W43", "2026-W44", "2026-W45", "2026-W46"):
        assert top not in {p for _, p, _ in reader.board("weekly", period=week)}
    print('T', round(__import__('time').monotonic(),2), '# ... while they still see their own rank and keep their points')
    # ... while they still see their own rank and keep their points
    profile = reader.get(f"/people/{top}")
    assert profile["points"] == top_points and profile["public"] is False
    standing = [r for r in profile["ranks"] if r["board"] == "all-time"]
    assert [(r["rank"], r["points"], r["public"]) for r in standing] == [(1, top_points, False)]
    me = reader.get("/leaderboards/all-time", around=top, limit=5)["me"]
    assert (me["rank"], me["points"], me["public"]) == (1, top_points, False)
