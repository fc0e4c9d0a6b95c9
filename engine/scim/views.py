"""The HTTP side of /scim/v2: a provisioning key's bearer token, SCIM's media type, bounded bodies and
filters, every error in SCIM's error schema. The views read, call one do_* action and answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import AuthorizationError
from pydantic import ValidationError
from scim2_models import (
    Context, Error, InvalidFilterException, InvalidSyntaxException, InvalidValueException, ListResponse,
    NotFoundException, PatchOp, ResponseParameters, SCIMException, ScimPolicy, SearchRequest,
)

from base.api_keys import token_of
from base.auth import PROVISIONERS, KeyAuth

from . import groups, users
from .resources import (
    MAX_BODY_BYTES, MAX_FILTER_LENGTH, MAX_RESULTS, GroupResource, UserResource, dump, resource_types, schemas,
    service_provider_config,
)

MEDIA_TYPE = "application/scim+json"
DEFAULT_COUNT = 100
# What the identity providers send beyond the letter of RFC 7644: Entra ID removes group members with a
# `value` instead of a path filter and expects a filtered path that matches nothing to add the entry;
# Okta and Entra send attributes of their own, which are ignored rather than refused.
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore, remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)


def _answer(payload: dict | None, status: int = 200, location: str | None = None) -> HttpResponse:
    response = HttpResponse(b"" if payload is None else json.dumps(payload), status=status,
                            content_type=MEDIA_TYPE if payload is not None else None)
    if location:
        response["Location"] = location
    return response


def _error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    return _answer(Error(status=status, scim_type=scim_type, detail=detail).model_dump(), status)


def _base(request) -> str:
    return request.build_absolute_uri("/scim/v2")


def scim_view(methods: tuple[str, ...]):
    """Authenticate a provisioning key, refuse other methods, and turn SCIM exceptions into SCIM errors."""
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            token = token_of(request.headers.get("Authorization", ""))
            try:
                key = KeyAuth(PROVISIONERS).authenticate(request, token) if token else None
            except AuthorizationError:
                return _error(403, "only an API key with the role provisioning may use /scim/v2 "
                                   "(manage.py apikey create --role provisioning --name okta)")
            if key is None:
                response = _error(401, "send a provisioning API key: Authorization: Bearer <key>")
                response["WWW-Authenticate"] = 'Bearer realm="scim"'
                return response
            if request.method not in methods:
                response = _error(405, f"{request.method} is not allowed here; use {', '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                with POLICY:
                    return view(request, *args, **kwargs)
            except SCIMException as exc:
                error = exc.to_error()
                return _answer(error.model_dump(), int(error.status or 400))
            except ValidationError as exc:
                error = Error.from_validation_errors(exc)[0]
                return _answer(error.model_dump(), int(error.status or 400))
        return wrapped
    return decorate


def _body(request) -> dict:
    """The JSON object the request carries, within the size bound, in SCIM's media type or plain JSON."""
    content_type = request.content_type or ""
    if content_type not in (MEDIA_TYPE, "application/json"):
        raise InvalidSyntaxException(detail=f"send the body as {MEDIA_TYPE} (or application/json), not {content_type or 'nothing'}")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        raise _TooLarge()
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntaxException(detail=f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="the body must be a JSON object")
    return data


class _TooLarge(SCIMException):
    status = 413
    _default_detail = f"the body is larger than {MAX_BODY_BYTES // 1024} KB; send fewer members per request (PATCH adds them in parts)"


def _parse(model, data: dict, ctx: Context):
    return model.model_validate(data, scim_ctx=ctx)


def _dump(resource, request, ctx=Context.RESOURCE_QUERY_RESPONSE) -> dict:
    return resource.model_dump(scim_ctx=ctx, response_parameters=_response_parameters(type(resource), request))


def _response_parameters(model, request):
    attributes, excluded = request.GET.get("attributes"), request.GET.get("excludedAttributes")
    if not attributes and not excluded:
        return None
    try:
        return ResponseParameters[model].model_validate({"attributes": attributes, "excludedAttributes": excluded})
    except ValidationError as exc:
        raise InvalidValueException(detail=f"attributes/excludedAttributes: {Error.from_validation_errors(exc)[0].detail}") from None


def _page(request) -> tuple[str | None, int, int]:
    scim_filter = request.GET.get("filter") or None
    if scim_filter is not None and len(scim_filter) > MAX_FILTER_LENGTH:
        raise InvalidFilterException(detail=f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    try:
        start = int(request.GET.get("startIndex") or 1)
        count = int(request.GET.get("count") if request.GET.get("count") is not None else DEFAULT_COUNT)
    except ValueError:
        raise InvalidValueException(detail="startIndex and count are integers (startIndex counts from 1)") from None
    # RFC 7644 3.4.2.4: a startIndex below 1 reads as 1, a negative count as 0; at most maxResults a page.
    return scim_filter, max(start, 1), min(max(count, 0), MAX_RESULTS)


def _list(request, search, model) -> HttpResponse:
    scim_filter, start, count = _page(request)
    return _listed(search(scim_filter, start, count, _base(request)), start, model, _response_parameters(model, request))


def _listed(found: tuple[int, list], start: int, model, parameters) -> HttpResponse:
    total, page = found
    listed = ListResponse[model](total_results=total, start_index=start, items_per_page=len(page), resources=page or None)
    return _answer(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters))


