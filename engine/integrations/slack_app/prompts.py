"""Topic prompts: the ruleset's `prompts:` posted to Slack by the app's bot, on schedule or at once.

The relay calls `run_due_prompts` every RELAY_SECONDS (2 s), so a prompt goes out within a few
seconds of its minute. Each (prompt, slot) is claimed by inserting a PromptPost row, unique in the
database, before anything is sent: two relays, or a relay restarted within the minute, find the row
and post nothing. The row then keeps Slack's message ts (which tells replies in the thread), or the
error of a failed post; a failed post is tried again with a growing pause, at most MAX_ATTEMPTS times,
and a row that gave up stays visible to admins in `GET /api/v1/prompts`.

The bot of the workspace installed first posts (the oldest SlackWorkspace row): an installation of
Plaudit serves one company, whose Slack is normally one workspace; when several are installed, the
channel ids of `to:` belong to the first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from croniter import croniter
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from base.errors import NotFound
from notifications.language import channel_language
from rulesets.active import active_ruleset

from ...models import PromptPost, SlackWorkspace
from .workspaces import bot_client

log = logging.getLogger(__name__)

# A slot missed by more than this (the stack was down) is skipped rather than posted late, as digests are.
CATCH_UP = timedelta(hours=1)
MAX_ATTEMPTS = 5
# The pause after the n-th failed attempt; the last failure gives up.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))
# While one relay posts, the row is leased for this long so another relay does not post it too.
LEASE = timedelta(seconds=60)
LAST_POSTS = 5


def latest_slot(schedule: str, now: datetime, tz) -> datetime:
    """The most recent minute the cron schedule fired at or before `now`, read in the ruleset's timezone."""
    return croniter(schedule, now.astimezone(tz) + timedelta(microseconds=1)).get_prev(datetime)


def next_slot(schedule: str, now: datetime, tz) -> datetime:
    return croniter(schedule, now.astimezone(tz)).get_next(datetime)


def prompt_blocks(prompt, ruleset=None) -> list[dict]:
    """The message as Block Kit: the prompt's text, and a line saying replies go in the thread, in the
    language of channel messages (the overview's preview shows it as the channel will)."""
    with translation.override(channel_language(ruleset)):
        line = gettext(":speech_balloon: Reply in this thread to take part.")
    return [SectionBlock(text=MarkdownTextObject(text=prompt.text[:3000])).to_dict(),
            ContextBlock(elements=[MarkdownTextObject(text=line)]).to_dict()]


def run_due_prompts(now: datetime | None = None) -> list[int]:
    """Claim and post every prompt whose slot has come, then retry failed posts that are due again.
    Returns the ids of the rows attempted in this pass."""
    now = now or timezone.now()
    ruleset, _ = active_ruleset()
    tried = []
    if ruleset is not None:
        for prompt in ruleset.doc.prompts:
            slot = latest_slot(prompt.schedule, now, ruleset.tz)
            if now - slot > CATCH_UP:
                continue
            post = _claim(prompt, slot, manual=False, now=now)
            if post is not None:
                tried.append(post.pk)
                _attempt(post, prompt, now)
    due = PromptPost.objects.filter(posted_at__isnull=True, next_attempt_at__lte=now).exclude(pk__in=tried)
    prompts = {p.id: p for p in ruleset.doc.prompts} if ruleset is not None else {}
    for post in due.order_by("next_attempt_at")[:50]:
        tried.append(post.pk)
        _attempt(post, prompts.get(post.prompt_id), now)
    return tried


def do_post_prompt_now(prompt_id: str, now: datetime | None = None) -> PromptPost:
    """Post a prompt of the active ruleset at once (an admin's "post now"); its failures are retried
    like scheduled ones. NotFound when the active ruleset has no such prompt."""
    now = now or timezone.now()
    ruleset, _ = active_ruleset()
    prompt = next((p for p in ruleset.doc.prompts if p.id == prompt_id), None) if ruleset else None
    if prompt is None:
        raise NotFound(f"the active ruleset has no prompt with the id {prompt_id!r}; GET /api/v1/prompts lists them",
                       "prompt_not_found")
    post = _claim(prompt, now, manual=True, now=now)
    if post is None:  # the same microsecond: the clock was held still (tests); the row is there
        post = PromptPost.objects.get(prompt_id=prompt_id, slot=now)
    else:
        _attempt(post, prompt, now)
    post.refresh_from_db()
    return post


