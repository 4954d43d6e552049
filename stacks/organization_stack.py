"""<org>-organization, in the management account: the mesh's OUs, the service control policies on
them and the Environment / CostCenter tag policy (mesh_config/organization_policies.py builds the
documents; validation has checked them against the IAM grammar and the size limits).

Accounts are never moved into the OUs here: CloudFormation's AWS::Organizations::Account would
take an existing account over (and ask for its e-mail), so moving one stays a documented manual
step (docs/organization.md, `aws organizations move-account`).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.organization import BaselinePart, Organization
from mesh_config.organization_policies import minified, service_control_policies, tag_policy
from mesh_config.policy_grammar import scp_problems


def ou_paths(organization: Organization) -> list[tuple[str, ...]]:
    """Every OU to create, parents first: each path's prefixes, once (case as first written;
    validation refuses the same name in another case)."""
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}
    for path in organization.ous.values():
        names = tuple(path.split("/"))
        for depth in range(1, len(names) + 1):
            seen.setdefault(tuple(n.lower() for n in names[:depth]), names[:depth])
    return sorted(seen.values(), key=lambda p: (len(p), p))


def as_text(policy: organizations.CfnPolicy, text: str) -> None:
    """Content as the exact string Organizations stores and counts against its size limit: the
    provider schema takes a string or an object (an object CloudFormation serialises as it
    chooses), CDK's L1 only an object."""
    policy.add_property_override("Content", text)


class OrganizationStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: MeshConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        organization: Organization = config.mesh.organization  # type: ignore[assignment]
        self.organizational_units: dict[tuple[str, ...], organizations.CfnOrganizationalUnit] = {}
        for path in ou_paths(organization):
            parent = self.organizational_units.get(tuple(n.lower() for n in path[:-1]))
            unit = organizations.CfnOrganizationalUnit(
                self,
                "OU " + " > ".join(path),
                name=path[-1],
                parent_id=parent.attr_id if parent is not None else organization.root_id,
            )
            # An OU still holding accounts cannot be deleted: removing it from the config leaves it
            # (and its accounts) in place instead of failing the stack's update half-way.
            unit.apply_removal_policy(RemovalPolicy.RETAIN)
            self.organizational_units[tuple(n.lower() for n in path)] = unit
        targets = self._environment_targets(organization)

        self.service_control_policies: list[organizations.CfnPolicy] = []
        if organization.owns_part(BaselinePart.SCPS):
            for policy in service_control_policies(config.mesh.org, organization, list(config.environments)):
                problems = scp_problems(policy.name, policy.document)
                if problems:  # validation refuses these first; never deploy one that slipped through
                    raise ValueError("; ".join(problems))
                scp = organizations.CfnPolicy(
                    self,
                    policy.name,
                    name=policy.name,
                    type="SERVICE_CONTROL_POLICY",
                    description=f"{config.mesh.org} data mesh guardrails on the mesh's OUs (deployed by the mesh)",
                    content=policy.document,
                    target_ids=targets,
                )
                as_text(scp, policy.content())
                self.service_control_policies.append(scp)
        self.tag_policy: organizations.CfnPolicy | None = None
        if organization.owns_part(BaselinePart.TAG_POLICY):
            document = tag_policy(list(config.mesh.environments))
            self.tag_policy = organizations.CfnPolicy(
                self,
                "TagPolicy",
                name=f"{config.mesh.org}-mesh-tags",
                type="TAG_POLICY",
                description=f"{config.mesh.org} data mesh: Environment and CostCenter tag keys and values",
                content=document,
                target_ids=targets,
            )
            as_text(self.tag_policy, minified(document))

    def _environment_targets(self, organization: Organization) -> list[str]:
        """The OU of every environment, once each (a parent's policies reach its children too)."""
        keys = sorted({tuple(n.lower() for n in path.split("/")) for path in organization.ous.values()})
        return [self.organizational_units[key].attr_id for key in keys]
