"""Cross-reference rules that a single pydantic model cannot see.

Each rule appends issues instead of raising, so a user sees every problem in one run.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from mesh_config.blueprints import Blueprint
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import (
    ACCESS_LOGS,
    BUCKET_RULE,
    DATA_LAKE_LAYERS,
    DOMAIN_RULE,
    DOMAIN_UNIT_RULE,
    PROFILE_RULE,
    PROJECT_RULE,
    STACK_RULE,
    NameRule,
    Naming,
)
from mesh_config.placement import (
    FIXED_STACKS_PER_ENVIRONMENT,
    MAX_RESOURCES_PER_STACK,
    MAX_STACKS_PER_ENVIRONMENT,
    business_unit_of,
    project_resource_count,
    project_stack_part,
)
from mesh_config.yaml_source import YamlDocument


def _choices(values: Iterable[str]) -> str:
    listed = sorted(set(values))
    return ", ".join(listed) if listed else "(none declared yet)"


def _duplicates(doc: YamlDocument, section: str, keys: list[str], field: str, what: str) -> list[ConfigIssue]:
    counts = Counter(keys)
    return [
        doc.issue(
            (section, i, field) if field else (section, i),
            f"duplicate {what} '{key}'",
            f"give each {what} a unique value or remove the repeated entry",
        )
        for i, key in enumerate(keys)
        if counts[key] > 1 and keys.index(key) != i
    ]


def check_mesh(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    issues += _duplicates(doc, "environments", mesh.environments, "", "environment")
    issues += _duplicates(doc, "blueprints", [b.value for b in mesh.blueprints], "", "blueprint")
    issues += _check_unit_tree(mesh, doc)
    issues += _check_groups(mesh, doc)
    issues += _check_profiles(mesh, doc)
    issues += _check_projects(mesh, doc)
    return issues


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
                    f"use one of: {_choices(units)}, or remove 'parent' to make it a business unit",
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
        if unit.project_stack_shards != 1:
            issues.append(
                doc.issue(
                    ("domain_units", i, "project_stack_shards"),
                    "project_stack_shards is set on a team unit; projects are stacked per business unit",
                    f"move it to the business unit at the top of '{unit.id}''s tree",
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
    for i, project in enumerate(mesh.projects):
        for role in ("owners", "contributors"):
            refs.append((("projects", i, role), getattr(project, role)))
    issues = []
    for loc, groups in refs:
        for j, group in enumerate(groups):
            if group not in known:
                issues.append(
                    doc.issue(
                        (*loc, j),
                        f"group '{group}' is not declared under identity_center.groups",
                        f"declare it with its IAM Identity Center group id, or use one of: {_choices(known)}",
                    )
                )
    return issues


def _check_profiles(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues = _duplicates(
        doc, "project_profiles", [p.capability for p in mesh.project_profiles], "capability", "profile capability"
    )
    enabled = set(mesh.blueprints)
    for i, profile in enumerate(mesh.project_profiles):
        names = [e.name or e.blueprint.value for e in profile.environments]
        for j, env in enumerate(profile.environments):
            loc = ("project_profiles", i, "environments", j)
            if env.blueprint not in enabled:
                issues.append(
                    doc.issue(
                        (*loc, "blueprint"),
                        f"profile '{profile.capability}' uses blueprint '{env.blueprint.value}', "
                        "which is not enabled in this mesh",
                        f"add '{env.blueprint.value}' to the top-level 'blueprints' list, or use one of: "
                        f"{_choices(b.value for b in mesh.blueprints)}",
                    )
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
    profiles = {p.capability for p in mesh.project_profiles}
    envs = set(mesh.environments)
    for i, project in enumerate(mesh.projects):
        if project.domain_unit not in units:
            issues.append(
                doc.issue(
                    ("projects", i, "domain_unit"),
                    f"project '{project.key}' points at unknown domain unit '{project.domain_unit}'",
                    f"use one of: {_choices(units)}",
                )
            )
        if project.profile not in profiles:
            issues.append(
                doc.issue(
                    ("projects", i, "profile"),
                    f"project '{project.key}' points at unknown project profile '{project.profile}'",
                    f"use one of: {_choices(profiles)}",
                )
            )
        for j, env in enumerate(project.environments or []):
            if env not in envs:
                issues.append(
                    doc.issue(
                        ("projects", i, "environments", j),
                        f"unknown environment '{env}'",
                        f"use one of: {_choices(envs)}",
                    )
                )
        if project.viewers:
            issues.append(
                doc.issue(
                    ("projects", i, "viewers"),
                    f"project '{project.key}' lists viewers, but SageMaker Unified Studio (DataZone V2) projects "
                    "have only the Owner and Contributor designations: CloudFormation's ProjectMembership accepts "
                    "PROJECT_OWNER and PROJECT_CONTRIBUTOR, and a read-only designation would fail the deploy",
                    "remove 'viewers'. Every group declared under identity_center.groups is assigned to the domain "
                    "and can already browse and search the catalog; to query the project's data, make the group "
                    "a contributor, or a member of a consumer project that subscribes to its data products",
                )
            )
        designations: dict[str, list[str]] = defaultdict(list)
        for role in ("owners", "contributors"):
            for group in getattr(project, role):
                designations[group].append(role)
        for group, roles in designations.items():
            if len(roles) > 1:
                issues.append(
                    doc.issue(
                        ("projects", i, roles[1]),
                        f"group '{group}' is both {roles[0]} and {roles[1]} of project '{project.key}'",
                        "a member has one designation per project: keep the group in one list only",
                    )
                )
    return issues


# Redshift Serverless workgroups need subnets in at least three Availability Zones
# (Redshift Serverless "Considerations": a workgroup's subnets must span three AZs).
REDSHIFT_MIN_SUBNETS = 3


def check_network(
    mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """The environment's network against what its project profiles will provision there."""
    subnets = env.network.subnet_ids
    if len(subnets) >= REDSHIFT_MIN_SUBNETS:
        return []
    redshift = [
        p.capability
        for p in mesh.project_profiles
        if any(e.blueprint is Blueprint.REDSHIFT_SERVERLESS for e in p.environments)
    ]
    if not redshift:
        return []
    return [
        env_doc.issue(
            ("network", "subnet_ids"),
            f"project profile(s) {', '.join(redshift)} use RedshiftServerless, which needs subnets in three "
            f"Availability Zones, but {env_doc.file} lists {len(subnets)} subnet(s)",
            f"list at least {REDSHIFT_MIN_SUBNETS} private subnets, each in a different Availability Zone, or "
            f"remove RedshiftServerless from those profiles (in {mesh_doc.file})",
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


def check_names(
    mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """Every derived name of one environment against the CloudFormation constraints."""
    naming = Naming(mesh.org, env.name, env.short, env.account)
    issues: list[ConfigIssue] = []

    def check(rule: NameRule, name: str, doc: YamlDocument, loc: tuple[str | int, ...], fix: str) -> None:
        for problem in rule.problems(name):
            issues.append(doc.issue(loc, f"in environment '{env.name}': {problem}", fix))

    shorten_org = "use a shorter 'org' or environment 'name'"
    check(DOMAIN_RULE, naming.domain(), mesh_doc, ("org",), shorten_org)
    for purpose in (*DATA_LAKE_LAYERS, ACCESS_LOGS):
        check(BUCKET_RULE, naming.bucket(purpose), env_doc, ("name",), shorten_org)
    for i, unit in enumerate(mesh.domain_units):
        check(DOMAIN_UNIT_RULE, naming.domain_unit(unit.id), mesh_doc, ("domain_units", i, "id"), "shorten the id")
    for i, profile in enumerate(mesh.project_profiles):
        check(
            PROFILE_RULE,
            naming.project_profile(profile.capability),
            mesh_doc,
            ("project_profiles", i, "capability"),
            "shorten the capability or the environment's short_name",
        )
    units = {u.id: u for u in mesh.domain_units}
    in_env = [
        (i, p)
        for i, p in enumerate(mesh.projects)
        if (p.environments is None or env.name in p.environments) and p.domain_unit in units
    ]
    stack_load: dict[str, int] = defaultdict(int)
    stack_business_unit: dict[str, str] = {}
    for i, project in in_env:
        check(
            PROJECT_RULE,
            naming.project(project.domain_unit, project.use_case),
            mesh_doc,
            ("projects", i, "use_case"),
            "shorten the use case (or the environment's short_name)",
        )
        part = project_stack_part(project, units)
        stack_load[part] += project_resource_count(project)
        stack_business_unit[part] = business_unit_of(project.domain_unit, units)
    stacks = FIXED_STACKS_PER_ENVIRONMENT + len(stack_load)
    if stacks > MAX_STACKS_PER_ENVIRONMENT:
        issues.append(
            mesh_doc.issue(
                ("domain_units",),
                f"in environment '{env.name}': {stacks} stacks to deploy, but a pipeline stage holds at most "
                f"{MAX_STACKS_PER_ENVIRONMENT} (CodePipeline allows 50 actions per stage)",
                "lower project_stack_shards where units have room, or group projects under fewer business units",
            )
        )
    for part, load in sorted(stack_load.items()):
        check(STACK_RULE, naming.stack(part), mesh_doc, ("org",), shorten_org)
        if load > MAX_RESOURCES_PER_STACK:
            bu = stack_business_unit[part]
            index = next(i for i, u in enumerate(mesh.domain_units) if u.id == bu)
            bu_load = sum(v for p, v in stack_load.items() if stack_business_unit[p] == bu)
            # 70 % target load leaves room for the uneven spread of a hash placement.
            needed = max(units[bu].project_stack_shards + 1, math.ceil(bu_load / (MAX_RESOURCES_PER_STACK * 0.7)))
            issues.append(
                mesh_doc.issue(
                    ("domain_units", index, "project_stack_shards"),
                    f"in environment '{env.name}': stack {naming.stack(part)} would hold {load} resources "
                    f"(limit {MAX_RESOURCES_PER_STACK}, CloudFormation refuses more than 500)",
                    f"set project_stack_shards: {needed} on unit '{bu}'. This re-places the unit's projects, so do "
                    "it before they are deployed, or move some projects to another business unit",
                )
            )
    return issues
