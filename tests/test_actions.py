"""The do_* actions own what follows their write, so a page, the API and a command that call one behave alike."""

from __future__ import annotations

import pytest
from django.db import transaction

from base import keys
from base.api_keys import do_create_api_key, do_revoke_api_key
from base.models import ApiKey
from notifications.channels import check_channel, do_delete_channel, do_save_channel
from notifications.models import Channel, TemplateOverride
from notifications.render import RenderError
from notifications.templates import do_reset_template, do_save_template, template_text
from rulesets.active import do_activate_ruleset, do_roll_back_ruleset

from .helpers import BASIC_RULESET

pytestmark = pytest.mark.django_db


def test_activating_a_ruleset_queues_scoring_once_it_is_committed(redis, django_capture_on_commit_callbacks):
    # given: no scoring asked for
    assert not redis.exists(keys.SCORING_QUEUED)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do_activate_ruleset(BASIC_RULESET)
    # then: nothing is queued before the commit, scoring is once it happens
    assert not redis.exists(keys.SCORING_QUEUED)
    for callback in callbacks:
        callback()
    assert redis.exists(keys.SCORING_QUEUED)


def test_rolling_back_queues_scoring_too(redis, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = do_activate_ruleset(BASIC_RULESET)
        do_activate_ruleset(BASIC_RULESET.replace("ruleset: basic", "ruleset: second"))
    redis.delete(keys.SCORING_QUEUED)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        back = do_roll_back_ruleset(first.id)
    # then
    assert back.text == first.text and back.active
    assert redis.exists(keys.SCORING_QUEUED)


def test_an_activation_rolled_back_with_its_transaction_queues_nothing(redis, django_capture_on_commit_callbacks):
    # given / when: the caller's transaction fails after the activation
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            do_activate_ruleset(BASIC_RULESET)
            raise RuntimeError("the caller fails")
    # then
    assert not redis.exists(keys.SCORING_QUEUED)


def test_a_key_is_revoked_by_id_or_by_prefix_and_only_once():
    # given
    first, _ = do_create_api_key(name="bridge", role="integration")
    second, raw = do_create_api_key(name="reports", role="reader")
    # when / then
    assert do_revoke_api_key(key_id=first.pk) == 1
    assert do_revoke_api_key(key_id=first.pk) == 0
    assert do_revoke_api_key(prefix=raw[:10]) == 1
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 0
    with pytest.raises(ValueError):
        do_revoke_api_key()


def test_a_template_is_saved_only_when_it_renders_and_reset_to_the_default():
    # given
    with pytest.raises(RenderError):
        do_save_template("slack", "badge_awarded", "{{ person.name")
    assert not TemplateOverride.objects.exists()
    # when
    do_save_template("slack", "badge_awarded", "{{ person.name }} earned {{ badge.name }}", updated_by="ops")
    # then
    assert template_text("slack", "badge_awarded") == "{{ person.name }} earned {{ badge.name }}"
    assert do_reset_template("slack", "badge_awarded") is True
    assert do_reset_template("slack", "badge_awarded") is False
    assert not TemplateOverride.objects.exists()


def test_deleting_a_channel_says_whether_there_was_one():
    # given
    do_save_channel("team-mail", check_channel("team-mail", kind="email", recipients=["ana@example.com"]))
    # when / then
    assert do_delete_channel("team-mail") is True
    assert do_delete_channel("team-mail") is False
    assert not Channel.objects.exists()
