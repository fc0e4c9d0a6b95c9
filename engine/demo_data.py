"""A generated month of social-learning activity for `make demo` and the tests.

Pure standard library, deterministic for a seed: the same seed and `end` give the same
people and events. Events are dicts in the contract's JSON format (section 2), sorted by
`occurred_at`, and every `target` points at an event that comes earlier in the list.
"""

from __future__ import annotations

import heapq
import itertools
import random
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
TEAMS = {"Data": 14, "Platform": 16, "Sales": 18, "Support": 16, "Design": 8, "Security": 8, "People": 8, "Finance": 12}
CHANNEL_PROGRAM = {"learning-python": "data-academy", "data-academy-chat": "data-academy",
                   "learning-cloud": "cloud-academy", "leadership-circle": "leadership-program",
                   "security-champions": "security-champions", "learning-general": None}
CHANNEL_TOPIC = {"learning-python": "python", "data-academy-chat": "data", "learning-cloud": "cloud",
                 "leadership-circle": "leadership", "security-champions": "security"}
TOPIC_CHANNEL = {topic: channel for channel, topic in CHANNEL_TOPIC.items()}
# People follow the channels that match their work, plus learning-general.
TEAM_CHANNELS = {"Data": ["data-academy-chat", "learning-python"], "Platform": ["learning-cloud", "learning-python", "security-champions"],
                 "Sales": ["leadership-circle", "learning-cloud"], "Support": ["learning-cloud", "security-champions"],
                 "Design": ["leadership-circle", "learning-python"], "Security": ["security-champions", "learning-cloud"],
                 "People": ["leadership-circle"], "Finance": ["data-academy-chat", "leadership-circle"]}
# One facilitator per programme: the person who would otherwise be the only one posting.
FACILITATORS = [("data-academy", "Data"), ("cloud-academy", "Platform"), ("leadership-program", "People"), ("security-champions", "Security")]

TOPICS = {
    "python": {"tag": "Python", "subjects": ["type hints", "asyncio", "pytest fixtures", "dataclasses", "decorators", "packaging with uv", "generators", "f-strings"],
               "takeaways": ["write the test first", "small functions read like prose", "let the type checker find the bugs"],
               "courses": ["Python Fundamentals", "Testing with pytest", "Async Python in Practice"]},
    "data": {"tag": "Data", "subjects": ["window functions", "pandas groupby", "dbt models", "A/B test statistics", "data contracts", "dashboard design", "SQL joins"],
             "takeaways": ["measure before you optimise", "a metric without an owner is noise", "clean data beats clever models"],
             "courses": ["SQL for Analysts", "Statistics Refresher", "Analytics Engineering with dbt"]},
    "cloud": {"tag": "Cloud", "subjects": ["Terraform modules", "Kubernetes probes", "IAM roles", "S3 lifecycle rules", "cost tagging", "serverless cold starts"],
              "takeaways": ["automate the boring parts", "tag everything from day one", "design for failure"],
              "courses": ["AWS Cloud Practitioner Prep", "Kubernetes Basics", "Terraform Up and Running"]},
    "leadership": {"tag": "Leadership", "subjects": ["giving feedback", "running 1:1s", "delegation", "coaching questions", "psychological safety", "hiring interviews"],
                   "takeaways": ["ask before you advise", "praise in public, correct in private", "clarity is kindness"],
                   "courses": ["First-Time Manager", "Coaching Conversations", "Leading Remote Teams"]},
    "security": {"tag": "Security", "subjects": ["threat modeling", "the OWASP Top 10", "phishing reports", "secrets scanning", "least privilege", "MFA rollout"],
                 "takeaways": ["least privilege everywhere", "report the phish, do not click it", "assume breach and plan for it"],
                 "courses": ["Secure Coding Essentials", "Threat Modeling Workshop", "Security Awareness 2026"]},
}
CERTIFICATIONS = [("AWS Solutions Architect", "cloud"), ("Certified Kubernetes Administrator", "cloud"), ("Azure Fundamentals", "cloud"),
                  ("Google Data Engineer", "data"), ("dbt Analytics Engineering", "data"), ("PCAP Python", "python"),
                  ("CompTIA Security+", "security"), ("CISSP", "security"), ("ICF Associate Coach", "leadership")]
