"""The role through which the datamesh CLI and console act in one environment
(e.g. DataMeshAdmin in the pre-production accounts, DataMeshReadOnly in prod).

IAM and DataZone authorize separately, so the role gets both:
- IAM: exactly the actions the datamesh services call (mesh_config.management), DataZone ones
  on this domain where IAM has a resource type for them and on ``*`` where it has none (every one
  they call today: mesh_constructs/iam_resource_types.py), trusted by the tools account alone:
  the admin role only by the roles ``management.principals`` names, the read-only one optionally
  so;
- DataZone: a user profile of type IAM_ROLE (``AWS::DataZone::UserProfile``, as MDAA registers
  its roles, common-domain-helper.ts), which makes it a domain user: it can search the catalog,
  read glossaries and list projects. The admin role is also in the project member pool and
  PROJECT_OWNER of the producer projects (products stacks): DataZone lets only members of the
  publishing project decide its subscription requests ("the owning project ... can review and
  grant subscriptions", DataZone user guide, review-grant-subscription-to-data-product), and the
  mesh's subscription handler is PROJECT_OWNER for the same reason. Its IAM policy, not the
  designation, keeps it from changing memberships or projects: those belong to the YAML.
- Lake Formation: a read-only administrator, because ListPermissions shows other principals'
  grants only to administrators (written by the account's one settings writer, the domain
  stack's ``LakeFormationSettings``).
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.management import ManagementAccess, management_actions
from mesh_config.management_checks import ADMIN_PRINCIPALS_UPGRADE_NOTE
from mesh_config.permission_sets import principal_arns
from mesh_config.regions import partition_of
from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity, DataZoneHandlerIdentityProps
from mesh_constructs.smus_domain import SmusDomain
from stacks.tools_account_trust import principals_matching


def management_identity(
    scope: Construct, *, config: MeshConfig, env_config: EnvironmentConfig, domain: SmusDomain
) -> DataZoneHandlerIdentity | None:
    """The management role of this environment, or None when no tools account is known."""
    tools_account = config.tools_account(env_config)
    if tools_account is None:
        return None
    stack = Stack.of(scope)
    management = env_config.management
    admin = management.access is ManagementAccess.ADMIN
    if admin and not management.principals:
        # The config layer refuses this with the fix (mesh_config.management_checks); a MeshConfig
        # built in code must not get an admin role that the whole tools account may assume either.
        raise ValueError(
            f"{env_config.name}: management.access admin needs management.principals (see "
            f"{ADMIN_PRINCIPALS_UPGRADE_NOTE})"
        )
    # Read-only without principals: any tools-account principal its own IAM policies allow.
    trusted = (
        principals_matching(principal_arns(management.principals, partition_of(env_config.region), tools_account))
        if management.principals
        else iam.AccountPrincipal(tools_account)
    )
    identity = DataZoneHandlerIdentity(
        scope,
        "Management",
        DataZoneHandlerIdentityProps(
            domain_id=domain.domain_id,
            domain_arn=domain.domain_arn,
            root_domain_unit_id=domain.root_domain_unit_id,
            role_name=config.management_role_name(env_config),
            description=(
                f"datamesh CLI and console in {env_config.name} ({management.access.value}), assumed from the "
                "tools account"
            ),
            assumed_by=trusted,
            joins_projects=admin,
        ),
    )
    actions = management_actions(management.access)
    identity.allow([f"datazone:{a}" for a in actions["datazone"]])
    domain_stack = stack.format_arn(
        service="cloudformation",
        resource="stack",
        resource_name=f"{stack.stack_name}/*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
    identity.policy.add_statements(
        iam.PolicyStatement(
            actions=[f"cloudformation:{a}" for a in actions["cloudformation"]], resources=[domain_stack]
        ),
        # ListPermissions has no resource-level permissions (Service Authorization Reference).
        iam.PolicyStatement(actions=[f"lakeformation:{a}" for a in actions["lakeformation"]], resources=["*"]),
    )
    acknowledge(
        identity.policy,
        "lakeformation:ListPermissions supports no resource-level permissions; the stack ARN ends in an id "
        "CloudFormation assigns, limited to this environment's domain stack by name.",
        wildcard_resource_finding(identity.policy, "*"),
        wildcard_resource_finding(identity.policy, domain_stack),
    )
    return identity
