"""Engagement rollups: derived from the event log by insights/rollup.py, rebuildable at any time.

Activity is kept three times, per day, ISO week and month, so a dashboard reads the coarsest rows
its periods allow (a month by weeks: one row per person, channel and week).

Days, weeks and months are local dates in the timezone recorded in RollupState; `week` is the
Monday and `month` the first day of the period a `day` falls in, stored so a dashboard groups by a
plain column on any database. People are kept per row (never daily distinct counts), so active
people, contributors and new/returning contributors stay exact over weeks and months. Teams are not
stored: queries join Person, so a report always uses the directory's current teams.

PeriodGroup, PeriodMember, FirstSeen, TagMember and AnsweredQuestion keep the same figures per
period and group as events arrive (insights/period_totals.py), so a whole-period dashboard reads a
row per period and group, not a row per person.
"""

from __future__ import annotations

from django.db import models

from base.models import Person

# Event type -> the ActivityDay column that counts it. Other types (except undo) count in `other`.
COUNTED_TYPES = {
    "post": "posts", "comment": "comments", "reaction": "reactions", "reshare": "reshares", "shoutout": "shoutouts",
    "question": "questions", "answer": "answers", "poll_created": "polls", "poll_vote": "votes", "follow": "follows",
    "join": "joins", "course_completed": "courses", "certification_earned": "certifications",
}
COUNT_COLUMNS = tuple(COUNTED_TYPES.values()) + ("other",)
# Writing something others can read and answer: what makes someone a contributor.
CONTRIBUTION_COLUMNS = ("posts", "comments", "questions", "answers", "shoutouts", "polls")
# Responding without writing.
REACTION_COLUMNS = ("reactions", "reshares")
SUM_COLUMNS = ("total", "contributions", "reacting")  # ActivityDay's per-row sums of the counts
# Events that others reply to (the target of comments, reactions, answers...): their engagement is kept.
CONTENT_TYPES = ("post", "question", "shoutout", "poll_created")
# Reply type -> the ContentStats column it adds to.
REPLY_COLUMNS = {"comment": "comments", "reaction": "reactions", "reshare": "reshares", "answer": "answers",
                 "poll_vote": "votes"}


class _Dated(models.Model):
    day = models.DateField()
    week = models.DateField()   # the Monday of day's ISO week
    month = models.DateField()  # the first of day's month

    class Meta:
        abstract = True


def _counter():
    return models.IntegerField(default=0)


class _Counts(models.Model):
    """Events per type."""

    posts = _counter()
    comments = _counter()
    reactions = _counter()
    reshares = _counter()
    shoutouts = _counter()
    questions = _counter()
    answers = _counter()
    polls = _counter()
    votes = _counter()
    follows = _counter()
    joins = _counter()
    courses = _counter()
    certifications = _counter()
    other = _counter()

    class Meta:
        abstract = True


class _Activity(_Counts):
    """What one person did in one channel and programme during a period, counted per event type."""

    channel = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # Sums of the columns above, so "was active / contributed / reacted" is one comparison in a query.
    total = _counter()
    contributions = _counter()
    reacting = _counter()

    class Meta:
        abstract = True


