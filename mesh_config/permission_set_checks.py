"""Rules on Identity Center permission sets that their model alone cannot see: the groups and
environments they name, where they are deployed, and the principals that refer to them by name."""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.management import tools_account_of
from mesh_config.mesh import MeshDefinition
from mesh_config.organization import BaselinePart
from mesh_config.permission_sets import InlinePolicy, PermissionSet, PermissionSetPrincipal, assignments
from mesh_config.yaml_source import YamlDocument

SETS = ("identity_center", "permission_sets")


def permission_sets_owned(mesh: MeshDefinition) -> bool:
    """Whether this tool deploys the mesh's permission sets (the <org>-identity stack)."""
    org = mesh.organization
    return (
        org is not None and org.owns_part(BaselinePart.PERMISSION_SETS) and bool(mesh.identity_center.permission_sets)
    )


def check_permission_sets(
    mesh: MeshDefinition, envs: list[tuple[EnvironmentConfig, YamlDocument]], doc: YamlDocument
) -> list[ConfigIssue]:
    sets = mesh.identity_center.permission_sets
    issues = [
        doc.issue(
            (*SETS, i, "name"),
            f"duplicate permission set '{sets[i].name}'",
            "give each permission set a unique name (Identity Center refuses two with one name)",
        )
        for i in repeated_indexes([ps.name for ps in sets])
    ]
    for i, ps in enumerate(sets):
        issues += _check_set(mesh, i, ps, doc)
    issues += _check_deployment(mesh, envs, doc)
    for env, env_doc in envs:
        issues += _check_references(mesh, env, env_doc, doc)
    return issues


def _check_set(mesh: MeshDefinition, i: int, ps: PermissionSet, doc: YamlDocument) -> list[ConfigIssue]:
    known_groups = mesh.identity_center.groups
    known_envs = mesh.environments
    issues = []
    for j, group, group_envs in ps.group_entries():
        loc = (*SETS, i, "groups", j) if group_envs is None else (*SETS, i, "groups", j, "group")
        if group not in known_groups:
            issues.append(
                doc.issue(
                    loc,
                    f"permission set '{ps.name}' names group '{group}', which is not declared under "
                    "identity_center.groups",
                    f"declare it with its IAM Identity Center group id, or use one of: {choices(known_groups)}",
                )
            )
        for k, env in enumerate(group_envs or []):
            if env not in known_envs:
                issues.append(
                    doc.issue(
                        (*SETS, i, "groups", j, "environments", k),
                        f"unknown environment '{env}'",
                        f"use one of: {choices(known_envs)}",
                    )
                )
    for k, env in enumerate(ps.environments or []):
        if env not in known_envs:
            issues.append(
                doc.issue(
                    (*SETS, i, "environments", k), f"unknown environment '{env}'", f"use one of: {choices(known_envs)}"
                )
            )
    nowhere = ps.environments == [] and all(envs == [] or envs is None for _, _, envs in ps.group_entries())
    if nowhere and not ps.tools_account:
        issues.append(
            doc.issue(
                (*SETS, i, "environments"),
                f"permission set '{ps.name}' is assigned in no account: 'environments' is empty and 'tools_account' "
                "is false",
                "list the environments whose accounts its groups get it in, or set 'tools_account: true'",
            )
        )
    if ps.tools_account and mesh.pipeline is None:
        issues.append(
            doc.issue(
                (*SETS, i, "tools_account"),
                "no tools account is known: 'tools_account: true' assigns the set in pipeline.account",
                "declare the pipeline in mesh.yaml, or set 'tools_account: false'",
            )
        )
    if ps.inline_policy is InlinePolicy.APPROVER and not ps.tools_account:
        issues.append(
            doc.issue(
                (*SETS, i, "tools_account"),
                f"permission set '{ps.name}' has the approver policy but is not assigned in the tools account, where "
                "the pipeline's approver roles are",
                "set 'tools_account: true' (and usually 'environments: []': approvers need nothing in the "
                "environments' accounts)",
            )
        )
    return issues


