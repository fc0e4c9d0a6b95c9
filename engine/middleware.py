"""Errors raised by Django or the router before an API view runs still answer in the JSON envelope."""

from django.http import JsonResponse


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/") and not _is_json(response):
            allowed = response.get("Allow", "")
            envelope = JsonResponse({"error": "method_not_allowed",
                                     "message": f"{request.method} is not allowed here; use {allowed or 'another method'}"},
                                    status=405)
            envelope["Allow"] = allowed
            return envelope
        return response


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")