RESOURCES = ["the Real Python article on {s}", "a conference talk about {s}", "the internal wiki page on {s}", "a 20-minute podcast episode on {s}", "chapter 3 of the book club pick, on {s}"]
POSTS = ["Just finished {r}. My takeaway: {t}. #SocialLearning #{tag}",
         "TIL about {s}: {t}. Anyone else using this? #TIL #{tag}",
         "Sharing a resource on {s}: {url} Worth 20 minutes of your week. #SocialLearning",
         "Study group for {c} on Thursday at 16:00, bring your questions about {s}! @{m} #{tag}",
         "Week 2 of {c}: {s} finally clicked for me. Thanks @{m} for the pairing session! #SocialLearning",
         "Topic idea for someone to pick up: how does your team handle {s}? Post your setup below #{tag}"]
COMMENTS = ["Great point about {s}. We tried this in {team} and it saved us hours.", "Thanks for sharing! Bookmarking this for our next session on {s}.",
            "Interesting. How does this compare to what we did with {s} last quarter?", "This matches my experience with {s}. @{m} you should see this.",
            "Love this, adding it to the {c} reading list. #SocialLearning", "Agree with the takeaway: {t}."]
SHORT_COMMENTS = ["+1", "Nice!", "Thanks!", "Agreed", "🔥", "So true"]  # too short to score
QUESTIONS = ["Has anyone used {s} in production? Looking for pitfalls before we start. #help #{tag}",
             "What is the best way to learn {s}: books, courses or videos? #SocialLearning",
             "Quick question on {s}: how would you explain it to someone new on the team?"]
ANSWERS = ["We use it daily in {team}. Start with {r}, then practise on a small project.", "Here is the guide I used: {url} The part on {s} is gold.",
           "Short version: {t}. Happy to pair on {s} this week, ping me!", "@{m} ran a session on exactly this, recording is here: {url}"]
CERT_SHOUTOUTS = ["Congrats @{m} on passing the {cert} exam! #certification", "Huge congrats @{m}, {cert} certified! 🎉 #certified #SocialLearning",
                  "Well deserved @{m}! Passing {cert} is no small feat. #certification"]
COURSE_KUDOS = "Shoutout to @{m} for finishing {c} with {score}%! #kudos #SocialLearning"
THANKS = ["Thanks @{m} for walking me through {s} today #kudos", "Shoutout to @{m} for the brilliant lunch & learn on {s}! #kudos #SocialLearning",
          "@{m} answered every question I had about {s} this week. Legend. #kudos"]
FIRST = ["Ana", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hamza", "Ines", "Jonas", "Kira", "Lukas", "Maya", "Noah", "Olga", "Paul",
         "Quinn", "Rosa", "Samir", "Tara", "Uwe", "Vera", "Wei", "Xenia", "Yusuf", "Zoe", "Amir", "Britta", "Chen", "Dana", "Emil", "Fatima"]
LAST = ["Ruiz", "Becker", "Schmidt", "Nguyen", "Kowalski", "Okafor", "Rossi", "Yilmaz", "Larsen", "Meyer", "Haddad", "Novak", "Silva",
        "Fischer", "Tanaka", "Dubois", "Weber", "Jansen", "Costa", "Ahmed", "Wagner", "Moreau", "Petrov", "Schulz", "Lopez", "Berg"]
