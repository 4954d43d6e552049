"""Cross-reference rules that a single pydantic model cannot see.

Each rule appends issues instead of raising, so a user sees every problem in one run.
"""

from __future__ import annotations

from collections import defaultdict

from mesh_config.audit_checks import check_audit, check_audit_names, check_budget
from mesh_config.blueprints import Blueprint
from mesh_config.data_product_checks import check_data_products
from mesh_config.derived_names import check_glue_databases, check_mesh_names
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.governance_checks import check_governance
from mesh_config.layout_checks import check_layout, check_quotas
from mesh_config.lineage_checks import check_lineage
from mesh_config.management_checks import check_management
from mesh_config.mesh import DEFAULT_PROFILE_KEY, MeshDefinition, Project, ProjectProfile
from mesh_config.metadata_rule_checks import check_metadata_rules, check_subscription_principals
from mesh_config.naming import (
    ACCESS_LOGS,
    BUCKET_RULE,
    DATA_LAKE_LAYERS,
    DOMAIN_RULE,
    DOMAIN_UNIT_RULE,
    GLUE_DATABASE_RULE,
    IAM_ROLE_RULE,
    PROFILE_RULE,
    PROJECT_RULE,
    NameRule,
    Naming,
    approver_role_name,
    smoke_test_runner_role_name,
)
from mesh_config.network_checks import check_network_form, check_network_overlaps
from mesh_config.notification_checks import check_notifications
from mesh_config.organization_checks import check_organization
from mesh_config.permission_set_checks import check_permission_sets
from mesh_config.product_listing_checks import check_product_listings
from mesh_config.promotion import PromotionMode
from mesh_config.quality_checks import check_quality
from mesh_config.regions import region_problem
from mesh_config.repository_checks import check_repositories
from mesh_config.retired_keys import ENVIRONMENT_FILE, changed_key, upgrade_note
from mesh_config.share_checks import check_share_pii, check_share_regions, check_shares, check_teams
from mesh_config.tags import check_mesh_tag_total, check_tags
from mesh_config.workload_checks import check_workload_environment, check_workloads
from mesh_config.yaml_source import YamlDocument


def _duplicates(doc: YamlDocument, section: str, keys: list[str], field: str, what: str) -> list[ConfigIssue]:
    return [
        doc.issue(
            (section, i, field) if field else (section, i),
            f"duplicate {what} '{keys[i]}'",
            f"give each {what} a unique value or remove the repeated entry",
        )
        for i in repeated_indexes(keys)
    ]


