"""Why points came, in the words of the person who got them: who liked, thanked or answered, and which
post, read from the event (never the rule's admin description)."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from markupsafe import Markup, escape

from base.models import Award, Event
from engine.privacy import is_erased

POST_WORDS = 12  # the first words of a post, enough to recognise it


def first_words(text: str, n: int = POST_WORDS) -> str:
    words = (text or "").split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def _person_link(person) -> Markup:
    if person is None or is_erased(person):
        return escape(gettext("someone"))
    return Markup('<a href="{}">{}</a>').format(reverse("web:person", args=[person.key]), person.display_name)


def _post_link(post: Event | None, text: str) -> Markup:
    words = first_words(text)
    if not words:
        return Markup("")
    url = (post.attributes or {}).get("url") if post is not None and isinstance(post.attributes, dict) else None
    if isinstance(url, str) and url.startswith("https://"):
        return Markup('<a href="{}"><q>{}</q></a>').format(url, words)
    return Markup("<q>{}</q>").format(words)


# What someone else did that gave the person points; `%(person)s` is who did it.
RECEIVED = {
    "like": gettext_noop("Liked by %(person)s"), "reaction": gettext_noop("Reaction from %(person)s"),
    "comment": gettext_noop("Comment by %(person)s"), "answer": gettext_noop("Answer by %(person)s"),
    "reshare": gettext_noop("Shared by %(person)s"), "kudos": gettext_noop("Thanked by %(person)s"),
    "mention": gettext_noop("Mentioned by %(person)s"),
}
# What the person did themselves; `%(person)s` is the author of the post it was on.
OWN = {"post": gettext_noop("New post"), "comment": gettext_noop("Comment on a post by %(person)s"),
       "answer": gettext_noop("Answer to a post by %(person)s"), "like": gettext_noop("Liked a post by %(person)s"),
       "reshare": gettext_noop("Shared a post by %(person)s"), "kudos": gettext_noop("Kudos given")}


def _words(kind: str) -> str:
    return kind.replace("_", " ").replace("-", " ").strip().capitalize()


def award_reasons(person, awards: list[Award]) -> list[Markup]:
    """One sentence per award (loaded with select_related of the actor and target author of `event` and
    `reverses_event`)."""
    return _reasons([(person, award) for award in awards])


def event_reasons(pairs: list[tuple[object, Event]]) -> list[Markup]:
    """One sentence per (person, event), as award_reasons says it for the person's award of that event:
    what earned a badge (events loaded with select_related of actor and target_author). One query in all."""
    return _reasons([(person, SimpleNamespace(event=event, reverses_event=None)) for person, event in pairs])


def _reasons(pairs: list[tuple[object, Award]]) -> list[Markup]:
    targets = {(a.reverses_event or a.event).target_id for _, a in pairs} - {""}
    posts = {e.source_id: e for e in Event.objects.filter(source_id__in=targets)} if targets else {}
    reasons = []
    for person, award in pairs:
        event = award.reverses_event or award.event  # an undo takes back the points of the event it names
        post = posts.get(event.target_id)
        if event.actor_id != person.pk:
            phrase = RECEIVED.get(event.type)
            sentence = (escape(gettext(phrase)) % {"person": _person_link(event.actor)} if phrase else
                        escape(gettext("%(what)s by %(person)s")) % {"what": gettext(_words(event.type)),
                                                                     "person": _person_link(event.actor)})
            # kudos: the giver's message; else the post it was on
            quoted = _post_link(None, event.text) if event.type == "kudos" or post is None and not event.target_id \
                else _post_link(post, post.text if post else "")
        else:
            author = event.target_author or (post.actor if post else None)
            phrase = OWN.get(event.type)
            if phrase and "%(person)s" in phrase and author is None:
                phrase = None
            sentence = (escape(gettext(phrase)) % {"person": _person_link(author)} if phrase
                        else escape(gettext(_words(event.type))))
            quoted = _post_link(post, post.text) if post is not None and event.type != "post" else _post_link(event, event.text)
        reasons.append(Markup("{}: {}").format(sentence, quoted) if quoted else sentence)
    return reasons