# Per role, how much each kind of activity weighs; multiplied by a heavy-tailed engagement.
ROLE_WEIGHTS = {"facilitator": {"create": 12, "converse": 4, "react": 2, "learn": 0.5, "kudos": 3},
                "contributor": {"create": 3, "converse": 3, "react": 2, "learn": 1, "kudos": 1.5},
                "participant": {"create": 0.4, "converse": 1.5, "react": 1.5, "learn": 1, "kudos": 0.5},
                "lurker": {"create": 0, "converse": 0.05, "react": 1, "learn": 0.6, "kudos": 0.05},
                "inactive": {"create": 0, "converse": 0, "react": 0, "learn": 0, "kudos": 0}}
ACTIONS = {"reaction": ("react", 44), "comment": ("converse", 19), "post": ("create", 8), "reshare": ("react", 4), "question": ("create", 3),
           "answer": ("converse", 5), "poll_created": ("create", 0.6), "poll_vote": ("react", 5), "course_completed": ("learn", 3),
           "certification_earned": ("learn", 0.5), "shoutout": ("kudos", 1)}
# Replies need an earlier event of this kind in the channel to point at.
REPLIES_TO = {"reaction": "content", "comment": "content", "reshare": "content", "answer": "question", "poll_vote": "poll"}
# Berlin office hours; evenings and nights are quiet.
HOUR_WEIGHTS = [0.1] * 7 + [1, 4, 8, 9, 8, 5, 7, 8, 8, 7, 4, 2, 1, 1, 1, 0.5, 0.2]


def generate_month(*, seed: int = 7, people: int = 300, end: datetime | None = None, days: int = 30) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    end = (end or datetime.now(timezone.utc)).astimezone(BERLIN)
    start = end - timedelta(days=days)
    crowd = _people(rng, people)
    sim = _Month(rng, crowd)
    for moment in _moments(rng, start, end, len(crowd)):
        sim.run_follow_ups(until=moment)
        sim.act(moment)
    sim.run_follow_ups(until=end)
    _prompt_replies(random.Random(seed + 25), sim, start, end)
    # Facilitators carry their role, so boards that exclude it can be shown working.
    records = [{"id": p["id"], "name": p["name"], "team": p["team"], **({"role": "facilitator"} if p["facilitator"] else {})}
               for p in crowd]
    return records, sim.events


def _people(rng: random.Random, count: int) -> list[dict]:
    names = rng.sample([(f, l) for f in FIRST for l in LAST], min(count, len(FIRST) * len(LAST)))
    names += [(rng.choice(FIRST), f"{rng.choice(LAST)}{i}") for i in range(count - len(names))]
    teams = rng.choices(list(TEAMS), weights=list(TEAMS.values()), k=count)
    crowd = []
    for i, ((first, last), team) in enumerate(zip(names, teams)):
        facilitator = FACILITATORS[i] if i < len(FACILITATORS) else None
        if facilitator:
            team = facilitator[1]
            channels = [c for c, p in CHANNEL_PROGRAM.items() if p == facilitator[0]] + ["learning-general"]
        else:
            channels = ["learning-general"] + rng.sample(TEAM_CHANNELS[team], rng.randint(1, len(TEAM_CHANNELS[team])))
        draw = rng.random()
        role = "facilitator" if facilitator else "inactive" if draw < 0.2 else "lurker" if draw < 0.65 else "participant" if draw < 0.93 else "contributor"
        # A few people do most of the talking; facilitators are steady rather than extreme.
        engagement = rng.uniform(2, 4) if facilitator else min(rng.paretovariate(1.4), 12.0)
        crowd.append({"id": f"{first}.{last}@example.com".lower(), "name": f"{first} {last}", "team": team, "channels": channels,
                      "weights": {kind: engagement * w for kind, w in ROLE_WEIGHTS[role].items()},
                      "new_joiner": role != "inactive" and rng.random() < 0.08, "joined": False,
                      "facilitator": bool(facilitator)})
    return crowd


