"""``/docs`` and ``/redoc``: Swagger UI and ReDoc served from the app itself, so they work offline and behind a
firewall.

The files (Swagger UI 5, Apache-2.0; ReDoc, MIT) come from the ``fastapi-offline`` package, installed with
exportguard; nothing is loaded from a CDN.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS = Path(str(files("fastapi_offline") / "static"))
SERVED = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
TITLE = "exportguard API"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    """Swagger UI over ``/openapi.json``."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE,
                               swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs/assets/swagger-ui.css",
                               swagger_favicon_url="/docs/assets/favicon.png")


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc over ``/openapi.json``, without web fonts (they would come from Google)."""
    return get_redoc_html(openapi_url="/openapi.json", title=TITLE, redoc_js_url="/docs/assets/redoc.standalone.js",
                          redoc_favicon_url="/docs/assets/favicon.png", with_google_fonts=False)


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in SERVED:
        raise HTTPException(404, f"no asset {name}")
    return FileResponse(ASSETS / name, headers={"Cache-Control": "max-age=86400"})
