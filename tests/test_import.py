"""`manage.py events import FILE`: contract events from JSONL or CSV, checked whole before any is stored."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from base.models import Event, Person
from tests.helpers import event


def run_import(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("events", "import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_jsonl(tmp_path, events, name="events.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


CSV_TEXT = """\
id,type,occurred_at,actor,actor_name,actor_team,channel,program,target_id,target_author,text
csv:1,post,2026-11-25T10:00:00+00:00,ana@example.com,Ana Ruiz,Data,learning-python,data-academy,,,"Intro to pandas, part 1 #Python"
csv:2,comment,2026-11-25T10:05:00+00:00,bob@example.com,,,learning-python,,csv:1,ana@example.com,"Great post,
thanks @carol@example.com"
csv:3,reaction,2026-11-25T10:06:00+00:00,carol@example.com,,,learning-python,,csv:1,ana@example.com,
"""


def test_a_jsonl_file_is_imported_in_batches(tmp_path, redis, db):
    # given
    events = [event("post", f"p{i}@example.com", id=f"imp:{i}") for i in range(25)]
    path = write_jsonl(tmp_path, events)

    # when
    out, err = run_import(path, "--batch", "10")

    # then
    assert "25 accepted, 0 already stored" in out
    assert set(Event.objects.values_list("source_id", flat=True)) == {f"imp:{i}" for i in range(25)}


def test_a_csv_file_is_imported_with_names_teams_targets_and_parsed_text(tmp_path, redis, db):
    # given
    path = tmp_path / "events.csv"
    path.write_text(CSV_TEXT)

    # when
    out, _ = run_import(path)

    # then
    assert "3 accepted, 0 already stored" in out
    post, comment, reaction = (Event.objects.select_related("actor", "target_author").get(source_id=f"csv:{i}") for i in (1, 2, 3))
    assert (post.type, post.actor.key, post.channel, post.program, post.hashtags) == (
        "post", "ana@example.com", "learning-python", "data-academy", ["Python"])
    assert (post.actor.name, post.actor.team) == ("Ana Ruiz", "Data")
    assert (comment.target_id, comment.target_author.key) == ("csv:1", "ana@example.com")
    assert comment.text == "Great post,\nthanks @carol@example.com"
    assert comment.mentions == ["carol@example.com"]
    assert reaction.type == "reaction" and reaction.text == ""


def test_a_bad_line_is_reported_with_its_number_and_field_and_nothing_is_stored(tmp_path, redis, db):
    # given
    good = event("post", id="imp:good")
    naive = event("post", id="imp:naive", at="2026-11-25T10:00:00")
    no_actor = event("post", id="imp:no-actor")
    del no_actor["actor"]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([json.dumps(good), json.dumps(naive), "{broken", json.dumps(no_actor)]) + "\n")

    # when
    with pytest.raises(CommandError, match="nothing was stored"):
        run_import(path)

    # then
    assert Event.objects.count() == 0
    assert Person.objects.count() == 0


def test_every_problem_is_printed_with_line_and_field(tmp_path, redis, db):
    # given
    naive = event("post", id="imp:naive", at="2026-11-25T10:00:00")
    no_actor = event("post", id="imp:no-actor")
    del no_actor["actor"]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join([json.dumps(event("post")), json.dumps(naive), "{broken", json.dumps(no_actor)]) + "\n")
    err = io.StringIO()

    # when
    with pytest.raises(CommandError):
        call_command("events", "import", str(path), stdout=io.StringIO(), stderr=err)

    # then
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 2: occurred_at:")
    assert lines[1].startswith("line 3: not valid JSON")
    assert lines[2].startswith("line 4: actor:")
    assert len(lines) == 3


def test_a_bad_csv_cell_is_reported_with_its_line(tmp_path, redis, db):
    # given
    path = tmp_path / "events.csv"
    path.write_text(CSV_TEXT.replace("csv:3,reaction,2026-11-25T10:06:00+00:00", "csv:3,reaction,not-a-time"))
    err = io.StringIO()

    # when
    with pytest.raises(CommandError):
        call_command("events", "import", str(path), stdout=io.StringIO(), stderr=err)

    # then
    assert err.getvalue().startswith("line 5: occurred_at:")  # the comment's text spans lines 3 and 4
    assert Event.objects.count() == 0


def test_an_id_reused_with_other_content_is_refused_before_anything_is_stored(tmp_path, redis, db):
    # given: the conflict sits in a later batch than the first use
    first = event("post", id="imp:same", text="one")
    events = [first] + [event("post", id=f"imp:{i}") for i in range(5)] + [{**first, "text": "two"}]
    path = write_jsonl(tmp_path, events)
    err = io.StringIO()

    # when
    with pytest.raises(CommandError):
        call_command("events", "import", str(path), "--batch", "2", stdout=io.StringIO(), stderr=err)

    # then
    assert "line 7: id:" in err.getvalue()
    assert Event.objects.count() == 0


def test_running_the_same_file_again_stores_nothing_new(tmp_path, redis, db):
    # given
    path = write_jsonl(tmp_path, [event("post", f"p{i}@example.com", id=f"imp:{i}") for i in range(12)])
    run_import(path, "--batch", "5")
    before = list(Event.objects.order_by("seq").values_list("seq", "source_id"))

    # when
    out, _ = run_import(path, "--batch", "5")

    # then
    assert "0 accepted, 12 already stored" in out
    assert list(Event.objects.order_by("seq").values_list("seq", "source_id")) == before


def test_a_partly_imported_file_resumes_with_the_rest(tmp_path, redis, db):
    # given: the first 4 events were stored before a crash
    events = [event("post", f"p{i}@example.com", id=f"imp:{i}") for i in range(10)]
    run_import(write_jsonl(tmp_path, events[:4], name="head.jsonl"))

    # when
    out, _ = run_import(write_jsonl(tmp_path, events))

    # then
    assert "6 accepted, 4 already stored" in out
    assert Event.objects.count() == 10


def test_export_writes_the_log_as_contract_jsonl_that_imports_into_another_plaudit(db, redis, tmp_path):
    # given events accepted in some order
    import json

    from base.accept import do_accept_events
    from base.models import Event

    do_accept_events([
        {"id": "e1", "type": "post", "occurred_at": "2026-11-20T10:00:00+01:00",
         "actor": {"id": "ana@example.com", "name": "Ana", "team": "Data"}, "channel": "python", "text": "hi #Pandas"},
        {"id": "e2", "type": "reaction", "occurred_at": "2026-11-20T11:00:00+01:00", "actor": "bob@example.com",
         "target": {"id": "e1", "author": "ana@example.com"}},
    ])
    out = tmp_path / "log.jsonl"
    # when
    call_command("events", "export", "--output", str(out), stderr=io.StringIO())
    # then every line is an event in acceptance order, with what the log holds
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["id"] for e in lines] == ["e1", "e2"]
    assert lines[0]["actor"] == {"id": "ana@example.com", "name": "Ana", "team": "Data"}
    assert lines[0]["hashtags"] == ["Pandas"] and lines[1]["target"] == {"id": "e1", "author": "ana@example.com"}
    # and importing it into an empty log gives the same events back
    Event.objects.all().delete()
    err = io.StringIO()
    call_command("events", "import", str(out), stdout=io.StringIO(), stderr=err)
    assert list(Event.objects.order_by("seq").values_list("source_id", "type")) == [("e1", "post"), ("e2", "reaction")]
