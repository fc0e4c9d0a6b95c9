"""The event batches admin pages: what became of each batch sent with `Prefer: respond-async`, the
body of a refused one, and retrying it. Through Django's test client, on the real inbox."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from base import inbox
from base.inbox import drain_inbox
from base.models import Event, EventBatch
from tests.helpers import event
from tests.web_seed import make_user, signed_in, text


@pytest.fixture
def people(db):
    make_user("ana@example.com")
    make_user("boss", admin=True)



def send_async(api, events) -> int:
    answer = api.client.post("/api/v1/events", json.dumps(events), content_type="application/json",
                             HTTP_PREFER="respond-async", **api._headers())
    assert answer.status_code == 202, answer.content
    return answer.json()["batch"]


def refused_for_a_conflict(integration) -> int:
    assert integration.post("/events", [event("post", id="dup:1", text="first")]).status_code == 202
    batch = send_async(integration, [event("post", id="dup:2"), event("post", id="dup:1", text="changed")])
    drain_inbox()
    return batch


def test_employees_get_403_and_strangers_the_sign_in_and_an_employee_cannot_retry(people, integration):
    batch = refused_for_a_conflict(integration)
    ana = signed_in("ana@example.com")
    for path in ["/admin-area/event-batches", f"/admin-area/event-batches/{batch}", f"/admin-area/event-batches/{batch}/body"]:
        assert ana.get(path).status_code == 403, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login?next="), path
    assert ana.post(f"/admin-area/event-batches/{batch}/retry").status_code == 403
    assert EventBatch.objects.get(pk=batch).status == "refused"


def test_the_list_shows_each_batch_with_its_sender_and_outcome_and_filters_by_status(people, integration):
    # given a stored batch with one duplicate, and a refused one
    refused = refused_for_a_conflict(integration)
    stored = send_async(integration, [event("post", id="dup:1", text="first"), event("post", id="new:1")])
    drain_inbox()
    boss = signed_in("boss")

    # when
    everything = text(boss.get("/admin-area/event-batches"))
    only_refused = text(boss.get("/admin-area/event-batches?status=refused"))

    # then each row says who sent it, what became of it and why
    assert "2 batches" in everything
    row = re.search(rf'aria-label="Event batch {stored}">.*?</tr>', everything).group(0)
    assert "<td>test integration</td>" in row
    assert '<span class="state stored">stored</span>' in row
    assert re.search(r'<td class="num">1</td>\s*<td class="num">1</td>', row), row  # stored 1, 1 duplicate
    row = re.search(rf'aria-label="Event batch {refused}">.*?</tr>', everything).group(0)
    assert '<span class="state refused">refused</span>' in row
    assert "some events conflict with accepted ones; nothing was stored" in row
    assert f'aria-label="Event batch {refused}"' in only_refused and f'aria-label="Event batch {stored}"' not in only_refused
    assert "1 batch." in only_refused


def test_a_filter_that_does_not_exist_is_refused_with_what_to_choose(people):
    response = signed_in("boss").get("/admin-area/event-batches?status=lost&page=0")
    assert response.status_code == 422
    assert "Choose one of the statuses listed." in text(response)


def test_a_refused_batch_page_says_why_and_gives_the_body_as_sent(people, integration):
    batch = refused_for_a_conflict(integration)
    boss = signed_in("boss")

    page = text(boss.get(f"/admin-area/event-batches/{batch}"))
    body = boss.get(f"/admin-area/event-batches/{batch}/body")

    assert '<span class="state refused">refused</span>' in page
    assert "events[1].id" in page  # the synchronous answer's details, naming the conflicting item
    assert "Download the body as sent" in page and ">Retry</button>" in page
    assert body.status_code == 200
    assert body["Content-Disposition"] == f'attachment; filename="event-batch-{batch}.json"'
    assert json.loads(body.content)[1] == {**event("post", id="dup:1", text="changed")}


def test_a_batch_set_aside_by_a_bug_is_stored_once_retried(people, integration, monkeypatch):
    # given a batch our own code failed to expand (a bug, injected: nothing else can make it fail)
    def broken(_events):
        raise RuntimeError("a bug")

    monkeypatch.setattr(inbox, "store_events", broken)
    batch = send_async(integration, [event("post", id="later:1"), event("post", id="later:2")])
    drain_inbox()
    assert EventBatch.objects.get(pk=batch).error["error"] == "expansion_failed"
    monkeypatch.undo()  # the bug is fixed
    boss = signed_in("boss", csrf=True)
    page = boss.get(f"/admin-area/event-batches/{batch}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    # when
    assert boss.post(f"/admin-area/event-batches/{batch}/retry").status_code == 403  # no CSRF token
    answer = boss.post(f"/admin-area/event-batches/{batch}/retry", {"csrfmiddlewaretoken": token})

    # then it is back in line, and the next drain stores its events
    assert answer.status_code == 302 and answer["Location"] == f"/admin-area/event-batches/{batch}"
    assert "is back in line" in text(boss.get(answer["Location"]))
    assert drain_inbox() == 1
    assert sorted(Event.objects.values_list("source_id", flat=True)) == ["later:1", "later:2"]
    shown = text(boss.get(f"/admin-area/event-batches/{batch}"))
    assert '<span class="state stored">stored</span>' in shown and "2 new events" in shown


def test_only_a_refused_batch_with_its_body_can_be_retried(people, admin, integration):
    # given a stored batch, and a refused one whose body named a person since erased
    stored = send_async(integration, [event("post", id="fine:1")])
    assert integration.post("/events", [event("post", "zoe@example.com", id="zoe:0", text="first")]).status_code == 202
    erased = send_async(integration, [event("post", id="zoe:0", text="thanks @zoe@example.com")])
    drain_inbox()
    assert admin.client.delete("/api/v1/people/zoe@example.com", **admin._headers()).status_code == 200
    boss = signed_in("boss")

    for batch, status in [(stored, "stored"), (erased, "refused")]:
        # when
        answer = boss.post(f"/admin-area/event-batches/{batch}/retry", follow=True)

        # then nothing changes, and the page says why
        assert "only a refused batch that still has its body can be retried" in text(answer)
        assert EventBatch.objects.get(pk=batch).status == status
        assert ">Retry</button>" not in text(answer)
    assert boss.get(f"/admin-area/event-batches/{erased}/body").status_code == 404
    assert "named a person whose data was since erased" in text(boss.get(f"/admin-area/event-batches/{erased}"))
    assert boss.get("/admin-area/event-batches/999999").status_code == 404
