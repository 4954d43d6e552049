"""IAM Identity Center permission sets of the mesh (mesh.yaml `identity_center.permission_sets`).

A permission set gives the members of a mesh group console and CLI access to an environment's
account (and, with ``tools_account``, to the tools account, where the pipeline's approver roles
and the management application live). The SMUS portal itself needs none: its users sign in with
Identity Center through the domain's Identity Center application, to which the domain stack
assigns every group of ``identity_center.groups`` ("Data workers use their SSO corporate
identities to log in to the Amazon SageMaker Unified Studio portal",
https://docs.aws.amazon.com/sagemaker-unified-studio/latest/adminguide/user-management.html).

Deployed by the ``<org>-identity`` stack when ``organization.owns`` includes permission_sets.
Principals elsewhere in the config (``management.principals``, ``promotion.approver_principals``)
may name a permission set instead of typing its role's ARN (``{permission_set: DataMeshAdmin}``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mesh_config.formats import Slug, _format

# CreatePermissionSet's Name: 1-32 characters of [\w+=,.@-], \w in Java's ASCII sense
# (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_PermissionSet.html).
PermissionSetName = _format(
    r"^[A-Za-z0-9_+=,.@-]{1,32}$",
    "a permission set name: at most 32 letters, digits and + = , . @ _ - (e.g. DataAnalyst)",
)
# Description: at most 700 characters of tab, newline and printable Latin-1 (same page).
PermissionSetDescription = Annotated[
    _format(
        r"^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$",
        "printable ASCII or Latin-1 text (Identity Center's description rule), at most 700 characters",
    ),
    Field(max_length=700),
]
ManagedPolicyName = _format(
    r"^[A-Za-z0-9_+=,.@-]+(/[A-Za-z0-9_+=,.@-]+)*$",
    "the name of an AWS managed policy, optionally with its path (e.g. AWSCloudFormationReadOnlyAccess, "
    "job-function/ViewOnlyAccess), as in arn:aws:iam::aws:policy/<name>",
)

# The console and the API accept a session of 1 to 12 hours
# (https://docs.aws.amazon.com/singlesignon/latest/userguide/howtosessionduration.html).
MIN_SESSION_HOURS = 1
MAX_SESSION_HOURS = 12
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


def session_minutes(duration: str) -> int | None:
    """Minutes of an ISO-8601 duration PT<h>H<m>M, None for any other form."""
    match = _DURATION.fullmatch(duration)
    if match is None or not any(match.groups()):
        return None
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return hours * 60 + minutes


def _session_duration(value: str) -> str:
    minutes = session_minutes(value)
    if minutes is None:
        raise ValueError(
            f"'{value}' is not an ISO-8601 duration of hours and minutes: write e.g. PT1H, PT8H or PT1H30M"
        )
    if not MIN_SESSION_HOURS * 60 <= minutes <= MAX_SESSION_HOURS * 60:
        raise ValueError(
            f"'{value}' is {minutes} minutes: Identity Center sessions last {MIN_SESSION_HOURS} to "
            f"{MAX_SESSION_HOURS} hours (PT1H to PT12H)"
        )
    return value


SessionDuration = Annotated[
    str,
    AfterValidator(_session_duration),
    Field(description="an ISO-8601 duration between PT1H and PT12H (e.g. PT8H, PT1H30M)", examples=["PT8H"]),
]


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    dupes = sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]
    if dupes:
        raise ValueError(f"listed more than once: {', '.join(dupes)}")
    return values


class InlinePolicy(StrEnum):
    """The mesh's own inline policies, each scoped to the mesh's resources by name."""

    NONE = "none"  # managed policies only
    DATA_ANALYST = (
        "data_analyst"  # Athena queries, Glue catalog read of the mesh's databases; data through Lake Formation
    )
    DATA_ENGINEER = "data_engineer"  # the analyst's, plus the mesh's tables and data-lake buckets
    MESH_ADMIN = "mesh_admin"  # the management app's actions on the domain, the mesh's stacks read-only
    APPROVER = "approver"  # assume the pipeline's approver roles (the only roles that may approve)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class GroupInAccounts(_Model):
    """A group that gets the permission set in some environments only."""

    group: Slug = Field(description="a group declared under identity_center.groups")
    environments: Annotated[list[Slug], AfterValidator(_unique)] = Field(
        description="mesh environments whose accounts the group gets the permission set in (replaces the set's)"
    )


def _unique_groups(groups: list[str | GroupInAccounts]) -> list[str | GroupInAccounts]:
    _unique([g if isinstance(g, str) else g.group for g in groups])
    return groups


class PermissionSet(_Model):
    name: PermissionSetName = Field(description="the permission set's name, shown in the access portal")
    description: PermissionSetDescription = Field("", description="shown in the access portal")
    session_duration: SessionDuration = "PT1H"
    inline_policy: InlinePolicy = Field(
        InlinePolicy.NONE,
        description=(
            "the mesh's inline policy: data_analyst, data_engineer, mesh_admin, approver, or none for managed "
            "policies only"
        ),
    )
    managed_policies: Annotated[list[ManagedPolicyName], AfterValidator(_unique)] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "AWS managed policies attached besides the inline policy, by name; at most 10, IAM's default quota of "
            "managed policies per role"
        ),
        examples=[["AWSCloudFormationReadOnlyAccess"]],
    )
    groups: Annotated[list[Slug | GroupInAccounts], AfterValidator(_unique_groups)] = Field(
        min_length=1,
        description="groups assigned the set: a name, or {group: name, environments: [dev]} for some accounts only",
    )
    environments: Annotated[list[Slug], AfterValidator(_unique)] | None = Field(
        None,
        description=(
            "mesh environments whose accounts the groups get the set in; [] for none (tools account only) "
            "@default every environment"
        ),
    )
    tools_account: bool = Field(
        False,
        description=(
            "also assign the set in the tools account (pipeline.account): needed where the set's role is named by "
            "promotion.approver_principals or management.principals"
        ),
    )

    def group_entries(self) -> list[tuple[int, str, list[str] | None]]:
        """(index, group, its own environments or None) of every group entry."""
        return [
            (i, g, None) if isinstance(g, str) else (i, g.group, list(g.environments))
            for i, g in enumerate(self.groups)
        ]

    def environments_of(self, group_envs: list[str] | None, all_environments: Sequence[str]) -> list[str]:
        if group_envs is not None:
            return group_envs
        return list(all_environments) if self.environments is None else list(self.environments)


class PermissionSetPrincipal(_Model):
    """A principal named by its permission set: the role Identity Center creates for it in the account."""

    permission_set: PermissionSetName = Field(
        description="a permission set's name, resolved to its AWSReservedSSO_<name>_* role in the tools account"
    )


@dataclass(frozen=True)
class Assignment:
    """One permission set given to one group in one account."""

    permission_set: str
    group: str
    account: str


def assignments(
    permission_sets: Sequence[PermissionSet], accounts: dict[str, str], tools_account: str | None
) -> list[Assignment]:
    """Every (set, group, account), once each: environments sharing an account, or the tools
    account being an environment's, give one assignment (CloudFormation refuses a duplicate)."""
    out: dict[tuple[str, str, str], Assignment] = {}
    for ps in permission_sets:
        for _, group, group_envs in ps.group_entries():
            targets = [accounts[e] for e in ps.environments_of(group_envs, list(accounts)) if e in accounts]
            if ps.tools_account and tools_account:
                targets.append(tools_account)
            for account in targets:
                out.setdefault((ps.name, group, account), Assignment(ps.name, group, account))
    return list(out.values())


def sso_role_arn_pattern(partition: str, account: str, permission_set: str) -> str:
    """The ARN of the role Identity Center creates for a permission set in an account, with
    wildcards for what is unknown before the assignment: the Identity Center region and the
    random suffix. Documented form: arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/
    <region>/AWSReservedSSO_<name>_<suffix>
    (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html)."""
    return f"arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{permission_set}_*"


def principal_arns(
    principals: Sequence[str | PermissionSetPrincipal], partition: str, tools_account: str | None
) -> list[str]:
    """The ARNs (wildcards allowed) of principals as the config lists them, permission sets
    resolved to their roles in the tools account."""
    out = []
    for p in principals:
        if isinstance(p, str):
            out.append(p)
        elif tools_account is None:
            # Validation reports this first (check_management, check_permission_sets).
            raise ValueError(f"permission set {p.permission_set} named without a tools account to find its role in")
        else:
            out.append(sso_role_arn_pattern(partition, tools_account, p.permission_set))
    return out
