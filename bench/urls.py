"""The project's routes plus the bare endpoint, for bench/http_ingest.py only."""

from django.urls import path

from engine.urls import handler404, handler500, urlpatterns as engine_urlpatterns  # noqa: F401

from .bare import api as bare_api

urlpatterns = [path("bench/bare/", bare_api.urls), *engine_urlpatterns]