def _search_request(request, model):
    """POST .search (RFC 7644 3.4.3): the query parameters of a list in a body."""
    search = _parse(SearchRequest[model], _body(request), Context.SEARCH_REQUEST)
    scim_filter = str(search.filter) if search.filter else None
    if scim_filter is not None and len(scim_filter) > MAX_FILTER_LENGTH:
        raise InvalidFilterException(detail=f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    start = max(search.start_index or 1, 1)
    count = min(max(search.count if search.count is not None else DEFAULT_COUNT, 0), MAX_RESULTS)
    return search, scim_filter, start, count


@scim_view(("POST",))
def users_search_view(request):
    search, scim_filter, start, count = _search_request(request, UserResource)
    return _listed(users.search(scim_filter, start, count, _base(request)), start, UserResource, search)


@scim_view(("POST",))
def groups_search_view(request):
    search, scim_filter, start, count = _search_request(request, GroupResource)
    return _listed(groups.search(scim_filter, start, count, _base(request)), start, GroupResource, search)


@scim_view(("POST",))
def root_search_view(request):
    """POST /.search over users and groups: users first, then groups, one page over both."""
    search, scim_filter, start, count = _search_request(request, UserResource | GroupResource)
    base = _base(request)
    user_total, _ = users.search(scim_filter, 1, 0, base)
    group_total, _ = groups.search(scim_filter, 1, 0, base)
    page = []
    if count and start <= user_total:
        page = users.search(scim_filter, start, count, base)[1]
    if len(page) < count:
        group_start = max(start - user_total, 1)
        page += groups.search(scim_filter, group_start, count - len(page), base)[1]
    listed = ListResponse[UserResource | GroupResource](total_results=user_total + group_total, start_index=start,
                                                       items_per_page=len(page), resources=page or None)
    return _answer(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search))


@scim_view(("GET",))
def service_provider_config_view(request):
    return _answer(dump(service_provider_config(_base(request)), Context.RESOURCE_QUERY_RESPONSE))


def _discovery(found: list, what: str, one: str | None):
    """A discovery endpoint's list, or its one entry by id."""
    if one is not None:
        entry = next((f for f in found if f.id == one), None)
        if entry is None:
            raise NotFoundException(detail=what.format(one=one))
        return _answer(dump(entry, Context.RESOURCE_QUERY_RESPONSE))
    return _answer(ListResponse[type(found[0])](total_results=len(found), start_index=1, items_per_page=len(found),
                                                 resources=found).model_dump(scim_ctx=Context.SEARCH_RESPONSE))


@scim_view(("GET",))
def resource_types_view(request, name: str | None = None):
    return _discovery(resource_types(_base(request)), "no resource type {one!r}; there are User and Group", name)


@scim_view(("GET",))
def schemas_view(request, urn: str | None = None):
    return _discovery(schemas(_base(request)), "no schema {one!r}", urn)


@dataclass(frozen=True)
class _Kind:
    """One provisioned resource type: its SCIM model and the module (users or groups) that reads it and
    owns its do_* actions."""

    resource: type
    search: Callable
    find: Callable
    resource_of: Callable
    create: Callable
    replace: Callable
    remove: Callable


USERS = _Kind(UserResource, users.search, users.find, users.resource_of, users.do_create_scim_user,
              users.do_replace_scim_user, users.do_deprovision_scim_user)
GROUPS = _Kind(GroupResource, groups.search, groups.find, groups.resource_of, groups.do_create_scim_group,
               groups.do_replace_scim_group, groups.do_delete_scim_group)


def _collection(request, kind: _Kind):
    if request.method == "GET":
        return _list(request, kind.search, kind.resource)
    resource = _parse(kind.resource, _body(request), Context.RESOURCE_CREATION_REQUEST)
    created = kind.resource_of(kind.create(resource), _base(request))
    return _answer(_dump(created, request, Context.RESOURCE_CREATION_RESPONSE), 201, location=created.meta.location)


def _item(request, kind: _Kind, resource_id: str):
    found = kind.find(resource_id)
    base = _base(request)
    if request.method == "GET":
        return _answer(_dump(kind.resource_of(found, base), request))
    if request.method == "DELETE":
        kind.remove(found)
        return _answer(None, 204)
    if request.method == "PUT":
        resource = _parse(kind.resource, _body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    else:
        patch = _parse(PatchOp[kind.resource], _body(request), Context.RESOURCE_PATCH_REQUEST)
        resource = kind.resource_of(found, base)
        patch.patch(resource)
    changed = kind.replace(found, resource)
    return _answer(_dump(kind.resource_of(changed, base), request, Context.RESOURCE_REPLACEMENT_RESPONSE))


@scim_view(("GET", "POST"))
def users_view(request):
    return _collection(request, USERS)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user_view(request, user_id: str):
    return _item(request, USERS, user_id)


@scim_view(("GET", "POST"))
def groups_view(request):
    return _collection(request, GROUPS)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group_view(request, group_id: str):
    return _item(request, GROUPS, group_id)


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown_view(request, rest: str = ""):
    raise NotFoundException(detail=f"no SCIM endpoint /scim/v2/{rest}; there are /Users, /Groups, "
                                   "/ServiceProviderConfig, /ResourceTypes and /Schemas")
