"""A DataZone identity in one domain: the mesh's custom resources' (assumed by Lambda), and the
management roles of the datamesh CLI (assumed from the tools account, ``assumed_by``).

DataZone authorization is separate from IAM: CreateGlossary / CreateFormType are refused (403)
unless the caller is a member of the owning project, and the CloudFormation execution role is
not. So the handlers run as one role per domain that is:

1. an IAM role trusted by Lambda, allowed only the DataZone actions the handlers call
   (``allow``): on this domain where IAM has a resource type for the action, on ``*`` where it
   has none (most DataZone actions: mesh_constructs/iam_resource_types.py);
2. a DataZone user: ``AWS::DataZone::UserProfile`` of type IAM_ROLE, ACTIVATED (MDAA registers
   its custom-resource role the same way, common-domain-helper.ts
   createCustomResourceRoleAndProfile; explicit registration is what MANUAL user assignment
   needs, which MDAA's profile checker otherwise refuses);
3. in the project member pool of the root unit and its children (ADD_TO_PROJECT_MEMBER_POOL, as
   MDAA grants it), without which a project refuses it as a member;
4. PROJECT_OWNER of exactly the projects it acts for (``own_project``), after the grant.

Risk, stated in the README: MDAA issue #61 reports since June 2026 that CloudFormation's
ProjectMembership answers 403 for IAM-role members in some set-ups; the deploy then stops at the
membership with that message, before any glossary, and nothing half-made is left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_datazone as datazone
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, acknowledge_distinct_members, wildcard_resource_finding
from mesh_constructs.iam_resource_types import split_datazone_actions


@dataclass(frozen=True)
class DataZoneHandlerIdentityProps:
    domain_id: str
    domain_arn: str
    root_domain_unit_id: str
    role_name: str
    description: str = "DataZone identity of the mesh's custom resources (glossaries, forms) in one domain"
    # Who assumes the role: the handlers' Lambda functions unless said otherwise (the management
    # roles are assumed from the tools account).
    assumed_by: iam.IPrincipal | None = None
    # Projects accept only members of their unit's member pool; an identity that joins no project
    # (a read-only one) needs no grant.
    joins_projects: bool = True
    max_session_hours: int | None = None


class DataZoneHandlerIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DataZoneHandlerIdentityProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.domain_id = props.domain_id
        self._actions: set[str] = set()
        self.role = iam.Role(
            self,
            "Role",
            role_name=props.role_name,
            assumed_by=props.assumed_by or iam.ServicePrincipal("lambda.amazonaws.com"),
            description=props.description,
            max_session_duration=Duration.hours(props.max_session_hours) if props.max_session_hours else None,
        )
        self.policy = iam.Policy(self, "DataZone", roles=[self.role])
        self.profile = datazone.CfnUserProfile(
            self,
            "UserProfile",
            domain_identifier=props.domain_id,
            user_identifier=self.role.role_arn,
            user_type="IAM_ROLE",
            status="ACTIVATED",
        )
        self.user_profile_id: str = self.profile.attr_id
        self.member_pool: datazone.CfnPolicyGrant | None = None
        if not props.joins_projects:
            return
        self.member_pool = datazone.CfnPolicyGrant(
            self,
            "MemberPool",
            domain_identifier=props.domain_id,
            entity_type="DOMAIN_UNIT",
            entity_identifier=props.root_domain_unit_id,
            policy_type="ADD_TO_PROJECT_MEMBER_POOL",
            detail=datazone.CfnPolicyGrant.PolicyGrantDetailProperty(
                add_to_project_member_pool=datazone.CfnPolicyGrant.AddToProjectMemberPoolPolicyGrantDetailProperty(
                    include_child_domain_units=True
                )
            ),
            principal=datazone.CfnPolicyGrant.PolicyGrantPrincipalProperty(
                user=datazone.CfnPolicyGrant.UserPolicyGrantPrincipalProperty(user_identifier=self.user_profile_id)
            ),
        )

    def allow(self, actions: Sequence[str]) -> None:
        """Let the role call these DataZone actions: on this domain where IAM can scope them to it,
        on ``*`` where the action has no resource type (``allow_datazone_actions``)."""
        new = set(actions) - self._actions
        if not new:
            return
        self._actions |= new
        allow_datazone_actions(self.policy, new, self._props.domain_arn)

    def own_project(
        self, scope: Construct, construct_id: str, project_id: str, designation: str = "PROJECT_OWNER"
    ) -> datazone.CfnProjectMembership:
        """Make the identity a member of a project (PROJECT_OWNER unless said otherwise), once it is
        in the member pool."""
        membership = datazone.CfnProjectMembership(
            scope,
            construct_id,
            domain_identifier=self._props.domain_id,
            project_identifier=project_id,
            designation=designation,
            member=datazone.CfnProjectMembership.MemberProperty(user_identifier=self.user_profile_id),
        )
        if self.member_pool is None:
            raise ValueError(f"{self.node.path} joins no projects (joins_projects=False)")
        membership.node.add_dependency(self.member_pool)
        acknowledge_distinct_members(scope, membership, self._props.domain_id, project_id)
        return membership


def unscoped_datazone_reason(actions: Iterable[str]) -> str:
    """The IAM5 reason for DataZone actions on '*': names each of them."""
    return (
        f"IAM has no resource type for {', '.join(sorted(actions))} (Service Authorization Reference, as cfn-lint "
        "bundles it; mesh_constructs/iam_resource_types.py), so it evaluates them against * and a statement naming "
        "the domain would not allow them. What they reach inside a domain is decided by DataZone's own "
        "authorization (the caller's user profile and project memberships), not by IAM."
    )


def allow_datazone_actions(holder: iam.Policy | iam.Role, actions: Iterable[str], domain_arn: str) -> None:
    """Add DataZone ``actions`` to ``holder``'s policy, split by their IAM resource type: the ones
    with the ``domain`` type on ``domain_arn``, the others on ``*`` (acknowledged, naming them).
    Every DataZone statement of the mesh goes through here, so none is scoped to an ARN IAM
    cannot match."""
    on_domain, unscoped = split_datazone_actions(actions)
    statements = []
    if on_domain:
        statements.append(iam.PolicyStatement(actions=on_domain, resources=[domain_arn]))
    if unscoped:
        statements.append(iam.PolicyStatement(actions=unscoped, resources=["*"]))
        acknowledge(holder, unscoped_datazone_reason(unscoped), wildcard_resource_finding(holder, "*"))
    for statement in statements:
        if isinstance(holder, iam.Policy):
            holder.add_statements(statement)
        else:
            holder.add_to_principal_policy(statement)
