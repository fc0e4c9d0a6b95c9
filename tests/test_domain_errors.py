"""Reads and actions raise domain errors; the API maps each kind to its status once (engine/api.py)."""

from base.errors import ApiError, Conflict, DomainError, Invalid, NotFound


def test_each_kind_of_domain_error_answers_with_its_status_and_the_same_envelope():
    from engine.api import status_of

    assert status_of(NotFound("no person with id 'x'")) == 404
    assert status_of(NotFound("no ruleset is active", code="no_ruleset")) == 404
    assert status_of(Conflict("no_ruleset", "no ruleset is active yet")) == 409
    assert status_of(Invalid("invalid_period", "board 'weekly' is per week")) == 422
    assert status_of(ApiError(413, "body_too_large", "too large")) == 413
    assert Invalid("invalid_scope", "leave `scope` out", [{"path": "scope", "message": "m"}]).body() == {
        "error": "invalid_scope", "message": "leave `scope` out", "details": [{"path": "scope", "message": "m"}]}
    assert NotFound("no event with id 'e'").body() == {"error": "not_found", "message": "no event with id 'e'"}


def test_the_http_edges_errors_are_domain_errors_too_so_pages_catch_both_alike():
    assert issubclass(ApiError, DomainError)