def _moments(rng: random.Random, start: datetime, end: datetime, people: int):
    """Times of the spontaneous actions, ascending: busy weekdays, quiet weekends."""
    day = start.date()
    while day <= end.date():
        weekend = day.weekday() >= 5
        factor = 0.12 if weekend else 0.85 if day.weekday() == 4 else 1.0
        hours = [w if not weekend or 9 <= h <= 22 else 0.05 for h, w in enumerate(HOUR_WEIGHTS)]
        count = int(people * 1.65 * factor * rng.uniform(0.8, 1.2))
        times = sorted(datetime.combine(day, time(h, rng.randrange(60), rng.randrange(60)), tzinfo=BERLIN)
                       for h in rng.choices(range(24), weights=hours, k=count))
        yield from (t for t in times if start <= t <= end)
        day += timedelta(days=1)


class _Month:
    def __init__(self, rng: random.Random, crowd: list[dict]):
        self.rng, self.crowd, self.events = rng, crowd, []
        self.cum = {kind: _cumulative(p["weights"][kind] for p in crowd) for kind in ROLE_WEIGHTS["lurker"]}
        self.pools: dict[tuple[str, str], list[dict]] = {}  # (channel, kind) -> earlier events to reply to
        self.follow_ups: list = []  # heap of (when, order, action, args): reactions to what happened
        self.order = itertools.count()  # breaks ties between follow-ups due at the same second

    def run_follow_ups(self, until: datetime) -> None:
        while self.follow_ups and self.follow_ups[0][0] <= until:
            when, _, action, args = heapq.heappop(self.follow_ups)
            action(when, *args)

    def later(self, when: datetime, action, *args) -> None:
        heapq.heappush(self.follow_ups, (when, next(self.order), action, args))

    def act(self, when: datetime) -> None:
        rng = self.rng
        action = rng.choices(list(ACTIONS), weights=[w for _, w in ACTIONS.values()])[0]
        person = self.crowd[_pick(rng, self.cum[ACTIONS[action][0]])]
        if person["new_joiner"] and not person["joined"]:
            person["joined"] = True  # a new hire's first visible step is joining the community
            self.emit(when, "join", person, "learning-general")
        channel = rng.choice(person["channels"])
        topic = CHANNEL_TOPIC.get(channel) or rng.choice(list(TOPICS))
        target = None
        if action in REPLIES_TO:
            target = self.target(channel, REPLIES_TO[action], person)
            if target is None:  # nothing to reply to yet (the month's first hours): start something
                action = {"answer": "question", "poll_vote": "poll_created"}.get(action, "post")
        getattr(self, action)(when, person, channel, topic, target)

    # One method per spontaneous action, named after the event type it emits.
    def reaction(self, when, person, channel, topic, target) -> None:
        reaction = self.emit(when, "reaction", person, channel, target, attributes={"emoji": self.rng.choice(["+1", "heart", "tada", "bulb"])})
        if self.rng.random() < 0.02:  # an unlike, minutes to hours later
            self.later(when + timedelta(minutes=self.rng.randint(1, 180)), self.undo, person, reaction)

    def comment(self, when, person, channel, topic, target) -> None:
        text = self.rng.choice(SHORT_COMMENTS) if self.rng.random() < 0.2 else self.text(COMMENTS, topic, person)
        self.emit(when, "comment", person, channel, target, text)

    def reshare(self, when, person, channel, topic, target) -> None:
        """Cross-promotion: a post from one channel shared into another the person follows."""
        elsewhere = [c for c in person["channels"] if c != channel] or [channel]
        self.emit(when, "reshare", person, self.rng.choice(elsewhere), target)

    def answer(self, when, person, channel, topic, target) -> None:
        self.emit(when, "answer", person, channel, target, self.text(ANSWERS, topic, person))

    def poll_vote(self, when, person, channel, topic, target) -> None:
        self.emit(when, "poll_vote", person, channel, target, attributes={"option": self.rng.randrange(3)})

    def post(self, when, person, channel, topic, target) -> None:
        self.remember(channel, "content", self.emit(when, "post", person, channel, text=self.text(POSTS, topic, person)))

    def question(self, when, person, channel, topic, target) -> None:
        question = self.emit(when, "question", person, channel, text=self.text(QUESTIONS, topic, person))
        self.remember(channel, "question", question)
        self.remember(channel, "content", question)

    def poll_created(self, when, person, channel, topic, target) -> None:
        options = " / ".join(self.rng.sample(TOPICS[topic]["subjects"], 3))
        self.remember(channel, "poll", self.emit(when, "poll_created", person, channel, text=f"Poll: what should the next lunch & learn cover? {options}"))

    def course_completed(self, when, person, channel, topic, target) -> None:
        course, score = self.rng.choice(TOPICS[topic]["courses"]), int(self.rng.triangular(50, 100, 88))
        program = CHANNEL_PROGRAM[TOPIC_CHANNEL[topic]]  # LMS events carry a programme, not a chat channel
        self.emit(when, "course_completed", person, None, program=program, attributes={"course": course, "score": score}, source="lms")
        if score >= 90 and self.rng.random() < 0.3:
            self.later(when + timedelta(hours=self.rng.uniform(0.5, 24)), self.kudos, person, course, score)

    def certification_earned(self, when, person, channel, topic, target) -> None:
        cert, cert_topic = self.rng.choice(CERTIFICATIONS)
        program = CHANNEL_PROGRAM[TOPIC_CHANNEL[cert_topic]]
        self.emit(when, "certification_earned", person, None, program=program, attributes={"certification": cert}, source="lms")
        self.congratulate(when, person, cert, program)

    def shoutout(self, when, person, channel, topic, target) -> None:
        """A thank-you to a colleague, more often to someone who talks a lot."""
        colleague = self.crowd[_pick(self.rng, self.cum["converse"])]
        if colleague is not person:
            self.cheer(when, person, channel, self.text(THANKS, topic, person, mention=colleague))

    def congratulate(self, when: datetime, person: dict, cert: str, program: str) -> None:
        """Colleagues notice a certification over the next day or two: teammates first, then the community."""
        teammates = [p for p in self.crowd if p["team"] == person["team"] and p is not person and p["weights"]["react"] > 0]
        cheerers = self.rng.sample(teammates, min(len(teammates), self.rng.randint(1, 3)))
        cheerers += [self.crowd[_pick(self.rng, self.cum["kudos"])] for _ in range(self.rng.randint(1, 4))]
        channel = self.rng.choice([c for c, p in CHANNEL_PROGRAM.items() if p == program] + ["learning-general"])
        for cheerer in {c["id"]: c for c in cheerers if c is not person}.values():
            text = self.rng.choice(CERT_SHOUTOUTS).format(m=person["id"], cert=cert)
            self.later(when + timedelta(minutes=self.rng.randint(5, 36 * 60)), self.cheer, cheerer, channel, text)

    def cheer(self, when: datetime, cheerer: dict, channel: str, text: str) -> None:
        """A shoutout event; others may like or comment on it."""
        self.remember(channel, "content", self.emit(when, "shoutout", cheerer, channel, text=text))

    def kudos(self, when: datetime, learner: dict, course: str, score: int) -> None:
        cheerer = self.crowd[_pick(self.rng, self.cum["kudos"])]
        if cheerer is not learner:
            self.cheer(when, cheerer, "learning-general", COURSE_KUDOS.format(m=learner["id"], c=course, score=score))

    def undo(self, when: datetime, person: dict, reaction: dict) -> None:
        self.emit(when, "undo", person, reaction.get("channel"), target={"id": reaction["id"]})

    def target(self, channel: str, kind: str, person: dict) -> dict | None:
        """A recent event to reply to, most likely one of the last dozen; rarely one's own."""
        pool = self.pools.get((channel, kind)) or self.pools.get(("learning-general", kind))
        if not pool:
            return None
        for _ in range(3):
            chosen = pool[max(0, len(pool) - 1 - int(self.rng.expovariate(1 / 12)))]
            if chosen["actor"]["id"] != person["id"] or self.rng.random() < 0.05:
                break
        return {"id": chosen["id"], "author": chosen["actor"]["id"]}

    def remember(self, channel: str, kind: str, event: dict) -> None:
        self.pools.setdefault((channel, kind), []).append(event)

    def text(self, templates: list[str], topic: str, person: dict, mention: dict | None = None, **extra) -> str:
        rng, facts = self.rng, TOPICS[topic]
        subject = rng.choice(facts["subjects"])
        mention = mention or self.crowd[_pick(rng, self.cum["converse"])]
        values = {"s": subject, "t": rng.choice(facts["takeaways"]), "tag": facts["tag"], "c": rng.choice(facts["courses"]), "team": person["team"],
                  "m": mention["id"], "r": rng.choice(RESOURCES).format(s=subject),
                  "url": f"https://learn.example.com/{topic}/{subject.replace(' ', '-').lower()}", **extra}
        return rng.choice(templates).format(**values)

    def emit(self, when, type_, person, channel, target=None, text=None, *, program=None, attributes=None, source="slack") -> dict:
        event = {"id": f"demo:{source}:{len(self.events):06d}", "type": type_, "occurred_at": when.isoformat(timespec="seconds"),
                 "actor": {"id": person["id"], "name": person["name"], "team": person["team"]}}
        for key, value in (("channel", channel), ("program", program or CHANNEL_PROGRAM.get(channel)), ("target", target), ("text", text), ("attributes", attributes)):
            if value is not None:
                event[key] = value
        self.events.append(event)
        return event


