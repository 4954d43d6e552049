"""The organisation's stacks in the plan: <org>-organization, <org>-identity and <org>-trail (the
management account, or Identity Center's administrator account) and <org>-log-archive (the
log-archive account), built by stacks/organization_stage.py.

They sit outside every environment's account, so the plan names them by stack, shows them under
"Environment organization" (first: the pipeline deploys them first) and reads their deployed
templates through the bootstrap lookup role of their account (no plan reader role is deployed
there). Their stateful resources (the log archive's bucket and key, the OUs, the permission sets,
the trail) follow the same rule as the environments', and a removal that would only orphan them is
refused too: an orphaned bucket, OU or permission set keeps its name, so adding the section back
fails on "already exists", and an orphaned archive no longer has the policies that protect it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mesh_config import MeshConfig
from mesh_config.naming import identity_stack_name, log_archive_stack_name, organization_stack_name, trail_stack_name
from mesh_plan.assembly import StackTemplate
from mesh_plan.changes import Action, Change

# The plan's name for the organisation's stacks, where an environment's name would be.
ORGANIZATION = "organization"

# A permission set's permissions: CDK's permissions-broadening check (`cdk diff --security-only`)
# reads IAM roles, policies and resource policies, not AWS::SSO::PermissionSet, so the plan says
# which of these changed.
PERMISSION_SET_POLICY_PATHS = (
    "InlinePolicy",
    "ManagedPolicies",
    "CustomerManagedPolicyReferences",
    "PermissionsBoundary",
)
PERMISSION_SET = "AWS::SSO::PermissionSet"


def organization_stack_names(org: str) -> frozenset[str]:
    """Every stack the organisation stage can deploy, whether the configuration owns it now or not
    (a baseline may hold one the target no longer has)."""
    return frozenset(
        {organization_stack_name(org), identity_stack_name(org), trail_stack_name(org), log_archive_stack_name(org)}
    )


def organization_accounts(config: MeshConfig) -> frozenset[str]:
    """The accounts of the organisation's stacks: management, Identity Center administrator, log archive."""
    organization = config.mesh.organization
    if organization is None:
        return frozenset()
    accounts = {organization.management_account, organization.log_archive_account}
    accounts.add(config.mesh.identity_center.admin_account if config.mesh.identity_center else None)
    return frozenset(a for a in accounts if a)


def with_permission_reasons(
    changes: Sequence[Change], baseline: Mapping[str, StackTemplate], target: Mapping[str, StackTemplate]
) -> list[Change]:
    """A permission set updated in place names the permission properties that changed, which no
    broadening check sees: the reviewer reads the policy diff."""
    out = []
    for change in changes:
        if change.resource_type == PERMISSION_SET and change.action is Action.UPDATED:
            before = _properties(baseline, change)
            after = _properties(target, change)
            changed = [p for p in PERMISSION_SET_POLICY_PATHS if before.get(p) != after.get(p)]
            if changed:
                change = replace(change, reasons=(f"permissions changed: {', '.join(changed)}",))
        out.append(change)
    return out


def _properties(side: Mapping[str, StackTemplate], change: Change) -> dict[str, Any]:
    stack = side.get(change.stack)
    resource = stack.resources.get(change.logical_id) if stack is not None else None
    return dict((resource or {}).get("Properties") or {})