class ActivityDay(_Dated, _Activity):
    """Per local day: for day periods and any custom range (a report's dates)."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel", "program", "person"],
                                               name="insights_activity_once")]
        indexes = [models.Index(fields=["person", "day"], name="insights_activity_person_idx"),
                   # A report of one programme or channel (its own dates, a breakdown within it) reads only its rows.
                   models.Index(fields=["program", "day"], name="insights_activity_program_idx"),
                   models.Index(fields=["channel", "day"], name="insights_activity_channel_idx"),
                   # Each person's first day in each channel of a programme (a programme report's breakdown)
                   # from the index alone, in the order it is grouped by.
                   models.Index(fields=["program", "channel", "person", "day", "total", "contributions"],
                                name="insights_activity_firsts_idx")]


class ActivityWeek(_Activity):
    """Per ISO week (`start` is the Monday): a weekly dashboard reads one row per person and week, not seven."""

    start = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["start", "channel", "program", "person"],
                                               name="insights_activity_week_once")]
        indexes = [models.Index(fields=["person", "start"], name="insights_week_person_idx")]


class ActivityMonth(_Activity):
    """Per calendar month (`start` is the first day)."""

    start = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["start", "channel", "program", "person"],
                                               name="insights_activity_month_once")]
        indexes = [models.Index(fields=["person", "start"], name="insights_month_person_idx")]


class HashtagDay(_Dated):
    """How often a person used a hashtag on one local day in one channel and programme."""

    channel = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=100)  # casefolded, without '#'
    uses = _counter()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "channel", "program", "person", "tag"],
                                               name="insights_hashtag_once")]


class ContentStats(_Dated):
    """A post, question, shoutout or poll and what others did with it (their own replies are not counted)."""

    event_seq = models.BigIntegerField(unique=True)  # Event.seq of the content
    source_id = models.CharField(max_length=200, unique=True)  # what replies name as target.id
    type = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=200, blank=True)
    program = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    comments = _counter()
    reactions = _counter()
    reshares = _counter()
    answers = _counter()
    votes = _counter()
    first_answer_at = models.DateTimeField(null=True)  # the earliest answer by someone else
    removed = models.BooleanField(default=False)  # undone (a deleted post): never listed, never counted
    engagement = _counter()  # comments + answers + reactions + reshares: what the most engaged posts rank by

    class Meta:
        indexes = [models.Index(fields=["day"], name="insights_content_day_idx"),
                   # A month's most engaged posts: the first rows of this index, whatever the month holds.
                   models.Index(fields=["month", "-engagement", "-comments", "occurred_at", "event_seq"],
                                name="insights_content_rank_idx")]


# What per-period totals are kept per. Teams are not: people move between teams, and a report uses
# today's teams, so team figures are read from the per-person rows of `all` joined with the directory.
DIMENSIONS = ("all", "channel", "program")


class _PerPeriod(models.Model):
    interval = models.CharField(max_length=5)   # day, week or month
    start = models.DateField()                  # the period's first day (a Monday for weeks, the 1st for months)
    dimension = models.CharField(max_length=7)  # one of DIMENSIONS
    value = models.CharField(max_length=200, blank=True)  # the channel or programme; "" for `all`

    class Meta:
        abstract = True


class PeriodMember(_PerPeriod, _Counts):
    """What one person did in one period and group (all, a channel or a programme).

    Kept so a period's distinct people change only when a person's row crosses zero, and so the
    concentration figures read the top posters of a period with an indexed ORDER BY .. LIMIT."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    total = _counter()
    contributions = _counter()
    reacting = _counter()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interval", "dimension", "value", "start", "person"],
                                               name="insights_member_once")]
        indexes = [models.Index(fields=["interval", "dimension", "value", "start", "-posts", "person"],
                                name="insights_member_posters_idx")]


class PeriodGroup(_PerPeriod, _Counts):
    """The figures of one period and group, kept up to date as events are rolled up: a dashboard reads
    one row per period and group. The distinct counts are the group's PeriodMember rows above zero."""

    active = _counter()
    contributors = _counter()
    reactors = _counter()
    posters = _counter()
    new_contributors = _counter()  # people whose first contribution in the group falls in the period
    newly_active = _counter()      # people whose first activity in the group falls in the period

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interval", "dimension", "value", "start"],
                                               name="insights_period_group_once")]


class FirstSeen(models.Model):
    """The local day of a person's first counted event, and first contribution, in a group."""

    dimension = models.CharField(max_length=7)
    value = models.CharField(max_length=200, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    first_active = models.DateField(null=True)
    first_contribution = models.DateField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "value", "person"], name="insights_first_seen_once")]
        indexes = [models.Index(fields=["dimension", "first_contribution"], name="insights_first_contrib_idx")]


class TagMember(models.Model):
    """How often a person used a hashtag in a local day, ISO week or month (everywhere): the people
    behind a range's top hashtags are read from its months, then weeks, then days."""

    interval = models.CharField(max_length=5)
    start = models.DateField()
    tag = models.CharField(max_length=100)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    uses = _counter()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interval", "start", "tag", "person"], name="insights_tag_member_once")]
        # Covers the top-hashtag reads (uses and people of a range's periods) without touching the table.
        indexes = [models.Index(fields=["interval", "start", "tag", "person", "uses"], name="insights_tag_member_uses_idx")]


class AnsweredQuestion(_PerPeriod):
    """A question answered by someone other than its asker, once per interval and dimension, with the
    seconds to its first such answer: a period's median is read at the middle of this index."""

    question = models.BigIntegerField()  # ContentStats.event_seq
    author = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    wait = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["interval", "dimension", "value", "start", "wait"], name="insights_answered_wait_idx"),
                   models.Index(fields=["question"], name="insights_answered_question_idx")]


class RollupState(models.Model):
    """One row: how far the rollups have read the event log, and in which timezone they count days."""

    last_seq = models.BigIntegerField(default=0)
    timezone = models.CharField(max_length=64, default="UTC")
    rebuilt_at = models.DateTimeField(null=True)
