"""The organisation around the mesh: the stacks of the management account (and, with a delegated
Identity Center administrator, of that account; and of the log-archive account), deployed before
any environment, by the pipeline's first stage or first in direct mode.

Parts add their stack here, in the account the part belongs in: ``management_env`` for the
organisation's own (OUs and guardrails, the organisation trail), the Identity Center
administrator's for the permission sets, ``log_archive_env`` for the audit bucket. Each part only
when ``organization.owns`` lists it.
"""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.audit_checks import organization_region
from mesh_config.naming import identity_stack_name, organization_stack_name
from mesh_config.organization import BaselinePart
from mesh_config.permission_set_checks import permission_sets_owned
from stacks.audit_stacks import audit_stacks
from stacks.identity_stack import IdentityStack
from stacks.organization_stack import OrganizationStack

ORGANIZATION_STAGE = "organization"


def guardrails_owned(config: MeshConfig) -> bool:
    """Whether this tool deploys the <org>-organization stack: OUs to create and SCPs or a tag policy on them."""
    organization = config.mesh.organization
    return (
        organization is not None
        and bool(organization.ous)
        and (organization.owns_part(BaselinePart.SCPS) or organization.owns_part(BaselinePart.TAG_POLICY))
    )


def audit_owned(config: MeshConfig) -> bool:
    """Whether this tool deploys the <org>-trail or <org>-log-archive stack."""
    organization = config.mesh.organization
    return organization is not None and any(
        organization.owns_part(p) for p in (BaselinePart.TRAIL, BaselinePart.LOG_ARCHIVE)
    )


def has_organization_stage(config: MeshConfig) -> bool:
    return permission_sets_owned(config.mesh) or guardrails_owned(config) or audit_owned(config)


def organization_targets(config: MeshConfig) -> list[tuple[str, str]]:
    """(account, region) of each stack the stage deploys: the pipeline's change plan reads their
    templates there (through the bootstrap lookup role)."""
    organization = config.mesh.organization
    if organization is None or not has_organization_stage(config):
        return []
    region = organization_region(config.mesh, config.environments[0].region)
    targets: set[tuple[str, str]] = set()
    if guardrails_owned(config) or organization.owns_part(BaselinePart.TRAIL):
        targets.add((organization.management_account, region))
    if organization.owns_part(BaselinePart.LOG_ARCHIVE) and organization.log_archive_account:
        targets.add((organization.log_archive_account, region))
    if permission_sets_owned(config.mesh):
        ic = config.mesh.identity_center
        targets.add((ic.admin_account or organization.management_account, ic.region or region))
    return sorted(targets)


class OrganizationStage(Stage):
    def __init__(self, scope: Construct, construct_id: str = ORGANIZATION_STAGE, *, config: MeshConfig) -> None:
        mesh = config.mesh
        organization = mesh.organization
        if organization is None:
            raise ValueError("OrganizationStage needs mesh.yaml's organization section (has_organization_stage)")
        pipeline_region = mesh.pipeline.region if mesh.pipeline else None
        region = organization.region or pipeline_region or config.environments[0].region
        self.management_env = Environment(account=organization.management_account, region=region)
        self.log_archive_env = (
            Environment(account=organization.log_archive_account, region=region)
            if organization.log_archive_account
            else None
        )
        super().__init__(scope, construct_id, env=self.management_env)
        self.organization: OrganizationStack | None = None
        if guardrails_owned(config):
            self.organization = OrganizationStack(
                self,
                "Organization",
                config=config,
                stack_name=organization_stack_name(mesh.org),
                description=f"{mesh.org} data mesh: organizational units, service control policies, tag policy",
                env=self.management_env,
                # Deleting it takes the guardrails off every mesh account: never by accident.
                termination_protection=True,
            )
        self.identity: IdentityStack | None = None
        if permission_sets_owned(mesh):
            ic = mesh.identity_center
            self.identity = IdentityStack(
                self,
                "Identity",
                config=config,
                stack_name=identity_stack_name(mesh.org),
                description=f"{mesh.org}: IAM Identity Center permission sets and their assignments",
                env=Environment(
                    account=ic.admin_account or organization.management_account, region=ic.region or region
                ),
                termination_protection=True,
            )
        # The organisation trail (management account) and its log archive (log-archive account), the
        # archive first: stacks/audit_stacks.py.
        self.audit = audit_stacks(self, config)
        for key, value in sorted({**mesh.tags}.items()):
            Tags.of(self).add(key, value)
