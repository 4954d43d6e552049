"""Everything `datamesh export` reads from one DataZone V2 domain, as plain data.

Only reads, each through the datamesh paging helpers (boto3 paginators at DataZone's maximum page
of 50, the clients' standard-mode retries) so that any AWS failure becomes one line naming what was
being read. Mapping ids to the mesh's names is left to ``mesh_export``.

Group names: ``SearchGroupProfiles`` (groupType DATAZONE_SSO_GROUP: the Identity Center groups
that have a profile in the domain) answers id and name of every group in one paginated call;
``GetGroupProfile`` answers for any other group id found as a unit owner or project member. A group
profile's id has the Identity Center group-id format (API reference, GroupProfileSummary.id), and
the mesh creates profiles from Identity Center group ids (``AWS::DataZone::GroupProfile``
GroupIdentifier), so the id is written as the group's Identity Center id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from datamesh.errors import MeshError, NotFound
from datamesh.services.paging import call, items, search_results


@dataclass(frozen=True)
class Principal:
    kind: str  # group | user
    id: str


@dataclass(frozen=True)
class DomainInfo:
    id: str
    name: str
    description: str
    account: str
    region: str
    root_unit_id: str
    user_assignment: str
    idc_instance_arn: str | None
    kms_key: str | None


@dataclass(frozen=True)
class Grant:
    """A policy grant on a unit: ``principal`` is a group, a user or a project; None when the grant
    goes to something else (every project of a unit, a designation filter), described in ``other``."""

    policy: str
    principal: Principal | None
    other: str = ""


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    description: str
    parent_id: str | None  # None: a child of the root unit
    owners: tuple[Principal, ...]
    grants: tuple[Grant, ...] = ()


@dataclass(frozen=True)
class Override:
    name: str
    value: str
    editable: bool


@dataclass(frozen=True)
class ProfileEnvironment:
    name: str
    blueprint: str  # the blueprint's name, or its id when the domain does not list it
    description: str
    deployment_mode: str | None
    deployment_order: int | None
    overrides: tuple[Override, ...]
    account: str | None
    region: str | None


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    description: str
    status: str
    domain_unit_id: str | None
    environments: tuple[ProfileEnvironment, ...]
    resource_tags: tuple[str, ...]


@dataclass(frozen=True)
class Member:
    principal: Principal
    designation: str


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    description: str
    status: str
    domain_unit_id: str | None
    profile_id: str | None
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Term:
    id: str
    name: str
    short_description: str
    long_description: str
    status: str
    is_a: tuple[str, ...]
    classifies: tuple[str, ...]


@dataclass(frozen=True)
class Glossary:
    id: str
    name: str
    description: str
    status: str
    owning_project_id: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class FormType:
    name: str
    description: str
    status: str
    owning_project_id: str | None
    smithy: str


@dataclass(frozen=True)
class Network:
    vpc_id: str | None
    subnet_ids: tuple[str, ...]
    s3_location: str | None


@dataclass
class DomainSnapshot:
    domain: DomainInfo
    root_owners: tuple[Principal, ...]
    units: list[Unit]
    enabled_blueprints: list[str]
    network: Network | None
    profiles: list[Profile]
    projects: list[Project]
    glossaries: list[Glossary]
    form_types: list[FormType]
    group_names: dict[str, str] = field(default_factory=dict)  # group profile id -> name
    assigned_groups: set[str] = field(default_factory=set)  # ids of the groups assigned to the domain
    user_names: dict[str, str] = field(default_factory=dict)  # user profile id -> user name


TOOLING = "Tooling"
# The unit policies the mesh declares: project_creators, grants.create_glossary, grants.create_form_type.
UNIT_POLICIES = ("CREATE_PROJECT_FROM_PROJECT_PROFILE", "CREATE_GLOSSARY", "CREATE_FORM_TYPE")


class DomainReader:
    """Reads one domain with a DataZone client of its region."""

    def __init__(self, datazone: Any, domain_id: str) -> None:
        self.dz = datazone
        self.domain_id = domain_id

    def read(self) -> DomainSnapshot:
        domain = self.domain()
        # The root unit's grants are the domain's own (administrators): the mesh declares none there.
        root = self.unit(domain.root_unit_id, None, grants=False)
        units = self.units_under(domain.root_unit_id)
        blueprint_names = {
            b["id"]: b["name"]
            for b in items(
                self.dz,
                "list_environment_blueprints",
                "listing the managed blueprints",
                domainIdentifier=self.domain_id,
                managed=True,
            )
        }
        enabled, network = self.blueprint_configurations(blueprint_names, domain.region)
        profiles = self.profiles(blueprint_names)
        projects = self.projects()
        glossaries = self.glossaries()
        forms = self.form_types()
        snapshot = DomainSnapshot(domain, root.owners, units, enabled, network, profiles, projects, glossaries, forms)
        principals = [*root.owners, *(o for u in units for o in u.owners)]
        principals += [g.principal for u in units for g in u.grants if g.principal is not None]
        principals += [m.principal for p in projects for m in p.members]
        snapshot.group_names, snapshot.assigned_groups = self.group_names(
            {p.id for p in principals if p.kind == "group"}
        )
        snapshot.user_names = self.user_names({p.id for p in principals if p.kind == "user"})
        return snapshot

    def domain(self) -> DomainInfo:
        found = call(f"reading domain {self.domain_id}", self.dz.get_domain, identifier=self.domain_id)
        if found.get("domainVersion", "V1") != "V2":
            raise MeshError(
                f"domain {self.domain_id} is a DataZone {found.get('domainVersion', 'V1')} domain; this tool manages "
                "SageMaker Unified Studio (V2) domains only"
            )
        # arn:aws:datazone:<region>:<account>:domain/<id>
        parts = found.get("arn", "").split(":")
        account, region = (parts[4], parts[3]) if len(parts) > 5 else ("", "")
        sso = found.get("singleSignOn", {})
        return DomainInfo(
            id=found["id"],
            name=found.get("name", ""),
            description=found.get("description", ""),
            account=account,
            region=region,
            root_unit_id=found["rootDomainUnitId"],
            user_assignment=sso.get("userAssignment", "MANUAL"),
            idc_instance_arn=sso.get("idcInstanceArn"),
            kms_key=found.get("kmsKeyIdentifier"),
        )

    def unit(self, unit_id: str, parent_id: str | None, *, grants: bool = True) -> Unit:
        found = call(
            f"reading domain unit {unit_id}",
            self.dz.get_domain_unit,
            domainIdentifier=self.domain_id,
            identifier=unit_id,
        )
        owners = tuple(_principal(o) for o in found.get("owners", []) if _principal(o) is not None)
        read = (
            tuple(g for policy in UNIT_POLICIES for g in self.grants(unit_id, found["name"], policy)) if grants else ()
        )
        return Unit(unit_id, found["name"], found.get("description", ""), parent_id, owners, read)  # type: ignore[arg-type]

    def grants(self, unit_id: str, unit_name: str, policy: str) -> list[Grant]:
        out = []
        for g in items(
            self.dz,
            "list_policy_grants",
            f"listing the {policy} grants of unit {unit_name}",
            key="grantList",
            domainIdentifier=self.domain_id,
            entityType="DOMAIN_UNIT",
            entityIdentifier=unit_id,
            policyType=policy,
        ):
            principal = g.get("principal", {})
            if principal.get("group", {}).get("groupIdentifier"):
                out.append(Grant(policy, Principal("group", principal["group"]["groupIdentifier"])))
            elif principal.get("user", {}).get("userIdentifier"):
                out.append(Grant(policy, Principal("user", principal["user"]["userIdentifier"])))
            elif principal.get("project", {}).get("projectIdentifier"):
                out.append(Grant(policy, Principal("project", principal["project"]["projectIdentifier"])))
            else:
                out.append(Grant(policy, None, ", ".join(sorted(principal)) or "an unknown principal"))
        return out

    def units_under(self, root_id: str) -> list[Unit]:
        """Every unit below the root, parents before children (breadth first)."""
        out: list[Unit] = []
        queue: list[tuple[str, str | None]] = [(root_id, None)]
        while queue:
            parent, parent_key = queue.pop(0)
            for summary in items(
                self.dz,
                "list_domain_units_for_parent",
                f"listing the domain units under {parent}",
                domainIdentifier=self.domain_id,
                parentDomainUnitIdentifier=parent,
            ):
                unit = self.unit(summary["id"], parent_key)
                out.append(unit)
                queue.append((unit.id, unit.id))
        return out

    def blueprint_configurations(self, names: dict[str, str], region: str) -> tuple[list[str], Network | None]:
        """Names of the blueprints enabled in the domain's region, and the network of Tooling's
        regional parameters (VpcId, Subnets, S3Location: what the mesh's environment file holds)."""
        enabled: list[str] = []
        network = None
        for config in items(
            self.dz,
            "list_environment_blueprint_configurations",
            "listing the enabled blueprints",
            domainIdentifier=self.domain_id,
        ):
            if region not in config.get("enabledRegions", [region]):
                continue
            name = names.get(config["environmentBlueprintId"], config["environmentBlueprintId"])
            enabled.append(name)
            params = config.get("regionalParameters", {}).get(region, {})
            if name == TOOLING and params:
                subnets = tuple(s.strip() for s in params.get("Subnets", "").split(",") if s.strip())
                network = Network(params.get("VpcId"), subnets, params.get("S3Location"))
        return enabled, network

    def profiles(self, blueprint_names: dict[str, str]) -> list[Profile]:
        out = []
        for summary in items(
            self.dz, "list_project_profiles", "listing project profiles", domainIdentifier=self.domain_id
        ):
            found = call(
                f"reading project profile {summary['name']}",
                self.dz.get_project_profile,
                domainIdentifier=self.domain_id,
                identifier=summary["id"],
            )
            environments = tuple(
                ProfileEnvironment(
                    name=e["name"],
                    blueprint=blueprint_names.get(e["environmentBlueprintId"], e["environmentBlueprintId"]),
                    description=e.get("description", ""),
                    deployment_mode=e.get("deploymentMode"),
                    deployment_order=e.get("deploymentOrder"),
                    overrides=tuple(
                        Override(o["name"], o.get("value", ""), bool(o.get("isEditable", False)))
                        for o in e.get("configurationParameters", {}).get("parameterOverrides", [])
                        if "name" in o
                    ),
                    account=e.get("awsAccount", {}).get("awsAccountId"),
                    region=e.get("awsRegion", {}).get("regionName"),
                )
                for e in found.get("environmentConfigurations", [])
            )
            out.append(
                Profile(
                    id=found["id"],
                    name=found["name"],
                    description=found.get("description", ""),
                    status=found.get("status", "ENABLED"),
                    domain_unit_id=found.get("domainUnitId"),
                    environments=environments,
                    resource_tags=tuple(t["key"] for t in found.get("projectResourceTags", [])),
                )
            )
        return out

    def projects(self) -> list[Project]:
        out = []
        for summary in items(self.dz, "list_projects", "listing projects", domainIdentifier=self.domain_id):
            doing = f"reading project {summary['name']}"
            found = call(doing, self.dz.get_project, domainIdentifier=self.domain_id, identifier=summary["id"])
            members = []
            for m in items(
                self.dz,
                "list_project_memberships",
                f"listing the members of project {summary['name']}",
                key="members",
                domainIdentifier=self.domain_id,
                projectIdentifier=summary["id"],
            ):
                details = m.get("memberDetails", {})
                if "group" in details:
                    members.append(Member(Principal("group", details["group"]["groupId"]), m["designation"]))
                elif "user" in details:
                    members.append(Member(Principal("user", details["user"]["userId"]), m["designation"]))
            out.append(
                Project(
                    id=found["id"],
                    name=found["name"],
                    description=found.get("description", ""),
                    status=found.get("projectStatus", "ACTIVE"),
                    domain_unit_id=found.get("domainUnitId"),
                    profile_id=found.get("projectProfileId"),
                    members=tuple(members),
                )
            )
        return out

    def glossaries(self) -> list[Glossary]:
        """Glossaries and their terms: there is no List API, Search answers both (one paginated
        search per scope; terms are grouped by their glossary id)."""
        terms: dict[str, list[Term]] = {}
        for t in search_results(
            self.dz,
            "search",
            "glossaryTermItem",
            "listing glossary terms",
            domainIdentifier=self.domain_id,
            searchScope="GLOSSARY_TERM",
        ):
            relations = t.get("termRelations", {})
            terms.setdefault(t["glossaryId"], []).append(
                Term(
                    id=t["id"],
                    name=t["name"],
                    short_description=t.get("shortDescription", ""),
                    long_description=t.get("longDescription", ""),
                    status=t.get("status", "ENABLED"),
                    is_a=tuple(relations.get("isA", [])),
                    classifies=tuple(relations.get("classifies", [])),
                )
            )
        return [
            Glossary(
                id=g["id"],
                name=g["name"],
                description=g.get("description", ""),
                status=g.get("status", "ENABLED"),
                owning_project_id=g["owningProjectId"],
                terms=tuple(terms.get(g["id"], [])),
            )
            for g in search_results(
                self.dz,
                "search",
                "glossaryItem",
                "listing glossaries",
                domainIdentifier=self.domain_id,
                searchScope="GLOSSARY",
            )
        ]

    def form_types(self) -> list[FormType]:
        """The domain's own (not managed) form types, each read with GetFormType for its model."""
        names: dict[str, None] = {}
        for item in items(
            self.dz,
            "search_types",
            "listing metadata form types",
            domainIdentifier=self.domain_id,
            searchScope="FORM_TYPE",
            managed=False,
        ):
            if "formTypeItem" in item:
                names.setdefault(item["formTypeItem"]["name"], None)
        out = []
        for name in names:
            found = call(
                f"reading form type {name}",
                self.dz.get_form_type,
                domainIdentifier=self.domain_id,
                formTypeIdentifier=name,
            )
            out.append(
                FormType(
                    name=found["name"],
                    description=found.get("description", ""),
                    status=found.get("status", "ENABLED"),
                    owning_project_id=found.get("owningProjectId"),
                    smithy=found.get("model", {}).get("smithy", ""),
                )
            )
        return out

    def group_names(self, referenced: Iterable[str]) -> tuple[dict[str, str], set[str]]:
        """Group id -> name, and the ids of the groups assigned to the domain."""
        names: dict[str, str] = {}
        assigned: set[str] = set()
        for g in items(
            self.dz,
            "search_group_profiles",
            "listing the domain's groups",
            domainIdentifier=self.domain_id,
            groupType="DATAZONE_SSO_GROUP",
        ):
            if "id" in g and "groupName" in g:
                names[g["id"]] = g["groupName"]
                if g.get("status", "ASSIGNED") == "ASSIGNED":
                    assigned.add(g["id"])
        for group_id in sorted(set(referenced) - set(names)):
            try:
                found = call(
                    f"reading group {group_id}",
                    self.dz.get_group_profile,
                    domainIdentifier=self.domain_id,
                    groupIdentifier=group_id,
                )
            except NotFound:
                continue  # named by its id in the YAML comments
            if found.get("groupName"):
                names[group_id] = found["groupName"]
        return names, assigned

    def user_names(self, referenced: Iterable[str]) -> dict[str, str]:
        """User id -> a readable name for the comments (the mesh declares no users)."""
        out = {}
        for user_id in sorted(set(referenced)):
            try:
                found = call(
                    f"reading user {user_id}",
                    self.dz.get_user_profile,
                    domainIdentifier=self.domain_id,
                    userIdentifier=user_id,
                )
            except NotFound:
                continue
            details = found.get("details", {})
            name = details.get("sso", {}).get("username") or details.get("iam", {}).get("arn")
            if name:
                out[user_id] = name
        return out


def _principal(owner: dict[str, Any]) -> Principal | None:
    if "group" in owner and owner["group"].get("groupId"):
        return Principal("group", owner["group"]["groupId"])
    if "user" in owner and owner["user"].get("userId"):
        return Principal("user", owner["user"]["userId"])
    return None