def _check_deployment(
    mesh: MeshDefinition, envs: list[tuple[EnvironmentConfig, YamlDocument]], doc: YamlDocument
) -> list[ConfigIssue]:
    sets = mesh.identity_center.permission_sets
    if not sets:
        return []
    if not permission_sets_owned(mesh):
        return [
            doc.issue(
                SETS,
                "permission sets are declared but nothing deploys them: the <org>-identity stack needs an "
                "'organization' section whose 'owns' includes permission_sets",
                "add the organization section (owns: [..., permission_sets]), or remove identity_center."
                "permission_sets and name the roles of the landing zone's sets by ARN",
            )
        ]
    issues = []
    instances = sorted({env.identity_center_instance_arn for env, _ in envs})
    if len(instances) > 1:
        first = envs[0][0]
        issues += [
            env_doc.issue(
                ("identity_center_instance_arn",),
                f"environment '{env.name}' names Identity Center instance {env.identity_center_instance_arn}, "
                f"environment '{first.name}' {first.identity_center_instance_arn}: the permission sets live in one "
                "instance",
                "name the organization's Identity Center instance in every environment (an organization has one)",
            )
            for env, env_doc in envs
            if env.identity_center_instance_arn != first.identity_center_instance_arn
        ]
    org = mesh.organization
    admin = mesh.identity_center.admin_account
    if org is not None and admin is not None and admin != org.management_account:
        # A delegated administrator manages every assignment except those to the management account
        # (https://docs.aws.amazon.com/singlesignon/latest/userguide/delegated-admin-how-to-register.html).
        accounts = {env.name: env.account for env, _ in envs}
        tools = mesh.pipeline.account if mesh.pipeline else None
        if org.management_account in {a.account for a in assignments(sets, accounts, tools)}:
            issues.append(
                doc.issue(
                    ("identity_center", "admin_account"),
                    f"a permission set is assigned in the management account {org.management_account}, which the "
                    f"delegated administrator {admin} cannot manage",
                    "keep the management account out of the permission sets' environments and tools account, or "
                    "remove admin_account to deploy the identity stack in the management account",
                )
            )
    return issues


def _check_references(
    mesh: MeshDefinition, env: EnvironmentConfig, env_doc: YamlDocument, mesh_doc: YamlDocument
) -> list[ConfigIssue]:
    """A principal {permission_set: X} resolves to X's role in the tools account: when the mesh
    deploys its permission sets, X must be one of them and be assigned there."""
    pipeline_account = mesh.pipeline.account if mesh.pipeline else None
    refs = [
        (("promotion", "approver_principals", i), p, pipeline_account)
        for i, p in enumerate(env.promotion.approver_principals)
    ] + [
        (("management", "principals", i), p, tools_account_of(env.management, pipeline_account))
        for i, p in enumerate(env.management.principals)
    ]
    declared = {ps.name: ps for ps in mesh.identity_center.permission_sets}
    owned = permission_sets_owned(mesh)
    issues = []
    for loc, principal, account in refs:
        if not isinstance(principal, PermissionSetPrincipal):
            continue
        name = principal.permission_set
        if account is None:
            issues.append(
                env_doc.issue(
                    (*loc, "permission_set"),
                    f"permission set '{name}' is resolved to its role in the tools account, and none is known",
                    "declare the pipeline in mesh.yaml (or set management.tools_account)",
                )
            )
            continue
        if owned and name not in declared:
            issues.append(
                env_doc.issue(
                    (*loc, "permission_set"),
                    f"unknown permission set '{name}'",
                    f"declare it under identity_center.permission_sets in {mesh_doc.file}, or use one of: "
                    f"{choices(declared)}",
                )
            )
        elif owned and not declared[name].tools_account:
            issues.append(
                env_doc.issue(
                    (*loc, "permission_set"),
                    f"permission set '{name}' is not assigned in the tools account {account}, so it has no role there "
                    "to trust",
                    f"set 'tools_account: true' on permission set '{name}' in {mesh_doc.file}",
                )
            )
        elif owned and account != pipeline_account:
            issues.append(
                env_doc.issue(
                    (*loc, "permission_set"),
                    f"permission set '{name}' is assigned in the pipeline's account {pipeline_account}, not in "
                    f"management.tools_account {account}",
                    "name the role in the management tools account by its ARN instead",
                )
            )
    return issues
