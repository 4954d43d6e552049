"""The REST API (/api/v1): resources over the same services as the CLI, typed by the services'
own dataclasses, lists paginated by cursor, errors as problem details (problems.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from datamesh.errors import MeshError
from datamesh.services.assets import AssetDetails, AssetService, AssetSummary
from datamesh.services.catalog import CatalogService, Glossary, Listing, Term
from datamesh.services.drift import DriftReport, DriftService
from datamesh.services.overview import EnvironmentSummary, Overview, OverviewService
from datamesh.services.projects import Member, ProjectDetails, ProjectService, ProjectSummary
from datamesh.services.subscriptions import Grant, Subscription, SubscriptionRequest, SubscriptionService
from datamesh.web.environments import Ctx
from datamesh.web.pagination import Cursor, Limit, Page, page_of
from datamesh.web.problems import Problem

Status = Literal["PENDING", "ACCEPTED", "REJECTED"]
# Every error the routes may answer, documented once for all of them in the OpenAPI document.
ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "description": text}
    for status, text in {
        401: "not signed in: no valid console session or API token",
        403: "AWS denied the access, or the CSRF token is wrong",
        404: "no such environment, project, asset, glossary or request",
        409: "the change conflicts with the current state",
        422: "invalid input",
        429: "AWS throttled the requests even after retries (see Retry-After)",
        502: "AWS answered with another error",
        503: "AWS is unavailable, or the server has no usable AWS credentials (type aws-credentials: `aws` names "
        "the profile, the role and the fix)",
        504: "AWS did not answer within the timeouts (type aws-unreachable)",
    }.items()
}
router = APIRouter(prefix="/api/v1", responses=ERRORS)


class Confirmed(BaseModel):
    confirm: Literal[True] = Field(description="must be true: every state change is confirmed explicitly")


class Decision(Confirmed):
    comment: str = Field("", max_length=4096, description="the decision comment the requester reads")


class Rejection(Confirmed):
    comment: str = Field(min_length=1, max_length=4096, description="why: the requester reads it")


class NewRequest(BaseModel):
    listing: str = Field(description="the published asset's name or listing id")
    consumer: str = Field(description="the subscribing project, by key (sales-analytics) or name")
    reason: str = Field(min_length=1, max_length=4096, description="why: the producer reads it to decide")


class ListingChange(BaseModel):
    asset: str
    listing: str = Field(description="the listing id and the change set's status, as DataZone answers")


@router.get("/environments", tags=["environments"])
def list_environments(request: Request) -> list[EnvironmentSummary]:
    """Every environment of the mesh, in promotion order (from the YAML: no AWS call)."""
    return request.app.state.environments.summaries()  # type: ignore[no-any-return]


@router.get("/environments/{env}", tags=["environments"])
def get_environment(ctx: Ctx) -> Overview:
    """The environment's domain, its domain units and how many projects and glossaries it holds."""
    return OverviewService(ctx).overview()


@router.get("/environments/{env}/projects", tags=["projects"])
def list_projects(ctx: Ctx, cursor: Cursor = None, limit: Limit = 50) -> Page[ProjectSummary]:
    return page_of(ProjectService(ctx).list(), cursor, limit)


@router.get("/environments/{env}/projects/{project}", tags=["projects"])
def get_project(ctx: Ctx, project: str) -> ProjectDetails:
    """A project by key (finance-reporting), name or id, with its members and environments."""
    return ProjectService(ctx).show(project)


@router.get("/environments/{env}/projects/{project}/members", tags=["projects"])
def list_members(ctx: Ctx, project: str, cursor: Cursor = None, limit: Limit = 50) -> Page[Member]:
    return page_of(ProjectService(ctx).show(project).members, cursor, limit)


