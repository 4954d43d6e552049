"""Rules on an environment's ``management:`` block that its model alone cannot see: who may assume
the management role, checked against the tools account the mesh declares."""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.management import ManagementAccess, tools_account_of
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import Naming
from mesh_config.regions import partition_of
from mesh_config.retired_keys import ENVIRONMENT_FILE, changed_key, upgrade_note
from mesh_config.yaml_source import YamlDocument

# Where a mesh written before the rule finds what to change; the message names it so that an
# upgrade that breaks `cdk synth` says why and where to read on.
ADMIN_PRINCIPALS_UPGRADE_NOTE = upgrade_note(changed_key(ENVIRONMENT_FILE, "management", "principals").note)


def check_management(mesh: MeshDefinition, env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    """The management role is trusted by the tools account only, its principals must live there,
    and an admin role must name them."""
    management = env.management
    tools = tools_account_of(management, mesh.pipeline.account if mesh.pipeline else None)
    issues = _admin_without_principals(mesh, env, doc, tools)
    if tools is None:
        if "management" in doc.data:
            issues.append(
                doc.issue(
                    ("management",),
                    "no tools account is known to trust with the management role",
                    "set 'tools_account' under management, or declare the pipeline in mesh.yaml",
                )
            )
        return issues
    issues += [
        doc.issue(
            ("management", "principals", i),
            f"principal {arn} is not in the tools account {tools}",
            f"name a role of account {tools} (the account the datamesh CLI runs in), or set management.tools_account",
        )
        for i, arn in enumerate(management.principals)
        # A permission set is resolved to its role in the tools account (check_permission_sets).
        if isinstance(arn, str) and arn.split(":")[4] != tools
    ]
    return issues


def _admin_without_principals(
    mesh: MeshDefinition, env: EnvironmentConfig, doc: YamlDocument, tools: str | None
) -> list[ConfigIssue]:
    """Without principals the role would trust the whole tools account with no condition: anyone
    there whose own IAM policy allows sts:AssumeRole on '*' could decide subscription requests and
    publish assets. Read-only keeps that default; admin must say who."""
    management = env.management
    if management.access is not ManagementAccess.ADMIN or management.principals:
        return []
    role = Naming.of(mesh.org, env).management_role(ManagementAccess.ADMIN.value)
    account = tools or "<tools account>"
    partition = partition_of(env.region)
    example = f"arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataPlatformAdmin_*"
    trusted = f"every principal of the tools account {tools}" if tools else "every principal of the tools account"
    return [
        doc.issue(
            ("management", "principals"),
            f"'access: admin' without 'principals': the admin role {role} would trust {trusted}, with no "
            "condition on who assumes it",
            f"list under management.principals the tools-account roles that may assume it (e.g. {example}), or "
            f"set 'access: readonly'; see {ADMIN_PRINCIPALS_UPGRADE_NOTE}",
        )
    ]
