"""Names for what DataZone answers by id (owning projects, members, project profiles), so that the
views show names; a name that cannot be read leaves the id, since a name is never worth a failed page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from datamesh.context import MeshContext
from datamesh.errors import MeshError
from datamesh.services.paging import call
from datamesh.services.projects import Member, ProjectService

# Kinds of failure after which the id stands in for the name; any other (AWS unreachable, no
# credentials) is the page's failure too.
NAMELESS = frozenset({"not_found", "forbidden", "invalid"})


class Names:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx

    def projects(self) -> dict[str, str]:
        """Project id -> name: DataZone's search answers name the owning project by id only."""
        return {p.id: p.name for p in ProjectService(self.ctx).list()}

    def members(self, members: Iterable[Member]) -> dict[str, str]:
        """Member id -> its group's name, or its user's (SSO user name, IAM role or user name)."""
        return {m.id: self._member(m) for m in members}

    def _member(self, member: Member) -> str:
        dz = self.ctx.datazone
        if member.kind == "group":
            found = self._read(f"naming group {member.id}", dz.get_group_profile, groupIdentifier=member.id)
            return str(found.get("groupName") or member.id)
        found = self._read(f"naming user {member.id}", dz.get_user_profile, userIdentifier=member.id)
        details = found.get("details", {})
        if "sso" in details and details["sso"].get("username"):
            return str(details["sso"]["username"])
        arn = details.get("iam", {}).get("arn", "")
        return arn.rsplit("/", 1)[-1] if arn else member.id

    def project_profile(self, profile_id: str | None) -> str | None:
        if not profile_id:
            return None
        operation = self.ctx.datazone.get_project_profile
        found = self._read(f"naming project profile {profile_id}", operation, identifier=profile_id)
        return str(found.get("name") or profile_id)

    def _read(self, doing: str, operation: Any, **kwargs: str) -> dict[str, Any]:
        try:
            return call(doing, operation, domainIdentifier=self.ctx.domain_id, **kwargs)
        except MeshError as error:
            if error.kind in NAMELESS:
                return {}
            raise
