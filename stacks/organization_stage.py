"""The organisation around the mesh: the stacks of the management account (and of the log-archive
account), deployed before any environment, by the pipeline's first stage or first in direct mode.

Parts add their stack here, in the account the part belongs in: ``management_env`` for the
organisation's own (OUs and guardrails, permission sets, the organisation trail), and
``log_archive_env`` for the audit bucket. Each part only when ``organization.owns`` lists it.
"""

from __future__ import annotations

from aws_cdk import Environment, Stack, Stage, Tags
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.naming import organization_stack_name
from mesh_config.organization import BaselinePart, Organization
from stacks.organization_stack import OrganizationStack

STAGE_ID = "Organization"  # capitalised: environment names (stage ids too) are lower case


def organization_region(config: MeshConfig) -> str:
    """organization.region, else the pipeline's (validation requires one of them)."""
    organization: Organization = config.mesh.organization  # type: ignore[assignment]
    region = organization.region or (config.mesh.pipeline.region if config.mesh.pipeline else None)
    if region is None:
        raise ValueError("organization.region is required without a pipeline (validation says so first)")
    return region


class OrganizationStage(Stage):
    def __init__(self, scope: Construct, construct_id: str = STAGE_ID, *, config: MeshConfig) -> None:
        organization: Organization = config.mesh.organization  # type: ignore[assignment]
        region = organization_region(config)
        self.management_env = Environment(account=organization.management_account, region=region)
        self.log_archive_env = (
            Environment(account=organization.log_archive_account, region=region)
            if organization.log_archive_account
            else None
        )
        super().__init__(scope, construct_id, env=self.management_env)
        self.organization: OrganizationStack | None = None
        if organization.ous and (
            organization.owns_part(BaselinePart.SCPS) or organization.owns_part(BaselinePart.TAG_POLICY)
        ):
            self.organization = OrganizationStack(
                self,
                "Organization",
                config=config,
                stack_name=organization_stack_name(config.mesh.org),
                description=f"{config.mesh.org} data mesh: organizational units, service control policies, tag policy",
                env=self.management_env,
                # Deleting it takes the guardrails off every mesh account: never by accident.
                termination_protection=True,
            )
        for key, value in sorted(config.mesh.tags.items()):
            Tags.of(self).add(key, value)

    @property
    def stacks(self) -> list[Stack]:
        """The stacks this stage holds (none when the organisation section owns nothing here)."""
        return [child for child in self.node.children if isinstance(child, Stack)]


def organization_stage(scope: Construct, config: MeshConfig) -> OrganizationStage | None:
    """The stage, when the mesh declares an organisation and some part of it has a stack."""
    if config.mesh.organization is None:
        return None
    stage = OrganizationStage(scope, config=config)
    if stage.stacks:
        return stage
    scope.node.try_remove_child(stage.node.id)  # an empty stage would be an empty pipeline stage
    return None
