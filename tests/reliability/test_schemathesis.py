"""Schemathesis over the OpenAPI schema: generated requests, valid and invalid, against every operation.

No response may be a server error, every response must match the documented schema, status and
content type, and invalid data must be rejected. `make reliability` runs at least 500 cases.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import count, size

EXAMPLES_PER_OPERATION = size(3, 25)  # at full size, over 500 cases across the operations


# Loaded at import: pytest-django has set Django up by then, and reading the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# A generated body past the API's size limit is refused before any route reads it, with 413 Content Too
# Large: a rejection as right as a 422, which the default list of rejecting statuses leaves out.
_rejection = schema.config.checks.negative_data_rejection
schema.config.checks.negative_data_rejection = type(_rejection).from_dict(
    {"expected-statuses": [*_rejection.expected_statuses, "413"]})


# A fixed test key: schemathesis fetches auth once per run, while every test case starts with an
# empty database, so the fixture below stores this same key again each time.
ADMIN_KEY = "schemathesis-admin-key-for-tests-only"


@schema.auth()
class AdminKey:
    """Told to schemathesis as the API's auth, so it knows the header is there on purpose (a negative
    case that drops Authorization is then not expected to be refused for the missing key)."""

    def get(self, case, context):
        return ADMIN_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def admin_key(transactional_db, redis, settings):
    """A transactional database: the WSGI handler closes the connection after each request, which the
    test-wide transaction of the plain `db` fixture would not survive."""
    from base.models import ApiKey

    settings.INGEST_WAIT_SECONDS = 0.2  # `?wait=true` with no worker would otherwise hold each case 30 s
    ApiKey.objects.create(name="schemathesis", role="admin", prefix=ADMIN_KEY[:10], digest=ApiKey.hash(ADMIN_KEY))


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
                     suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, admin_key):
    # Every check but positive-data acceptance: a ruleset body is any string to JSON Schema, and
    # date ranges have bounds it cannot state, so a schema-valid request may rightly get a 422.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
    count("schemathesis_cases")
