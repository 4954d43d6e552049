"""The organisation around the mesh (mesh.yaml `organization`): the AWS Organization's OUs, the
guardrails on them, Identity Center permission sets, the audit baseline. Optional: without the
section the mesh deploys into accounts it does not govern, as before.

A platform team that already runs a landing zone (Control Tower, Landing Zone Accelerator) lists
in ``owns`` only the parts this tool should create; the others are left to the landing zone.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.audit import Audit
from mesh_config.formats import AccountId, Region, _format

if TYPE_CHECKING:
    from mesh_config.environment import EnvironmentConfig
    from mesh_config.loaded import MeshConfig


class BaselinePart(StrEnum):
    """A part of the organisation baseline this tool can own."""

    SCPS = "scps"  # service control policies on the mesh's OUs (management account)
    TAG_POLICY = "tag_policy"  # the Environment / CostCenter tag policy (management account)
    PERMISSION_SETS = "permission_sets"  # Identity Center permission sets and assignments
    TRAIL = "trail"  # the organisation CloudTrail (management account)
    LOG_ARCHIVE = "log_archive"  # the log-archive bucket (log-archive account)
    ACCOUNT_BASELINE = "account_baseline"  # per account: S3 public access block, EBS default encryption
    GUARDDUTY = "guardduty"  # per account, opt-in
    SECURITY_HUB = "security_hub"  # per account, opt-in
    ACCESS_ANALYZER = "access_analyzer"  # per account, opt-in
    CONFIG = "config"  # AWS Config recorder and data-lake rules per account, opt-in


# What a mesh without a landing zone gets when `owns` is not given: the guardrails, identity and
# audit trail; the detective services (billed per account and event) are opt-in.
DEFAULT_OWNED = (
    BaselinePart.SCPS,
    BaselinePart.TAG_POLICY,
    BaselinePart.PERMISSION_SETS,
    BaselinePart.TRAIL,
    BaselinePart.LOG_ARCHIVE,
    BaselinePart.ACCOUNT_BASELINE,
)

RootId = _format(r"^r-[0-9a-z]{4,32}$", 'the organization root id (e.g. "r-ab12"), from aws organizations list-roots')
OuPath = _format(
    r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}){0,4}$",
    'an OU path under the root, names joined by "/" (e.g. "Mesh/Prod"), at most 5 levels',
)


class Organization(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    management_account: AccountId = Field(
        description="the organization's management account: its OUs, SCPs, tag policy and trail are deployed there",
        examples=["100000000000"],
    )
    region: Region | None = Field(
        None, description="the region of the organisation stacks @default the pipeline's region"
    )
    root_id: RootId = Field(description="the organization root the mesh's OUs are created under")
    ous: dict[str, OuPath] = Field(
        default_factory=dict,
        description=(
            "environment name -> the OU path its account belongs in (created by the tool; moving the account "
            "there is a documented manual step, never done by the deployment)"
        ),
        examples=[{"dev": "Mesh/Dev", "staging": "Mesh/Staging", "prod": "Mesh/Prod"}],
    )
    allowed_regions: list[Region] = Field(
        min_length=1,
        description="regions the mesh's accounts may use; the region SCP denies the others (global services exempt)",
        examples=[["eu-west-1", "eu-central-1"]],
    )
    log_archive_account: AccountId | None = Field(
        None, description="the account holding the audit log bucket (needed when the trail or log_archive is owned)"
    )
    owns: list[BaselinePart] = Field(
        default_factory=lambda: list(DEFAULT_OWNED),
        description=(
            "the baseline parts this tool creates; leave out what a landing zone (Control Tower, Landing Zone "
            "Accelerator) already owns @default scps, tag_policy, permission_sets, trail, log_archive, account_baseline"
        ),
        examples=[["permission_sets", "guardduty"]],
    )

    audit: Audit = Field(
        default_factory=Audit,
        description="how the audit logs are kept (trail log lifecycle, AWS Config rules)",
    )

    def owns_part(self, part: BaselinePart) -> bool:
        return part in self.owns


def guarded_by_organization(config: MeshConfig, env: EnvironmentConfig) -> bool:
    """Whether the mesh's SCPs govern this environment's account (its OU is declared and the SCPs
    are owned): then the roles the SCPs exempt must have the names they name."""
    organization = config.mesh.organization
    return organization is not None and organization.owns_part(BaselinePart.SCPS) and env.name in organization.ous
