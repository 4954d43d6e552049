"""The shared mesh definition (environments/mesh.yaml): what exists in every environment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from mesh_config.blueprints import Blueprint
from mesh_config.change_safety import AllowedChange
from mesh_config.data_products import Catalog, Subscription
from mesh_config.formats import AccountId, GroupId, ParameterName, Region, Slug
from mesh_config.governance import Glossary, MetadataForm, UnitGrants
from mesh_config.layout import Layout
from mesh_config.metadata_rules import MetadataRule
from mesh_config.organization import Organization
from mesh_config.permission_sets import PermissionSet
from mesh_config.pipeline import PipelineConfig
from mesh_config.product_listings import DataProduct
from mesh_config.repositories import ProjectRepository
from mesh_config.shares import Share, Team
from mesh_config.tags import Tags
from mesh_config.workloads import Workloads

GroupName = Annotated[str, Field(min_length=1, description="a group name declared under identity_center.groups")]


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    dupes = [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
    if dupes:
        raise PydanticCustomError(
            "listed_twice",
            "{names} listed more than once",
            {"names": ", ".join(repr(d) for d in sorted(set(dupes))), "fix": "list each entry once"},
        )
    return values


GroupList = Annotated[list[GroupName], AfterValidator(_unique)]
EnvironmentList = Annotated[list[Slug], AfterValidator(_unique), Field(min_length=1, examples=[["dev"]])]


def _in(environments: list[str] | None, env: str) -> bool:
    return environments is None or env in environments


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class UserAssignment(StrEnum):
    AUTOMATIC = "AUTOMATIC"
    MANUAL = "MANUAL"


class DeploymentMode(StrEnum):
    ON_CREATE = "ON_CREATE"
    ON_DEMAND = "ON_DEMAND"


class IdentityCenter(_Model):
    """IAM Identity Center groups the mesh refers to by name."""

    groups: dict[Slug, GroupId] = Field(
        default_factory=dict,
        description="group name -> IAM Identity Center group id (a UUID, optionally prefixed by a 10-hex store id)",
    )
    permission_sets: list[PermissionSet] = Field(
        default_factory=list,
        description=(
            "permission sets giving groups console and CLI access to the environments' accounts, deployed by the "
            "<org>-identity stack when organization.owns includes permission_sets"
        ),
    )
    admin_account: AccountId | None = Field(
        None,
        description=(
            "the delegated administrator account of Identity Center, where the <org>-identity stack is deployed "
            "@default organization.management_account"
        ),
        examples=["555555555555"],
    )
    region: Region | None = Field(
        None,
        description=(
            "the region Identity Center is enabled in (its permission sets can only be managed there) "
            "@default organization.region, else the pipeline's"
        ),
    )


class DomainSettings(_Model):
    description: str = Field("", max_length=2048, description="shown in the SMUS portal")
    user_assignment: UserAssignment = Field(
        UserAssignment.MANUAL,
        description="MANUAL: only the groups of this mesh are assigned to the domain; AUTOMATIC: every IdC user",
    )
    administrators: GroupList = Field(default_factory=list, description="groups made owners of the root domain unit")


class DomainUnit(_Model):
    """A node of the domain-unit tree; top-level units are business units, children are teams."""

    id: Slug = Field(description="unit key; a child's id starts with its parent's id, e.g. finance-analytics")
    parent: Slug | None = Field(None, description="id of the parent unit; omit for a business unit")
    description: str = Field("", max_length=2048)
    owners: GroupList = Field(default_factory=list, description="groups that own the unit")
    project_creators: GroupList = Field(
        default_factory=list,
        description="groups allowed to create projects in this unit (and its children) from the mesh's profiles",
    )
    grants: UnitGrants = Field(
        default_factory=UnitGrants,
        description="policies granted to projects of this unit and its children, e.g. who may create glossaries",
    )
    rules: list[MetadataRule] = Field(
        default_factory=list,
        description="metadata rules: forms or glossary terms DataZone requires to publish or to subscribe in this unit",
    )


class ParameterOverride(_Model):
    name: ParameterName
    value: str = Field(description="the value every project of the profile gets")
    editable: bool = Field(False, description="whether project creators may change it")


class ProfileEnvironment(_Model):
    """One blueprint inside a project profile."""

    blueprint: Blueprint = Field(description="a managed blueprint enabled under blueprints")
    name: str | None = Field(None, description="environment configuration name; default: the blueprint name")
    description: str = Field("", max_length=2048)
    deployment_mode: DeploymentMode = Field(
        DeploymentMode.ON_CREATE, description="ON_CREATE: with the project; ON_DEMAND: when a member asks"
    )
    deployment_order: int = Field(0, ge=0, le=16, description="Tooling must come first (lowest order)")
    parameter_overrides: list[ParameterOverride] = Field(
        default_factory=list, description="blueprint parameters set by the profile"
    )


class ProjectProfile(_Model):
    capability: Slug = Field(description="e.g. all-capabilities; the profile is named <capability>-<env>-profile")
    description: str = Field("", max_length=2048)
    environments: list[ProfileEnvironment] = Field(min_length=1)
    available_in: EnvironmentList | None = Field(
        None, description="mesh environments where this profile exists; default: every environment"
    )

    def exists_in(self, env: str) -> bool:
        return _in(self.available_in, env)


class BlueprintInEnvironments(_Model):
    """A blueprint enabled only in some environments (e.g. EmrOnEc2 in dev only)."""

    blueprint: Blueprint
    environments: EnvironmentList = Field(description="mesh environments where the blueprint is enabled")


class GroupInEnvironments(_Model):
    """A project member only in some environments (e.g. data scientists contribute in dev only)."""

    group: GroupName
    environments: EnvironmentList = Field(description="mesh environments where the group has this designation")


def _unique_groups(members: list[str | GroupInEnvironments]) -> list[str | GroupInEnvironments]:
    _unique([m if isinstance(m, str) else m.group for m in members])
    return members


MemberList = Annotated[list[GroupName | GroupInEnvironments], AfterValidator(_unique_groups)]


class Project(_Model):
    domain_unit: Slug = Field(description="id of the domain unit that owns the project")
    use_case: Slug = Field(description="e.g. customer360; the project is named <unit>-<use-case>-<env>-project")
    profile: Slug | dict[Slug, Slug] = Field(
        description=(
            "capability of a project profile, or a mapping environment -> capability with an optional 'default' "
            "key, e.g. {default: sql-analytics, dev: all-capabilities}"
        )
    )
    description: str = Field("", max_length=2048)
    owners: MemberList = Field(
        min_length=1,
        description="groups designated PROJECT_OWNER: a name, or {group: name, environments: [dev]} for some only",
    )
    contributors: MemberList = Field(
        default_factory=list,
        description="groups designated PROJECT_CONTRIBUTOR: a name, or {group: name, environments: [dev]}",
    )
    environments: list[Slug] | None = Field(
        None, description="environment names where the project exists; default: every environment"
    )
    repository: ProjectRepository | None = Field(
        None,
        description=(
            "a Git repository SMUS connects to the project (its notebooks, queries and workflows are versioned "
            "there): repository, branch and a CodeConnections connection per environment (docs/repositories.md)"
        ),
    )

    @property
    def key(self) -> str:
        """Stable identity of the project across environments (and its construct id)."""
        return f"{self.domain_unit}-{self.use_case}"

    def exists_in(self, env: str) -> bool:
        return _in(self.environments, env)

    def profile_in(self, env: str) -> str | None:
        """The profile capability in ``env``; None when a mapping names neither it nor a default."""
        if isinstance(self.profile, str):
            return self.profile
        return self.profile.get(env, self.profile.get(DEFAULT_PROFILE_KEY))

    def owners_in(self, env: str) -> list[str]:
        return _members_in(self.owners, env)

    def contributors_in(self, env: str) -> list[str]:
        return _members_in(self.contributors, env)

    def member_entries(self) -> list[tuple[str, int, str, list[str] | None]]:
        """(designation list, index, group, environments or None) of every member entry."""
        return [
            (role, i, m, None) if isinstance(m, str) else (role, i, m.group, list(m.environments))
            for role in ("owners", "contributors")
            for i, m in enumerate(getattr(self, role))
        ]


DEFAULT_PROFILE_KEY = "default"


def _members_in(members: list[str | GroupInEnvironments], env: str) -> list[str]:
    return [m if isinstance(m, str) else m.group for m in members if isinstance(m, str) or env in m.environments]


class MeshDefinition(_Model):
    """environments/mesh.yaml"""

    org: Slug = Field(description="organisation short name, e.g. acme")
    environments: list[Slug] = Field(
        min_length=1,
        description="environment names in promotion order; each has a file <name>.yaml beside this one",
    )
    tags: Tags = Field(
        default_factory=dict, description="tags on every resource, e.g. CostCenter (at most 50 with the environment's)"
    )
    pipeline: PipelineConfig | None = Field(
        None, description="the self-mutating deployment pipeline; without it only direct mode (-c direct=true) works"
    )
    identity_center: IdentityCenter = Field(default_factory=IdentityCenter)
    domain: DomainSettings = Field(default_factory=DomainSettings, description="the SMUS domain of each environment")
    blueprints: list[Blueprint | BlueprintInEnvironments] = Field(
        min_length=1,
        description=(
            "managed blueprints enabled in this order: a name for every environment, or "
            "{blueprint: name, environments: [dev]} for some only"
        ),
    )
    domain_units: list[DomainUnit] = Field(default_factory=list)
    project_profiles: list[ProjectProfile] = Field(
        default_factory=list, description="capabilities projects are created from"
    )
    projects: list[Project] = Field(default_factory=list, description="projects <unit>-<use case> with their groups")
    glossaries: list[Glossary] = Field(
        default_factory=list, description="business glossaries, deployed in every environment after the projects"
    )
    metadata_forms: list[MetadataForm] = Field(
        default_factory=list, description="metadata form types, deployed in every environment after the glossaries"
    )
    catalogs: list[Catalog] = Field(
        default_factory=list,
        description="domain catalogs: one Glue database <bu>_<env>_catalog per business unit with its tables",
    )
    data_products: list[DataProduct] = Field(
        default_factory=list,
        description="data products: published tables of one owner project under one name, listed as one unit",
    )
    subscriptions: list[Subscription] = Field(
        default_factory=list, description="consumer projects subscribed to published tables or data products"
    )
    shares: list[Share] = Field(
        default_factory=list,
        description="tables shared by Lake Formation from one environment's account to others'",
    )
    teams: list[Team] = Field(
        default_factory=list, description="least-privilege Lake Formation grants of teams on catalog tables"
    )
    workloads: Workloads = Field(
        default_factory=Workloads,
        description=(
            "producer workloads owned by projects, whose output is published as catalog tables (image_ingestion)"
        ),
    )
    organization: Organization | None = Field(
        None, description="the AWS Organization around the mesh: OUs, guardrails, permission sets, audit baseline"
    )
    layout: Layout = Field(
        default_factory=Layout,
        description="how many CloudFormation stacks hold the projects, products, subscriptions, catalogs and units",
    )
    allow_changes: list[AllowedChange] = Field(
        default_factory=list,
        description="stateful resources the change plan may replace or delete, each with a reason (reviewed in git)",
    )

    def blueprint_entries(self) -> list[tuple[Blueprint, list[str] | None]]:
        """(blueprint, environments or None for all) in enabling order."""
        return [(b, None) if isinstance(b, Blueprint) else (b.blueprint, list(b.environments)) for b in self.blueprints]

    def blueprints_in(self, env: str) -> list[Blueprint]:
        return [b for b, envs in self.blueprint_entries() if _in(envs, env)]