def check_mesh(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    issues += _duplicates(doc, "environments", mesh.environments, "", "environment")
    issues += _duplicates(doc, "blueprints", [b.value for b, _ in mesh.blueprint_entries()], "", "blueprint")
    issues += _check_environment_references(mesh, doc)
    issues += check_tags(mesh.tags, doc, ("tags",))
    issues += check_mesh_tag_total(mesh.tags, doc)
    if mesh.pipeline is not None:
        issues += check_region(mesh.pipeline.region, doc, ("pipeline", "region"))
    issues += _check_group_ids(mesh, doc)
    issues += _check_unit_tree(mesh, doc)
    issues += _check_groups(mesh, doc)
    issues += _check_profiles(mesh, doc)
    issues += _check_projects(mesh, doc)
    issues += check_governance(mesh, doc)
    issues += check_data_products(mesh, doc)
    issues += check_product_listings(mesh, doc)
    issues += check_metadata_rules(mesh, doc)
    issues += check_quality(mesh, doc)
    issues += check_lineage(mesh, doc)
    issues += check_shares(mesh, doc)
    issues += check_teams(mesh, doc)
    issues += check_mesh_names(mesh, doc)
    issues += check_quotas(mesh, doc)
    issues += check_audit(mesh, doc)
    issues += check_workloads(mesh, doc)
    return issues


def check_region(region: str, doc: YamlDocument, loc: tuple[str | int, ...]) -> list[ConfigIssue]:
    found = region_problem(region)
    return [doc.issue(loc, *found)] if found else []


def _check_environment_references(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """Every 'environments' / 'available_in' / profile-map key names an environment of the mesh (projects,
    catalogs, subscriptions and teams alike)."""
    known = set(mesh.environments)
    refs: list[tuple[tuple[str | int, ...], list[str]]] = []
    for i, entry in enumerate(mesh.blueprints):
        if not isinstance(entry, Blueprint):
            refs.append((("blueprints", i, "environments"), list(entry.environments)))
    for i, profile in enumerate(mesh.project_profiles):
        if profile.available_in is not None:
            refs.append((("project_profiles", i, "available_in"), list(profile.available_in)))
    for i, project in enumerate(mesh.projects):
        refs.append((("projects", i, "environments"), list(project.environments or [])))
        for role, j, _, envs in project.member_entries():
            refs.append((("projects", i, role, j, "environments"), envs or []))
    for section in ("catalogs", "subscriptions", "teams"):
        for i, entry in enumerate(getattr(mesh, section)):
            refs.append(((section, i, "environments"), list(entry.environments or [])))
    issues = [
        doc.issue((*loc, j), f"unknown environment '{env}'", f"use one of: {choices(known)}")
        for loc, envs in refs
        for j, env in enumerate(envs)
        if env not in known
    ]
    for i, project in enumerate(mesh.projects):
        if isinstance(project.profile, dict):
            issues += [
                doc.issue(
                    ("projects", i, "profile", key),
                    f"'{key}' is neither an environment nor '{DEFAULT_PROFILE_KEY}'",
                    f"use '{DEFAULT_PROFILE_KEY}' or one of: {choices(known)}",
                )
                for key in project.profile
                if key != DEFAULT_PROFILE_KEY and key not in known
            ]
    return issues


def _check_group_ids(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    names_by_id: dict[str, list[str]] = defaultdict(list)
    for name, group_id in mesh.identity_center.groups.items():
        names_by_id[group_id.lower()].append(name)
    return [
        doc.issue(
            ("identity_center", "groups", names[1]),
            f"groups {', '.join(repr(n) for n in names)} map to the same Identity Center group id {group_id}",
            "keep one name per group (DataZone would get the same group twice: duplicate profiles, owners and "
            "memberships fail), or correct the id",
        )
        for group_id, names in names_by_id.items()
        if len(names) > 1
    ]


def _check_unit_tree(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues = _duplicates(doc, "domain_units", [u.id for u in mesh.domain_units], "id", "domain unit id")
    units = {u.id: u for u in mesh.domain_units}
    for i, unit in enumerate(mesh.domain_units):
        if unit.parent is None:
            continue
        if unit.parent not in units:
            issues.append(
                doc.issue(
                    ("domain_units", i, "parent"),
                    f"unit '{unit.id}' has parent '{unit.parent}', which is not a declared domain unit (orphan)",
                    f"use one of: {choices(units)}, or remove 'parent' to make it a business unit",
                )
            )
            continue
        if not unit.id.startswith(f"{unit.parent}-"):
            issues.append(
                doc.issue(
                    ("domain_units", i, "id"),
                    f"team unit id '{unit.id}' does not start with its parent '{unit.parent}-' "
                    "(convention <bu>-<team>-domain-unit)",
                    f"rename it to '{unit.parent}-{unit.id}'",
                )
            )
    # Cycle detection: walk up from every unit; a walk that revisits a unit is a cycle.
    reported: set[frozenset[str]] = set()
    for i, unit in enumerate(mesh.domain_units):
        path = [unit.id]
        current = unit
        while current.parent is not None and current.parent in units:
            if current.parent in path:
                cycle = [*path[path.index(current.parent) :], current.parent]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    issues.append(
                        doc.issue(
                            ("domain_units", i, "parent"),
                            f"the domain-unit tree has a cycle: {' -> '.join(cycle)}",
                            "make one unit of the cycle a business unit (no parent) or point it at another unit",
                        )
                    )
                break
            path.append(current.parent)
            current = units[current.parent]
    return issues


def _check_groups(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    known = mesh.identity_center.groups
    refs: list[tuple[tuple[str | int, ...], list[str]]] = [(("domain", "administrators"), mesh.domain.administrators)]
    for i, unit in enumerate(mesh.domain_units):
        refs += [(("domain_units", i, "owners"), unit.owners)]
        refs += [(("domain_units", i, "project_creators"), unit.project_creators)]
    issues = []
    for i, project in enumerate(mesh.projects):
        for role, j, group, envs in project.member_entries():
            if group not in known:
                loc = ("projects", i, role, j) if envs is None else ("projects", i, role, j, "group")
                issues.append(
                    doc.issue(
                        loc,
                        f"group '{group}' is not declared under identity_center.groups",
                        f"declare it with its IAM Identity Center group id, or use one of: {choices(known)}",
                    )
                )
    for loc, groups in refs:
        for j, group in enumerate(groups):
            if group not in known:
                issues.append(
                    doc.issue(
                        (*loc, j),
                        f"group '{group}' is not declared under identity_center.groups",
                        f"declare it with its IAM Identity Center group id, or use one of: {choices(known)}",
                    )
                )
    return issues


def _check_profiles(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues = _duplicates(
        doc, "project_profiles", [p.capability for p in mesh.project_profiles], "capability", "profile capability"
    )
    for i, profile in enumerate(mesh.project_profiles):
        names = [e.name or e.blueprint.value for e in profile.environments]
        for j, env in enumerate(profile.environments):
            loc = ("project_profiles", i, "environments", j)
            missing_in = [
                e for e in mesh.environments if profile.exists_in(e) and env.blueprint not in mesh.blueprints_in(e)
            ]
            if missing_in:
                issues.append(
                    doc.issue(
                        (*loc, "blueprint"),
                        f"profile '{profile.capability}' uses blueprint '{env.blueprint.value}', which is not enabled "
                        f"in environment(s) {', '.join(missing_in)}",
                        f"enable '{env.blueprint.value}' there in the top-level 'blueprints' list, limit the profile "
                        f"with 'available_in', or use one of: {choices(b.value for b, _ in mesh.blueprint_entries())}",
                    )
                )
            issues += _duplicates(
                doc,
                f"project_profiles[{i}].environments[{j}].parameter_overrides",
                [o.name for o in env.parameter_overrides],
                "name",
                "parameter override",
            )
            if names.count(names[j]) > 1 and names.index(names[j]) != j:
                issues.append(
                    doc.issue(
                        (*loc, "name"),
                        f"environment name '{names[j]}' appears twice in profile '{profile.capability}'",
                        "give the second one a distinct 'name'",
                    )
                )
        tooling = [e for e in profile.environments if e.blueprint is Blueprint.TOOLING]
        if not tooling:
            issues.append(
                doc.issue(
                    ("project_profiles", i, "environments"),
                    f"profile '{profile.capability}' has no Tooling environment; every SMUS project needs one",
                    "add an environment with 'blueprint: Tooling' and 'deployment_order: 0'",
                )
            )
        elif min(e.deployment_order for e in profile.environments) < tooling[0].deployment_order:
            issues.append(
                doc.issue(
                    ("project_profiles", i, "environments"),
                    f"profile '{profile.capability}' deploys another environment before Tooling",
                    "give Tooling the lowest deployment_order (0) so its network and roles exist first",
                )
            )
    return issues


def _check_projects(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues = _duplicates(doc, "projects", [p.key for p in mesh.projects], "use_case", "project (unit + use case)")
    units = {u.id for u in mesh.domain_units}
    profiles = {p.capability: p for p in mesh.project_profiles}
    for i, project in enumerate(mesh.projects):
        if project.domain_unit not in units:
            issues.append(
                doc.issue(
                    ("projects", i, "domain_unit"),
                    f"project '{project.key}' points at unknown domain unit '{project.domain_unit}'",
                    f"use one of: {choices(units)}",
                )
            )
        issues += _check_project_profile(mesh, doc, i, project, profiles)
        reported: set[str] = set()
        for env in mesh.environments:
            if not project.exists_in(env):
                continue
            if not project.owners_in(env):
                issues.append(
                    doc.issue(
                        ("projects", i, "owners"),
                        f"project '{project.key}' has no owner in environment '{env}'",
                        "add a group without 'environments' to owners, or include this environment",
                    )
                )
            both = set(project.owners_in(env)) & set(project.contributors_in(env))
            for group in sorted(both - reported):
                reported.add(group)
                issues.append(
                    doc.issue(
                        ("projects", i, "contributors"),
                        f"group '{group}' is both owners and contributors of project '{project.key}' in '{env}'",
                        "a member has one designation per project: keep the group in one list only (or give the "
                        "two entries disjoint 'environments')",
                    )
                )
    return issues


def _check_project_profile(
    mesh: MeshDefinition, doc: YamlDocument, i: int, project: Project, profiles: dict[str, ProjectProfile]
) -> list[ConfigIssue]:
    """The profile (or per-environment profiles) exists, and exists in each of the project's environments."""
    issues = []
    named = [project.profile] if isinstance(project.profile, str) else list(dict.fromkeys(project.profile.values()))
    for capability in named:
        if capability not in profiles:
            key = (
                ()
                if isinstance(project.profile, str)
                else (next(k for k, v in project.profile.items() if v == capability),)
            )
            issues.append(
                doc.issue(
                    ("projects", i, "profile", *key),
                    f"project '{project.key}' points at unknown project profile '{capability}'",
                    f"use one of: {choices(profiles)}",
                )
            )
    if issues:
        return issues
    for env in mesh.environments:
        if not project.exists_in(env):
            continue
        capability = project.profile_in(env)
        if capability is None:
            issues.append(
                doc.issue(
                    ("projects", i, "profile"),
                    f"project '{project.key}' has no profile for environment '{env}'",
                    f"add '{env}: <capability>' or a '{DEFAULT_PROFILE_KEY}: <capability>' entry",
                )
            )
        elif not profiles[capability].exists_in(env):
            issues.append(
                doc.issue(
                    ("projects", i, "profile"),
                    f"project '{project.key}' uses profile '{capability}' in environment '{env}', where that "
                    "profile does not exist (its available_in leaves it out)",
                    f"add '{env}' to the profile's available_in, choose another profile for '{env}' "
                    f"(profile: {{{DEFAULT_PROFILE_KEY}: {capability}, {env}: <capability>}}), or limit the "
                    "project's environments",
                )
            )
    return issues


# Redshift Serverless workgroups need subnets in at least three Availability Zones
# (Redshift Serverless "Considerations": a workgroup's subnets must span three AZs).
REDSHIFT_MIN_SUBNETS = 3
# Rules that refuse what earlier releases accepted point to their upgrade notes.
_SUBNETS = changed_key(ENVIRONMENT_FILE, "network", "subnet_ids")
_APPROVERS = changed_key(ENVIRONMENT_FILE, "promotion", "approver_principals")


def check_network(
    mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """The environment's network against what its project profiles will provision there."""
    subnets = env.network.subnet_ids
    # A created VPC always has three subnets in three zones; an empty list is check_network_form's.
    if env.network.create is not None or not subnets or len(subnets) >= REDSHIFT_MIN_SUBNETS:
        return []
    redshift = [
        p.capability
        for p in mesh.project_profiles
        if p.exists_in(env.name) and any(e.blueprint is Blueprint.REDSHIFT_SERVERLESS for e in p.environments)
    ]
    if not redshift:
        return []
    return [
        env_doc.issue(
            ("network", "subnet_ids"),
            f"project profile(s) {', '.join(redshift)} use RedshiftServerless, which needs subnets in three "
            f"Availability Zones, but {env_doc.file} lists {len(subnets)} subnet(s)",
            f"list at least {REDSHIFT_MIN_SUBNETS} private subnets, each in a different Availability Zone, or "
            f"remove RedshiftServerless from those profiles (in {mesh_doc.file}); see {upgrade_note(_SUBNETS.note)}",
        )
    ]


def check_environment(env: EnvironmentConfig, doc: YamlDocument, expected_name: str) -> list[ConfigIssue]:
    issues = []
    if env.name != expected_name:
        issues.append(
            doc.issue(
                ("name",),
                f"file {doc.file} declares environment '{env.name}'",
                f"set 'name: {expected_name}' (the name must match the file name listed in mesh.yaml)",
            )
        )
    issues += check_region(env.region, doc, ("region",))
    issues += check_tags(env.tags, doc, ("tags",))
    issues += _duplicates(doc, "network.subnet_ids", list(env.network.subnet_ids), "", "subnet")
    issues += check_network_form(env, doc)
    issues += _check_promotion(env, doc)
    issues += check_budget(env, doc)
    if env.project_artifacts_s3_uri is not None and env.project_artifacts_kms_key_arn is None:
        issues.append(
            doc.issue(
                ("project_artifacts_s3_uri",),
                "project_artifacts_s3_uri is set without project_artifacts_kms_key_arn: SMUS project roles may only "
                "use the KMS key passed beside the S3 location, so notebooks and workflows could not read or write it",
                "add project_artifacts_kms_key_arn with the ARN of the key that encrypts that bucket, or remove "
                "project_artifacts_s3_uri to use the foundation's project storage bucket and key",
            )
        )
    if env.project_artifacts_kms_key_arn is not None and env.project_artifacts_s3_uri is None:
        issues.append(
            doc.issue(
                ("project_artifacts_kms_key_arn",),
                "project_artifacts_kms_key_arn is set without project_artifacts_s3_uri; the foundation's project "
                "storage bucket has its own key",
                "remove project_artifacts_kms_key_arn, or add the project_artifacts_s3_uri that this key encrypts",
            )
        )
    return issues


def _check_promotion(env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    promotion = env.promotion
    issues = []
    if promotion.mode is PromotionMode.DIRECT:
        set_keys = [
            k
            for k in ("wave", "manual_approval", "approvers", "approver_principals", "confirm_permissions_broadening")
            if getattr(promotion, k)
        ]
        return [
            doc.issue(
                ("promotion", key),
                f"'{key}' has no effect: environment '{env.name}' is deployed directly, never by the pipeline",
                "remove it, or set 'mode: pipeline'",
            )
            for key in set_keys
        ]
    if not promotion.manual_approval:
        for key in ("approvers", "approver_principals"):
            if getattr(promotion, key):
                issues.append(
                    doc.issue(
                        ("promotion", key),
                        f"'{key}' is set but manual_approval is false: the stage would deploy without waiting for them",
                        "set 'manual_approval: true' under promotion, or remove the list",
                    )
                )
    elif not promotion.approver_principals:
        issues.append(
            doc.issue(
                ("promotion", "approver_principals"),
                f"environment '{env.name}' waits for a manual approval, but no one is named who may give it",
                _APPROVERS.fix_with_note,
            )
        )
    return issues


def check_environments(
    mesh: MeshDefinition, envs: list[tuple[EnvironmentConfig, YamlDocument]], mesh_doc: YamlDocument
) -> list[ConfigIssue]:
    """Rules across environments: one account each, waves of neighbours in the promotion chain, no
    pii column shared to an environment without production data, and Glue database names unique in
    each account's catalog."""
    issues = check_share_pii(mesh, {env.name: env for env, _ in envs}, mesh_doc)
    issues += check_share_regions(mesh, {env.name: env for env, _ in envs}, mesh_doc)
    issues += check_glue_databases(mesh, [env for env, _ in envs], mesh_doc)
    issues += check_subscription_principals(mesh, envs, mesh_doc)
    issues += check_network_overlaps(envs)
    first_in_account: dict[str, str] = {}
    for env, doc in envs:
        other = first_in_account.setdefault(env.account, env.name)
        if other != env.name and env.shared_account_reason is None:
            issues.append(
                doc.issue(
                    ("account",),
                    f"environment '{env.name}' uses account {env.account}, which environment '{other}' already uses",
                    "give each environment its own account (one account per environment), or, if this is "
                    "deliberate, say why with 'shared_account_reason: <why>' in this file",
                )
            )
    for env, doc in envs:
        issues += check_management(mesh, env, doc)
        issues += check_notifications(mesh, env, doc)
    issues += check_permission_sets(mesh, envs, mesh_doc)
    issues += check_organization(mesh, envs, mesh_doc)
    issues += check_repositories(mesh, envs, mesh_doc)
    pipeline_envs = [(e, d) for e, d in envs if e.promotion.mode is PromotionMode.PIPELINE]
    seen_waves: set[str] = set()
    previous: str | None = None
    for env, doc in pipeline_envs:
        wave = env.promotion.wave
        if wave is not None and wave != previous and wave in seen_waves:
            issues.append(
                doc.issue(
                    ("promotion", "wave"),
                    f"wave '{wave}' is split: its environments are not next to each other in the promotion order",
                    f"reorder the environments in {mesh_doc.file} so that wave '{wave}' is contiguous, or rename it",
                )
            )
        if wave is not None:
            seen_waves.add(wave)
        previous = wave
    return issues


def check_names(
    mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """Every derived name of one environment against the CloudFormation constraints."""
    naming = Naming.of(mesh.org, env)
    issues: list[ConfigIssue] = []

    def check(rule: NameRule, name: str, doc: YamlDocument, loc: tuple[str | int, ...], fix: str) -> None:
        for problem in rule.problems(name):
            issues.append(doc.issue(loc, f"in environment '{env.name}': {problem}", fix))

    shorten_org = "use a shorter 'org' or environment 'name'"
    check(DOMAIN_RULE, naming.domain(), mesh_doc, ("org",), shorten_org)
    roles = [
        naming.smoke_test_role(),
        approver_role_name(mesh.org, env.name),
        smoke_test_runner_role_name(mesh.org, env.name),
        naming.datazone_handler_role(),
        naming.lake_formation_data_access_role(),
        naming.catalog_handler_role(),
        naming.subscription_handler_role(),
    ]
    for role in roles:
        check(IAM_ROLE_RULE, role, mesh_doc, ("org",), shorten_org)
    for purpose in (*DATA_LAKE_LAYERS, ACCESS_LOGS):
        check(BUCKET_RULE, naming.bucket(purpose), env_doc, ("name",), shorten_org)
    for i, unit in enumerate(mesh.domain_units):
        check(DOMAIN_UNIT_RULE, naming.domain_unit(unit.id), mesh_doc, ("domain_units", i, "id"), "shorten the id")
    for i, profile in enumerate(mesh.project_profiles):
        if not profile.exists_in(env.name):
            continue
        check(
            PROFILE_RULE,
            naming.project_profile(profile.capability),
            mesh_doc,
            ("project_profiles", i, "capability"),
            "shorten the capability or the environment's short_name",
        )
    for i, catalog in enumerate(mesh.catalogs):
        if not catalog.exists_in(env.name):
            continue
        check(
            GLUE_DATABASE_RULE,
            naming.catalog_database(catalog.business_unit, catalog.database),
            mesh_doc,
            ("catalogs", i, "business_unit"),
            "shorten the business unit id or the environment name",
        )
    for i, project in enumerate(mesh.projects):
        if project.exists_in(env.name):
            check(
                PROJECT_RULE,
                naming.project(project.domain_unit, project.use_case),
                mesh_doc,
                ("projects", i, "use_case"),
                "shorten the use case (or the environment's short_name)",
            )
    issues += check_layout(mesh, env, mesh_doc)
    issues += check_audit_names(mesh, env, mesh_doc, env_doc)
    issues += check_workload_environment(mesh, env, mesh_doc)
    return issues
