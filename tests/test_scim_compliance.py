"""scim2-tester's RFC 7643/7644 checks against a live server with a provisioning key: discovery, and
create, read, replace, patch and delete of Users and Groups. Checks of what /scim/v2 announces it does
not support are skipped by scim2-tester itself (docs/operations.md lists them)."""

from __future__ import annotations

import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from base.api_keys import do_create_api_key


@pytest.fixture
def scim_client(live_server, transactional_db, redis):
    key = do_create_api_key(name="compliance", role="provisioning")[1]
    with Client(base_url=f"{live_server.url}/scim/v2", headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        yield SyncSCIMClient(http)


def test_scim2_tester_finds_no_failure(scim_client):
    results = check_server(scim_client)
    failures = [f"{r.title} [{r.resource_type or ''}]: {r.reason}" for r in results
                if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert failures == []
    print(f"scim2-tester: {len(results)} checks, all passed")
    assert sum(r.status == Status.SUCCESS for r in results) > 20