PROMPT_REPLIES = ["Last week I finally understood {s}: {t}.", "One thing about {s}: {t}. Thanks to the workshop!",
                  "I practised {s} on a small project; {t}."]


def _prompt_replies(rng: random.Random, sim: _Month, start: datetime, end: datetime) -> None:
    """Replies in the thread of the example ruleset's Monday question (`prompts: monday-question`), from
    its own random stream so the rest of the month stays as it is. Their target is the bot's message,
    which is no event: it has no author, and nothing else points at it."""
    day = (start + timedelta(days=(7 - start.weekday()) % 7)).replace(hour=9, minute=0, second=0, microsecond=0)
    replies = []
    while day < end:
        prompt = {"id": f"demo:prompt:monday-question:{day.date().isoformat()}"}
        for person in rng.sample(sim.crowd, rng.randint(4, 9)):
            when = day + timedelta(minutes=rng.randint(5, 600))
            if when >= end:
                continue
            facts = TOPICS[rng.choice(list(TOPICS))]
            text = rng.choice(PROMPT_REPLIES).format(s=rng.choice(facts["subjects"]), t=rng.choice(facts["takeaways"]))
            replies.append({"id": f"demo:prompt-reply:{len(replies):04d}", "type": "comment",
                            "occurred_at": when.isoformat(timespec="seconds"),
                            "actor": {"id": person["id"], "name": person["name"], "team": person["team"]},
                            "channel": "learning-general", "target": prompt, "text": text,
                            "attributes": {"prompt": "monday-question"}})
        day += timedelta(days=7)
    # In time order among the rest (a stable sort keeps the month's own order).
    sim.events[:] = sorted(sim.events + replies, key=lambda e: datetime.fromisoformat(e["occurred_at"]))


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return rng.choices(range(len(cumulative)), cum_weights=cumulative)[0]


