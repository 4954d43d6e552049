"""The mesh's IAM Identity Center permission sets and their assignments (<org>-identity).

Deployed in the account that administers Identity Center (organization.management_account, or
identity_center.admin_account, the delegated administrator) in Identity Center's region:
AWS::SSO::* resources are managed only there. A delegated administrator manages every permission
set and assignment except those of the management account
(https://docs.aws.amazon.com/singlesignon/latest/userguide/delegated-admin-how-to-register.html;
mesh_config.permission_set_checks refuses such an assignment). Landing Zone Accelerator deploys
its own AWS::SSO resources from the delegated administrator the same way (its
identityCenter.delegatedAdminAccount).

One assignment per group x account, keyed by names (set, group, account) so that adding one
never renames another. An assignment names a group by its Identity Center id; the permission
set's role in each account is created by Identity Center when the assignment is.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_sso as sso
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.permission_sets import PermissionSet, assignments
from mesh_config.promotion import PromotionMode
from mesh_config.regions import partition_of
from mesh_constructs.permission_set_policies import PolicyContext, PolicyTarget, check_policy_size, inline_policy


class IdentityStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: MeshConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        mesh = config.mesh
        envs = {env.name: env for env in config.environments}
        # check_permission_sets makes every environment name the same instance.
        instance_arn = config.environments[0].identity_center_instance_arn
        tools_account = mesh.pipeline.account if mesh.pipeline else None
        tools_partition = partition_of(mesh.pipeline.region) if mesh.pipeline else "aws"
        approvals = [
            e.name
            for e in config.environments
            if e.promotion.mode is PromotionMode.PIPELINE and e.promotion.manual_approval
        ]
        self.permission_sets: dict[str, sso.CfnPermissionSet] = {}
        for ps in mesh.identity_center.permission_sets:
            covered = sorted(
                {e for _, _, g in ps.group_entries() for e in ps.environments_of(g, mesh.environments) if e in envs},
                key=mesh.environments.index,
            )
            targets = [
                PolicyTarget(config.naming(envs[e]), envs[e].region, partition_of(envs[e].region)) for e in covered
            ]
            context = PolicyContext(
                mesh.org, targets, tools_account if ps.tools_account else None, tools_partition, approvals
            )
            self.permission_sets[ps.name] = self._permission_set(ps, instance_arn, context)
        groups = mesh.identity_center.groups
        accounts = {env.name: env.account for env in config.environments}
        self.assignments: list[sso.CfnAssignment] = []
        for a in assignments(mesh.identity_center.permission_sets, accounts, tools_account):
            self.assignments.append(
                sso.CfnAssignment(
                    self,
                    f"{a.permission_set}-{a.group}-{a.account}",
                    instance_arn=instance_arn,
                    permission_set_arn=self.permission_sets[a.permission_set].attr_permission_set_arn,
                    principal_id=groups[a.group],
                    principal_type="GROUP",
                    target_id=a.account,
                    target_type="AWS_ACCOUNT",
                )
            )

    def _permission_set(self, ps: PermissionSet, instance_arn: str, context: PolicyContext) -> sso.CfnPermissionSet:
        policy = inline_policy(ps.inline_policy, context)
        if policy is not None:
            check_policy_size(ps.name, self.resolve(policy))
        return sso.CfnPermissionSet(
            self,
            ps.name,
            instance_arn=instance_arn,
            name=ps.name,
            description=ps.description or None,
            session_duration=ps.session_duration,
            managed_policies=[f"arn:{context.tools_partition}:iam::aws:policy/{name}" for name in ps.managed_policies]
            or None,
            inline_policy=policy,
        )
