"""Errors raised by Django or the router before an API view runs still answer in the JSON envelope."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            refusal = _body_refusal(request)
            if refusal is not None:
                return refusal
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/") and not _is_json(response):
            allowed = response.get("Allow", "")
            envelope = JsonResponse({"error": "method_not_allowed",
                                     "message": f"{request.method} is not allowed here; use {allowed or 'another method'}"},
                                    status=405)
            envelope["Allow"] = allowed
            return envelope
        return response


def _body_refusal(request) -> JsonResponse | None:
    """A body larger than any API route reads answers 413 here: Django refuses to read it
    (RequestDataTooBig) wherever a view or the router asks for it, and the API would turn that
    into a 500. Decided from Content-Length, before a byte is read, as Django decides it."""
    header = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(header)
    except ValueError:
        return JsonResponse({"error": "invalid_content_length",
                             "message": f"Content-Length must be a number of bytes, not {header[:50]!r}"}, status=400)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return None
    if length > limit:
        return _too_large(limit)
    if not length and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        # No length given (a chunked body under ASGI): Django reads at most one byte past the limit.
        try:
            request.body
        except RequestDataTooBig:
            return _too_large(limit)
    return None


def _too_large(limit: int) -> JsonResponse:
    return JsonResponse({"error": "body_too_large", "message": f"a request to the API is limited to {limit:,} bytes "
                         "(some routes take less, see docs/api.md); send less in one request"}, status=413)


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")
