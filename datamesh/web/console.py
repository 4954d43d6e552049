"""The web console: server-rendered pages (Jinja2, no JavaScript; pages.py) over the same services
as the CLI and the API. When AWS cannot be read (no credentials, no answer), the pages the YAML
alone can build (home, projects, catalog, glossaries) show what it declares, marked as such, and
the others say what failed and how to fix it (aws_access.py). State changes go through a
confirmation page whose form carries the CSRF token. An asset's or a glossary's page takes the
rest of the path as its name, since DataZone's names may hold a `/` (links encode it, Starlette
decodes it before routing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from datamesh.aws_access import AwsUnavailable
from datamesh.context import MeshContext
from datamesh.errors import MeshError
from datamesh.services.assets import TABLE_FORMS, AssetService
from datamesh.services.catalog import CatalogService
from datamesh.services.declared import DeclaredMesh
from datamesh.services.drift import DriftService
from datamesh.services.names import Names
from datamesh.services.overview import OverviewService, environment_summary
from datamesh.services.projects import ProjectService
from datamesh.services.subscriptions import SubscriptionService
from datamesh.web import problems
from datamesh.web.environments import Ctx
from datamesh.web.pages import page, segment

router = APIRouter(include_in_schema=False)
Verdict = Literal["accept", "reject"]


@router.get("/")
def index(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/env/{segment(request.app.state.environments.names[0])}", status_code=303)


def _or_declared(
    request: Request,
    ctx: MeshContext,
    live: Callable[[], HTMLResponse],
    declared: Callable[[DeclaredMesh], tuple[str, dict[str, Any]] | None],
) -> HTMLResponse:
    """The page read from AWS or, when AWS cannot be read, the YAML's view of it (``declared``:
    its template and values, None when the YAML does not declare it), with the status of the problem."""
    try:
        return live()
    except AwsUnavailable as error:
        view = declared(DeclaredMesh(ctx.config, ctx.env))
        if view is None:
            raise
        found = problems.of_error(request, error)
        name, values = view
        return page(request, name, ctx, found.status, problem=found, **values)


@router.get("/env/{env}")
def home(request: Request, ctx: Ctx) -> HTMLResponse:
    # The name the domain stack gives the domain (its DomainName output once read).
    domain = ctx.config.naming(ctx.env).domain()

    def declared(mesh: DeclaredMesh) -> tuple[str, dict[str, Any]]:
        summary = environment_summary(ctx.config, ctx.env)
        counts = {"projects": len(mesh.projects()), "glossaries": len(mesh.glossaries())}
        values = {"summary": summary, "domain": domain, "units": mesh.units(), **counts}
        return "declared_home.html", values

    def live() -> HTMLResponse:
        overview = OverviewService(ctx).overview()
        return page(request, "home.html", ctx, overview=overview, domain_name=ctx.outputs.get("DomainName", domain))

    return _or_declared(request, ctx, live, declared)


@router.get("/env/{env}/projects")
def projects(request: Request, ctx: Ctx) -> HTMLResponse:
    def live() -> HTMLResponse:
        keys = {name: p.key for name, p in ctx.config.declared_projects(ctx.env).items()}
        return page(request, "projects.html", ctx, projects=ProjectService(ctx).list(), keys=keys)

    return _or_declared(request, ctx, live, lambda mesh: ("declared_projects.html", {"projects": mesh.projects()}))


@router.get("/env/{env}/projects/{project}")
def project(request: Request, ctx: Ctx, project: str) -> HTMLResponse:
    def live() -> HTMLResponse:
        details = ProjectService(ctx).show(project)
        declared = ctx.config.declared_projects(ctx.env).get(details.project.name)
        groups: list[tuple[str, str]] = []
        if declared is not None:
            groups = [(g, "PROJECT_OWNER") for g in declared.owners_in(ctx.env.name)]
            groups += [(g, "PROJECT_CONTRIBUTOR") for g in declared.contributors_in(ctx.env.name)]
        names = Names(ctx)
        members, profile = names.members(details.members), names.project_profile(details.profile_id)
        values = {"details": details, "declared": declared, "groups": groups, "members": members, "profile": profile}
        return page(request, "project.html", ctx, **values)

    def declared(mesh: DeclaredMesh) -> tuple[str, dict[str, Any]] | None:
        found = mesh.project(project)
        return ("declared_project.html", {"project": found}) if found else None

    return _or_declared(request, ctx, live, declared)


@router.get("/env/{env}/catalog")
def catalog(request: Request, ctx: Ctx, q: str = "", project: str = "") -> HTMLResponse:
    """The inventory (published or not), optionally one project's (``project`` is its id)."""

    def live() -> HTMLResponse:
        assets = AssetService(ctx).search(q, project or None)
        return page(request, "catalog.html", ctx, q=q, assets=assets, owners=Names(ctx).projects())

    return _or_declared(request, ctx, live, lambda mesh: ("declared_catalog.html", {"q": q, "tables": mesh.tables(q)}))