KUDOS_MESSAGES = ["Thank you for {s} today, it unblocked the whole team", "Your walkthrough of {s} was brilliant",
                  "Thanks for reviewing my {s} work so carefully", "You made {s} finally make sense to me",
                  "Thanks for pairing on {s} this week #{value}", "Loved how you shared what you learned about {s}"]
KUDOS_CHANNELS = ["learning-general", "learning-python", "learning-cloud", "data-academy-chat"]


def generate_kudos(people: list[dict], *, seed: int = 7, end: datetime | None = None, days: int = 30,
                   values: tuple[str, ...] = ("teamwork", "curiosity", "craft", "sharing"), allowance: int = 10,
                   per_receiver: int = 2) -> list[dict]:
    """Kudos among `people` (the records of generate_month) over the same days, in the shape of
    `POST /api/v1/kudos` plus `occurred_at`, sorted by time. By construction each giver stays within
    `allowance` per ISO week and `per_receiver` kudos to one colleague per week (Berlin), as the
    example ruleset's `kudos:` section allows."""
    rng = random.Random(seed * 7919 + 1)
    end = (end or datetime.now(timezone.utc)).astimezone(BERLIN)
    start = end - timedelta(days=days)
    ids = [p["id"] for p in people]
    # A few people thank others often; most now and then. Receivers are anyone.
    weights = _cumulative(min(rng.paretovariate(1.2), 15.0) for _ in ids)
    used: dict[tuple[str, str], int] = {}  # (giver, week) -> kudos used
    pairs: dict[tuple[str, str, str], int] = {}  # (giver, receiver, week) -> kudos
    kudos = []
    day = start.date()
    while day <= end.date():
        count = int(len(ids) * (0.01 if day.weekday() >= 5 else 0.08) * rng.uniform(0.7, 1.3))
        for _ in range(count):
            when = datetime.combine(day, time(rng.choices(range(24), weights=HOUR_WEIGHTS)[0], rng.randrange(60)), tzinfo=BERLIN)
            if not start <= when <= end:
                continue
            giver = ids[_pick(rng, weights)]
            week = "%d-W%02d" % when.isocalendar()[:2]
            receivers = [r for r in dict.fromkeys(rng.choice(ids) for _ in range(rng.choice((1, 1, 1, 2, 3))))
                         if r != giver and pairs.get((giver, r, week), 0) < per_receiver]
            if not receivers or used.get((giver, week), 0) + len(receivers) > allowance:
                continue
            used[(giver, week)] = used.get((giver, week), 0) + len(receivers)
            for r in receivers:
                pairs[(giver, r, week)] = pairs.get((giver, r, week), 0) + 1
            value = rng.choice(values)
            message = rng.choice(KUDOS_MESSAGES).format(s=rng.choice(TOPICS[rng.choice(list(TOPICS))]["subjects"]), value=value)
            named = [] if f"#{value}" in message or rng.random() < 0.15 else [value]
            kudos.append({"from": giver, "to": receivers, "message": message,
                          "values": named, "channel": rng.choice(KUDOS_CHANNELS), "occurred_at": when.isoformat(timespec="seconds")})
        day += timedelta(days=1)
    kudos.sort(key=lambda k: k["occurred_at"])
    return [{"id": f"demo:kudos:{i:05d}", **k} for i, k in enumerate(kudos)]


# The example ruleset's challenges are dated for a month of activity ending on this day.
EXAMPLE_MONTH_END = date(2026, 11, 29)
_CHALLENGE_DATE = re.compile(r"^(\s+(?:starts|ends):\s*)(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)


def challenges_moved(text: str, today: date) -> str:
    """The example ruleset with its challenges' dates moved by as many days as `today` is after the
    example month's end, so that the generated month (ending today) has one ended and one running
    challenge, as the example has for its month. Only lines under `challenges:` move."""
    start = text.find("\nchallenges:")
    if start < 0:
        return text
    following = re.search(r"^\S", text[start + 1:].split("\n", 1)[1], re.MULTILINE)
    end = start + 1 + len(text[start + 1:].split("\n", 1)[0]) + 1 + following.start() if following else len(text)
    shift = today - EXAMPLE_MONTH_END
    section = _CHALLENGE_DATE.sub(lambda m: m.group(1) + (date.fromisoformat(m.group(2)) + shift).isoformat(), text[start:end])
    return text[:start] + section + text[end:]
