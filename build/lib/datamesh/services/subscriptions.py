"""Subscription requests and subscriptions: list, accept, reject, revoke, and grants to wait for.

DataZone lists requests per project (an unfiltered ListSubscriptionRequests is refused): the
inbox of a producer is the requests whose approver project it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datamesh.context import MeshContext
from datamesh.errors import MeshError, NotFound
from datamesh.services.catalog import CatalogService
from datamesh.services.paging import call, items
from datamesh.services.projects import ProjectService

DONE, BUSY = "COMPLETED", frozenset({"PENDING", "IN_PROGRESS"})


@dataclass(frozen=True)
class SubscriptionRequest:
    id: str
    status: str
    listing: str
    requester: str  # the subscribing project's name, or the principal
    reason: str
    created_at: datetime | None
    requester_id: str = ""
    listing_id: str = ""
    decision_comment: str = ""


@dataclass(frozen=True)
class Subscription:
    id: str
    status: str  # APPROVED | REVOKED | CANCELLED
    listing: str
    subscriber: str  # the subscribing project's name, or its id
    request_id: str


@dataclass(frozen=True)
class Grant:
    id: str
    status: str
    failures: tuple[str, ...] = ()


def _request(r: dict[str, Any]) -> SubscriptionRequest:
    listings = r.get("subscribedListings", [])
    principals = r.get("subscribedPrincipals", [])
    project = principals[0].get("project", {}) if principals else {}
    return SubscriptionRequest(
        id=r["id"],
        status=r["status"],
        listing=listings[0].get("name", listings[0].get("id", "?")) if listings else "?",
        requester=project.get("name") or project.get("id") or "?",
        reason=r.get("requestReason", ""),
        created_at=r.get("createdAt"),
        requester_id=project.get("id", ""),
        listing_id=listings[0].get("id", "") if listings else "",
        decision_comment=r.get("decisionComment", ""),
    )


def _subscription(s: dict[str, Any]) -> Subscription:
    listing = s.get("subscribedListing", {})
    project = s.get("subscribedPrincipal", {}).get("project", {})
    return Subscription(
        id=s["id"],
        status=s["status"],
        listing=listing.get("name") or listing.get("id", "?"),
        subscriber=project.get("name") or project.get("id", "?"),
        request_id=s.get("subscriptionRequestId", ""),
    )


class SubscriptionService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx
        self.projects = ProjectService(ctx)

    def inbox(self, producer: str, status: str = "PENDING") -> list[SubscriptionRequest]:
        """Requests waiting for ``producer`` (project key or name) to decide."""
        return self._requests(producer, "approverProjectId", status)

    def requests_of(self, consumer: str, status: str = "PENDING") -> list[SubscriptionRequest]:
        """Requests a consumer project (key or name) made."""
        return self._requests(consumer, "owningProjectId", status)

    def _requests(self, key_or_name: str, project_filter: str, status: str) -> list[SubscriptionRequest]:
        project = self.projects.find(key_or_name)
        found = items(
            self.ctx.datazone,
            "list_subscription_requests",
            f"listing the subscription requests of {project.name}",
            domainIdentifier=self.ctx.domain_id,
            status=status,
            **{project_filter: project.id},
        )
        return [_request(r) for r in found]

    def get(self, request_id: str) -> SubscriptionRequest:
        """One request, whatever its status (the console shows it before a decision)."""
        return _request(
            call(
                f"reading request {request_id}",
                self.ctx.datazone.get_subscription_request_details,
                domainIdentifier=self.ctx.domain_id,
                identifier=request_id,
            )
        )

    def request(self, listing: str, consumer: str, reason: str) -> SubscriptionRequest:
        """Ask for a listing (name or id) on behalf of a consumer project."""
        if not reason.strip():
            raise MeshError("a request needs a reason: the producer reads it to decide")
        project = self.projects.find(consumer)
        found = CatalogService(self.ctx).search(listing)
        matches = [entry for entry in found if listing in (entry.name, entry.id)]
        if not matches:
            names = ", ".join(sorted({entry.name for entry in found})[:5]) or "none"
            raise NotFound(f"no published asset '{listing}' in {self.ctx.env.name} (close: {names})")
        result = call(
            f"requesting {listing} for {project.name}",
            self.ctx.datazone.create_subscription_request,
            domainIdentifier=self.ctx.domain_id,
            subscribedListings=[{"identifier": matches[0].id}],
            subscribedPrincipals=[{"project": {"identifier": project.id}}],
            requestReason=reason,
        )
        return _request(result)

    def accept(self, request_id: str, comment: str) -> SubscriptionRequest:
        return self._decide("accepting", self.ctx.datazone.accept_subscription_request, request_id, comment)

    def reject(self, request_id: str, comment: str) -> SubscriptionRequest:
        if not comment.strip():
            raise MeshError("a rejection needs a comment: the requester reads it")
        return self._decide("rejecting", self.ctx.datazone.reject_subscription_request, request_id, comment)

    def _decide(self, verb: str, operation: Any, request_id: str, comment: str) -> SubscriptionRequest:
        result = call(
            f"{verb} request {request_id}",
            operation,
            domainIdentifier=self.ctx.domain_id,
            identifier=request_id,
            decisionComment=comment,
        )
        return _request(result)

    def subscriptions(
        self, *, consumer: str | None = None, producer: str | None = None, request_id: str | None = None
    ) -> list[Subscription]:
        """Subscriptions of a consumer project, to a producer's listings, or made by one request."""
        filters: dict[str, str] = {}
        if consumer:
            filters["owningProjectId"] = self.projects.find(consumer).id
        if producer:
            filters["approverProjectId"] = self.projects.find(producer).id
        if request_id:
            filters["subscriptionRequestIdentifier"] = request_id
        if not filters:
            raise MeshError("name a consumer project, a producer project or a request: DataZone lists no more")
        found = items(
            self.ctx.datazone,
            "list_subscriptions",
            f"listing subscriptions ({', '.join(filter(None, (consumer, producer, request_id)))})",
            domainIdentifier=self.ctx.domain_id,
            **filters,
        )
        return [_subscription(s) for s in found]

    def subscription_of(self, request_id: str) -> str:
        found = self.subscriptions(request_id=request_id)
        if not found:
            raise MeshError(f"request {request_id} has no subscription: is it accepted?")
        return found[0].id

    def grants(self, subscription_id: str) -> list[Grant]:
        found = items(
            self.ctx.datazone,
            "list_subscription_grants",
            f"listing the grants of {subscription_id}",
            domainIdentifier=self.ctx.domain_id,
            subscriptionId=subscription_id,
        )
        return [
            Grant(
                g["id"],
                g["status"],
                tuple(
                    a.get("failureCause", {}).get("message", "") for a in g.get("assets", []) if a.get("failureCause")
                ),
            )
            for g in found
        ]

    def wait_for_grants(
        self,
        subscription_id: str,
        timeout_s: int = 600,
        interval_s: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[list[Grant]], None] = lambda _: None,
    ) -> list[Grant]:
        """Until every grant is COMPLETED (bounded); a failed grant raises with DataZone's cause."""
        waited = 0
        while True:
            grants = self.grants(subscription_id)
            progress(grants)
            failed = [g for g in grants if g.status != DONE and g.status not in BUSY]
            if failed:
                causes = "; ".join(c for g in failed for c in g.failures) or "no cause given"
                raise MeshError(f"grant {failed[0].id} of {subscription_id} is {failed[0].status}: {causes}")
            if grants and all(g.status == DONE for g in grants):
                return grants
            if waited >= timeout_s:
                raise MeshError(f"the grants of {subscription_id} are not complete after {timeout_s} s", "unavailable")
            sleep(interval_s)
            waited += interval_s

    def revoke(self, subscription_id: str) -> None:
        call(
            f"revoking {subscription_id}",
            self.ctx.datazone.revoke_subscription,
            domainIdentifier=self.ctx.domain_id,
            identifier=subscription_id,
            retainPermissions=False,
        )
