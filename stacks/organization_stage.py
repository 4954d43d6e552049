"""The organisation's own stacks, in the management and log-archive accounts, deployed before any
environment. Minimal here (helper AUDIT): only the audit stacks; the organisation and identity
stacks join it (helper ORG / IDENTITY)."""

from __future__ import annotations

from aws_cdk import Stage, Tags
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.organization import BaselinePart
from stacks.audit_stacks import audit_stacks

ORGANIZATION_STAGE = "organization"


def has_organization_stage(config: MeshConfig) -> bool:
    """Whether the organisation owns any part deployed in this stage (only the audit ones here yet)."""
    organization = config.mesh.organization
    return organization is not None and any(
        organization.owns_part(p) for p in (BaselinePart.TRAIL, BaselinePart.LOG_ARCHIVE)
    )


class OrganizationStage(Stage):
    def __init__(self, scope: Construct, construct_id: str = ORGANIZATION_STAGE, *, config: MeshConfig) -> None:
        super().__init__(scope, construct_id)
        self.audit = audit_stacks(self, config)
        for key, value in sorted(config.mesh.tags.items()):
            Tags.of(self).add(key, value)