@router.get("/env/{env}/assets/{asset:path}")
def asset(request: Request, ctx: Ctx, asset: str) -> HTMLResponse:
    details = AssetService(ctx).show(asset, name_terms=True)
    forms = [f for f in details.forms if f.name not in TABLE_FORMS]
    return page(request, "asset.html", ctx, details=details, forms=forms, owners=Names(ctx).projects())


@router.get("/env/{env}/glossaries")
def glossaries(request: Request, ctx: Ctx) -> HTMLResponse:
    def live() -> HTMLResponse:
        found = CatalogService(ctx).glossaries()
        return page(request, "glossaries.html", ctx, glossaries=found, owners=Names(ctx).projects())

    return _or_declared(
        request, ctx, live, lambda mesh: ("declared_glossaries.html", {"glossaries": mesh.glossaries()})
    )


@router.get("/env/{env}/glossaries/{glossary:path}")
def glossary(request: Request, ctx: Ctx, glossary: str) -> HTMLResponse:
    def live() -> HTMLResponse:
        catalog = CatalogService(ctx)
        found = catalog.glossary(glossary)
        return page(request, "glossary.html", ctx, glossary=found, terms=catalog.terms_of(found))

    def declared(mesh: DeclaredMesh) -> tuple[str, dict[str, Any]] | None:
        found = mesh.glossary(glossary)
        return ("declared_glossary.html", {"glossary": found}) if found else None

    return _or_declared(request, ctx, live, declared)


@router.get("/env/{env}/inbox")
def inbox(request: Request, ctx: Ctx, project: str = "", done: str = "", request_id: str = "") -> HTMLResponse:
    """A producer's pending requests; the producers offered are the projects the YAML deploys here."""
    producers = [p.key for p in ctx.config.projects_in(ctx.env)]
    found = SubscriptionService(ctx).inbox(project) if project else []
    return page(
        request,
        "inbox.html",
        ctx,
        project=project,
        producers=producers,
        requests=found,
        done=done,
        request_id=request_id,
    )


@router.get("/env/{env}/requests/{request_id}/{verdict}")
def confirm(request: Request, ctx: Ctx, request_id: str, verdict: Verdict, project: str = "") -> HTMLResponse:
    found = SubscriptionService(ctx).get(request_id)
    return page(request, "confirm.html", ctx, req=found, verdict=verdict, project=project, comment="", error="")


@router.post("/env/{env}/requests/{request_id}/{verdict}")
def decide(
    request: Request,
    ctx: Ctx,
    request_id: str,
    verdict: Verdict,
    comment: Annotated[str, Form(max_length=4096)] = "",
    project: Annotated[str, Form()] = "",
) -> Response:
    """The confirmed decision (the CSRF token was checked by the guard before this runs)."""
    service = SubscriptionService(ctx)
    try:
        if verdict == "accept":
            service.accept(request_id, comment or "Approved")
        else:
            service.reject(request_id, comment)
    except MeshError as error:
        if error.kind != "invalid":
            raise
        # Bad input (a rejection without a comment): the same form again, with the reason.
        values = {"req": service.get(request_id), "verdict": verdict, "project": project, "comment": comment}
        return page(request, "confirm.html", ctx, 422, error=str(error), **values)
    query = urlencode({"project": project, "done": f"{verdict}ed", "request_id": request_id})
    return RedirectResponse(f"/env/{segment(ctx.env.name)}/inbox?{query}", status_code=303)


@router.get("/env/{env}/drift")
def drift(request: Request, ctx: Ctx) -> HTMLResponse:
    return page(request, "drift.html", ctx, report=DriftService(ctx).report())
