"""The API docs page (/api/v1/docs): ninja's Swagger UI, served from our own template so that it
reads well and fits a phone. The page says its language; our stylesheet, after Swagger's, gives
its grey text and coloured method badges WCAG AA contrast and lets long paths and tables wrap or
scroll inside their box; a small script names the selects Swagger leaves unnamed. Deep links are
off: Swagger puts them as links inside the buttons that open an operation (a control in a control)."""

from __future__ import annotations

from ninja.openapi.docs import Swagger


class AccessibleSwagger(Swagger):
    template = "engine/api_docs.html"
    default_settings = {**Swagger.default_settings, "deepLinking": False}