def _claim(prompt, slot: datetime, *, manual: bool, now: datetime) -> PromptPost | None:
    try:
        with transaction.atomic():
            return PromptPost.objects.create(prompt_id=prompt.id, slot=slot, manual=manual, channel=prompt.to,
                                             text=prompt.text, next_attempt_at=now)
    except IntegrityError:
        return None  # another relay (or this one, before a restart) claimed this slot


def _attempt(post: PromptPost, prompt, now: datetime) -> None:
    """One try at posting, taken under a lease (a conditional update) so two relays never post the same row."""
    taken = PromptPost.objects.filter(pk=post.pk, attempts=post.attempts, posted_at__isnull=True) \
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not taken:
        return
    attempts = post.attempts + 1
    workspace = SlackWorkspace.objects.order_by("installed_at", "pk").only("team_id").first()
    error, ts = "", ""
    if prompt is None:
        error = "the prompt is no longer in the active ruleset"
        attempts = MAX_ATTEMPTS  # nothing to retry with
    elif workspace is None:
        error = "the Slack app is not installed in any workspace; install it (docs/integrations.md)"
    else:
        slack = bot_client(workspace.team_id)
        if slack is None:
            error = "the bot token cannot be decrypted with SLACK_TOKEN_KEYS; reinstall the Slack app"
        else:
            try:
                answer = slack.chat_postMessage(channel=post.channel, text=prompt.text[:3000], blocks=prompt_blocks(prompt),
                                                unfurl_links=False)
                ts = str(answer.get("ts") or "")
                channel = str(answer.get("channel") or post.channel)
            except SlackApiError as exc:
                error = f"Slack answered {exc.response.get('error')!r}"
                if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
                    error += f": invite the app to {post.channel} (/invite @Plaudit) or fix the prompt's `to`"
            except (SlackClientError, OSError) as exc:  # OSError: urllib's URLError, a refused connection
                error = f"Slack could not be reached: {type(exc).__name__}"
    if ts:
        PromptPost.objects.filter(pk=post.pk).update(ts=ts, channel=channel[:200], team_id=workspace.team_id, error="",
                                                     posted_at=timezone.now(), next_attempt_at=None)
        return
    given_up = attempts >= MAX_ATTEMPTS
    retry_at = None if given_up else now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    log.warning("prompt %s (slot %s) not posted, attempt %d%s: %s", post.prompt_id, post.slot.isoformat(), attempts,
                " (giving up)" if given_up else "", error)
    PromptPost.objects.filter(pk=post.pk).update(error=error[:300], next_attempt_at=retry_at)


def prompt_of_thread(channel: str, thread_ts: str) -> str | None:
    """The id of the prompt whose message is this thread's parent, if the app posted one there."""
    if not channel or not thread_ts:
        return None
    return PromptPost.objects.filter(channel=channel, ts=thread_ts).values_list("prompt_id", flat=True).first()


def prompts_overview(now: datetime | None = None) -> list[dict]:
    """Each prompt of the active ruleset with its next slot and its last posts (what GET /prompts answers)."""
    now = now or timezone.now()
    ruleset, _ = active_ruleset()
    if ruleset is None:
        return []
    out = []
    for prompt in ruleset.doc.prompts:
        posts = PromptPost.objects.filter(prompt_id=prompt.id).order_by("-slot")[:LAST_POSTS]
        out.append({"id": prompt.id, "schedule": prompt.schedule, "timezone": ruleset.doc.timezone, "to": prompt.to,
                    "text": prompt.text, "reward_rule": prompt.reward.rule if prompt.reward else None,
                    "next_slot": next_slot(prompt.schedule, now, ruleset.tz),
                    "blocks": prompt_blocks(prompt, ruleset), "last_posts": [post_out(p) for p in posts]})
    return out


def post_out(post: PromptPost) -> dict:
    status = "posted" if post.posted_at else ("pending" if post.next_attempt_at else "failed")
    return {"id": post.pk, "prompt": post.prompt_id, "slot": post.slot, "manual": post.manual, "channel": post.channel,
            "ts": post.ts or None, "posted_at": post.posted_at, "status": status, "attempts": post.attempts,
            "error": post.error or None}