@router.get("/environments/{env}/assets", tags=["assets"])
def search_assets(
    ctx: Ctx,
    q: Annotated[str, Query(description="words to search the inventory for; empty: every asset")] = "",
    project: Annotated[str | None, Query(description="only the assets this project (key or name) owns")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AssetSummary]:
    """Assets of the inventory, published or not."""
    project_id = ProjectService(ctx).find(project).id if project else None
    return page_of(AssetService(ctx).search(q, project_id), cursor, limit)


@router.get("/environments/{env}/assets/{asset}", tags=["assets"])
def get_asset(ctx: Ctx, asset: str) -> AssetDetails:
    """An asset's columns (PII flags from the YAML), glossary terms (named), forms and listing."""
    return AssetService(ctx).show(asset, name_terms=True)


@router.post("/environments/{env}/assets/{asset}/publish", tags=["assets"])
def publish_asset(ctx: Ctx, asset: str, body: Confirmed) -> ListingChange:
    """Publish an asset the YAML does not declare (the YAML's own are published by deploying it)."""
    return ListingChange(asset=asset, listing=AssetService(ctx).publish(asset))


@router.post("/environments/{env}/assets/{asset}/unpublish", tags=["assets"])
def unpublish_asset(ctx: Ctx, asset: str, body: Confirmed) -> ListingChange:
    return ListingChange(asset=asset, listing=AssetService(ctx).unpublish(asset))


@router.get("/environments/{env}/listings", tags=["assets"])
def search_listings(
    ctx: Ctx,
    q: Annotated[str, Query(description="words to search the published catalog for")] = "",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[Listing]:
    """The business catalog: published assets only."""
    return page_of(CatalogService(ctx).search(q), cursor, limit)


@router.get("/environments/{env}/subscription-requests", tags=["subscriptions"])
def list_requests(
    ctx: Ctx,
    approver: Annotated[str | None, Query(description="the producer project that decides (its inbox)")] = None,
    requester: Annotated[str | None, Query(description="the consumer project that asked")] = None,
    status: Status = "PENDING",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SubscriptionRequest]:
    """Requests waiting for a producer (?approver=), or made by a consumer (?requester=)."""
    service = SubscriptionService(ctx)
    if (approver is None) == (requester is None):
        raise MeshError("name exactly one of ?approver= (a producer's inbox) or ?requester= (a consumer's requests)")
    found = service.inbox(approver, status) if approver else service.requests_of(requester or "", status)
    return page_of(found, cursor, limit)


@router.post("/environments/{env}/subscription-requests", status_code=201, tags=["subscriptions"])
def create_request(ctx: Ctx, body: NewRequest) -> SubscriptionRequest:
    """Ask for a published asset on behalf of a consumer project."""
    return SubscriptionService(ctx).request(body.listing, body.consumer, body.reason)


@router.get("/environments/{env}/subscription-requests/{request_id}", tags=["subscriptions"])
def get_request(ctx: Ctx, request_id: str) -> SubscriptionRequest:
    return SubscriptionService(ctx).get(request_id)


@router.post("/environments/{env}/subscription-requests/{request_id}/accept", tags=["subscriptions"])
def accept_request(ctx: Ctx, request_id: str, body: Decision) -> SubscriptionRequest:
    """Accept; DataZone then grants the subscriber access (see the subscription's grants)."""
    return SubscriptionService(ctx).accept(request_id, body.comment or "Approved")


@router.post("/environments/{env}/subscription-requests/{request_id}/reject", tags=["subscriptions"])
def reject_request(ctx: Ctx, request_id: str, body: Rejection) -> SubscriptionRequest:
    return SubscriptionService(ctx).reject(request_id, body.comment)


@router.get("/environments/{env}/subscriptions", tags=["subscriptions"])
def list_subscriptions(
    ctx: Ctx,
    consumer: Annotated[str | None, Query(description="the subscribing project")] = None,
    producer: Annotated[str | None, Query(description="the project whose listings are subscribed to")] = None,
    request_id: Annotated[str | None, Query(description="the request that made the subscription")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[Subscription]:
    found = SubscriptionService(ctx).subscriptions(consumer=consumer, producer=producer, request_id=request_id)
    return page_of(found, cursor, limit)


@router.get("/environments/{env}/subscriptions/{subscription_id}/grants", tags=["subscriptions"])
def list_grants(ctx: Ctx, subscription_id: str) -> list[Grant]:
    """The subscription's grants: COMPLETED once the subscriber can read the data."""
    return SubscriptionService(ctx).grants(subscription_id)


@router.post("/environments/{env}/subscriptions/{subscription_id}/revoke", status_code=204, tags=["subscriptions"])
def revoke_subscription(ctx: Ctx, subscription_id: str, body: Confirmed) -> None:
    """Revoke, removing the subscriber's permissions."""
    SubscriptionService(ctx).revoke(subscription_id)


@router.get("/environments/{env}/glossaries", tags=["glossaries"])
def list_glossaries(ctx: Ctx, cursor: Cursor = None, limit: Limit = 50) -> Page[Glossary]:
    return page_of(CatalogService(ctx).glossaries(), cursor, limit)


@router.get("/environments/{env}/glossaries/{glossary}/terms", tags=["glossaries"])
def list_terms(ctx: Ctx, glossary: str, cursor: Cursor = None, limit: Limit = 50) -> Page[Term]:
    return page_of(CatalogService(ctx).terms(glossary), cursor, limit)


@router.get("/environments/{env}/drift", tags=["drift"])
def get_drift(ctx: Ctx) -> DriftReport:
    """What the YAML declares against what exists in the domain: units, projects, members, glossaries."""
    return DriftService(ctx).report()
