"""The organisation around the mesh: the stacks of the management account (and, with a delegated
Identity Center administrator, of that account), deployed before the environments.

Minimal form with the identity and audit stacks (the log archive is in the log-archive account);
the organisation's OUs and SCPs join it.
"""

from __future__ import annotations

from aws_cdk import Environment, Stage, Tags
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.naming import identity_stack_name
from mesh_config.organization import BaselinePart
from mesh_config.permission_set_checks import permission_sets_owned
from stacks.audit_stacks import audit_stacks
from stacks.identity_stack import IdentityStack

ORGANIZATION_STAGE = "organization"


def has_organization_stage(config: MeshConfig) -> bool:
    organization = config.mesh.organization
    audit = organization is not None and any(
        organization.owns_part(p) for p in (BaselinePart.TRAIL, BaselinePart.LOG_ARCHIVE)
    )
    return permission_sets_owned(config.mesh) or audit


class OrganizationStage(Stage):
    def __init__(self, scope: Construct, construct_id: str = ORGANIZATION_STAGE, *, config: MeshConfig) -> None:
        mesh = config.mesh
        organization = mesh.organization
        if organization is None:
            raise ValueError("OrganizationStage needs mesh.yaml's organization section (has_organization_stage)")
        pipeline_region = mesh.pipeline.region if mesh.pipeline else None
        region = organization.region or pipeline_region or config.environments[0].region
        super().__init__(scope, construct_id, env=Environment(account=organization.management_account, region=region))
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
        # The trail (management account) and its log archive (log-archive account), the archive first.
        self.audit = audit_stacks(self, config)
        for key, value in sorted({**mesh.tags}.items()):
            Tags.of(self).add(key, value)
