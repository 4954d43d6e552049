"""Projects of a domain: list, find by key or name (with a suggestion), show with members."""

from __future__ import annotations

from dataclasses import dataclass, field

from datamesh.context import MeshContext
from datamesh.errors import MeshError, NotFound, did_you_mean
from datamesh.services.paging import call, items


@dataclass(frozen=True)
class ProjectSummary:
    id: str
    name: str
    status: str
    domain_unit_id: str | None = None


@dataclass(frozen=True)
class Member:
    kind: str  # user | group
    id: str
    designation: str


@dataclass(frozen=True)
class ProjectDetails:
    project: ProjectSummary
    description: str
    profile_id: str | None
    members: list[Member] = field(default_factory=list)
    environments: list[tuple[str, str]] = field(default_factory=list)  # (name, status)


class ProjectService:
    def __init__(self, ctx: MeshContext) -> None:
        self.ctx = ctx
        self._group_ids: dict[str, str | None] = {}

    def group_profile_id(self, group: str) -> str | None:
        """The DataZone id of a YAML group (its group profile), None if not assigned to the domain."""
        if group not in self._group_ids:
            idc_id = self.ctx.config.mesh.identity_center.groups.get(group)
            if idc_id is None:
                raise MeshError(f"group '{group}' is not in mesh.yaml identity_center.groups")
            try:
                profile = call(
                    f"reading the group profile of {group}",
                    self.ctx.datazone.get_group_profile,
                    domainIdentifier=self.ctx.domain_id,
                    groupIdentifier=idc_id,
                )
                self._group_ids[group] = profile.get("id")
            except NotFound:
                self._group_ids[group] = None
        return self._group_ids[group]

    def group_members(self, project_id: str, project_name: str, groups: list[str]) -> dict[str, str]:
        """Group members of a project -> designation, named by their YAML key when among ``groups``."""
        by_id = {self.group_profile_id(g): g for g in groups}
        out: dict[str, str] = {}
        for member in items(
            self.ctx.datazone,
            "list_project_memberships",
            f"listing the members of {project_name}",
            key="members",
            domainIdentifier=self.ctx.domain_id,
            projectIdentifier=project_id,
        ):
            group = member.get("memberDetails", {}).get("group")
            if group:
                group_id = group["groupId"]
                out[by_id.get(group_id) or group.get("groupName") or group_id] = member["designation"]
        return out

    def list(self) -> list[ProjectSummary]:
        found = items(self.ctx.datazone, "list_projects", "listing projects", domainIdentifier=self.ctx.domain_id)
        return sorted(
            (
                ProjectSummary(p["id"], p["name"], p.get("projectStatus", "ACTIVE"), p.get("domainUnitId"))
                for p in found
            ),
            key=lambda p: p.name,
        )

    def find(self, key_or_name: str) -> ProjectSummary:
        """A project by its key (finance-reporting), its full name, or its id."""
        projects = self.list()
        config = self.ctx.config
        keys = {p.key: config.project_name(self.ctx.env, p) for p in config.mesh.projects}
        wanted = keys.get(key_or_name, key_or_name)
        for project in projects:
            if wanted in (project.name, project.id):
                return project
        hint = did_you_mean(key_or_name, [*keys, *(p.name for p in projects)])
        raise NotFound(f"no project '{key_or_name}' in {self.ctx.env.name}{hint}")

    def show(self, key_or_name: str) -> ProjectDetails:
        summary = self.find(key_or_name)
        dz, domain = self.ctx.datazone, self.ctx.domain_id
        doing = f"reading project {summary.name}"
        project = call(doing, dz.get_project, domainIdentifier=domain, identifier=summary.id)
        members = []
        for m in items(
            dz, "list_project_memberships", doing, key="members", domainIdentifier=domain, projectIdentifier=summary.id
        ):
            details = m.get("memberDetails", {})
            if "user" in details:
                members.append(Member("user", details["user"]["userId"], m["designation"]))
            elif "group" in details:
                members.append(Member("group", details["group"]["groupId"], m["designation"]))
        environments = [
            (e["name"], e["status"])
            for e in items(dz, "list_environments", doing, domainIdentifier=domain, projectIdentifier=summary.id)
        ]
        return ProjectDetails(
            summary, project.get("description", ""), project.get("projectProfileId"), members, environments
        )
