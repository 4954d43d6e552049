"""The API's documentation at /docs: Swagger UI from the files the pinned `fastapi-offline` package
ships, served by this server, so that no script comes from elsewhere and /docs works offline. Its
start-up is a file (static/docs.js), as the Content-Security-Policy refuses inline scripts.
/docs and /openapi.json need sign-in like every other page (gate.py); ReDoc is off, one rendering
of the document is enough."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from datamesh.web.pages import page

ASSETS = "/static/swagger-ui"
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    return page(request, "docs.html", None, assets=ASSETS, openapi_url=request.app.openapi_url)


def mount_assets(app: FastAPI) -> None:
    """Before the console's own /static mount, which would answer this prefix first."""
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
