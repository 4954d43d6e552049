"""The CloudFormation limits of every stack of one environment, estimated from the configuration
before anything is synthesized, each refusal naming the limit and the `layout` count that fixes it.

The number of stacks is not a limit: an environment that needs more than a pipeline stage holds
deploys over several (stacks/pipeline_stage_split.py). What bounds a stack is CloudFormation's
500 resources, 200 outputs and 1 MB template, and what bounds the domain is DataZone's quotas.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import EXPORT_RULE, IAM_ROLE_RULE, STACK_RULE, Naming
from mesh_config.placement import (
    CATALOG_RESOURCES,
    CATALOGS_FIXED_OUTPUTS,
    CATALOGS_FIXED_RESOURCES,
    DOMAIN_FIXED_OUTPUTS,
    GOVERNANCE_FIXED_OUTPUTS,
    MAX_OUTPUTS_PER_STACK,
    MAX_PARAMETERS_PER_STACK,
    MAX_RESOURCES_PER_STACK,
    MAX_TEMPLATE_BYTES,
    MEMBERS_STACK_FIXED_RESOURCES,
    NESTED_UNITS_FIXED_PARAMETERS,
    NESTED_UNITS_FIXED_RESOURCES,
    PRODUCER_FIXED_RESOURCES,
    PRODUCTS_STACK_FIXED_BYTES,
    PRODUCTS_STACK_FIXED_RESOURCES,
    PROJECTS_STACK_FIXED_RESOURCES,
    ROOT_UNIT,
    SUBSCRIPTIONS_FIXED_RESOURCES,
    catalog_stack_part,
    construct_id_of,
    domain_resource_count,
    governance_resource_count,
    has_governance_stack,
    member_pools,
    membership_stack_part,
    product_template_bytes,
    products_stack_part,
    project_membership_count,
    project_stack_part,
    referenced_projects,
    subscribed_projects,
    subscription_key,
    subscription_stack_part,
    unit_ancestors,
    unit_groups,
    unit_resource_counts,
    unit_stack_part,
)
from mesh_config.yaml_source import YamlDocument

# DataZone's quotas per domain (Amazon DataZone User Guide, "Quotas for Amazon DataZone"; Service
# Quotas shows an account's own values). Refused here because a deployment would stop half-way at
# the first CreateDomainUnit or CreateGlossaryTerm beyond them. The guide lists no quota of projects.
MAX_DOMAIN_UNITS = 500
MAX_UNIT_LEVELS = 5
MAX_GLOSSARIES = 1_000
MAX_GLOSSARY_TERMS = 10_000
MAX_GRANTS_PER_POLICY = 20  # grants per policy per domain unit
QUOTAS_DOC = "https://docs.aws.amazon.com/datazone/latest/userguide/datazone-limits.html"

# A hash placement is uneven: the fix asks for pools sized to 70 % of a stack's limit on average.
TARGET_LOAD = 0.7

LAYOUT_DOC = "docs/large-meshes.md"


@dataclass
class StackLoad:
    """What one stack will hold: its resources, outputs, parameters and template bytes, and the layout field
    whose count spreads it (None for a stack no count splits)."""

    layout_field: str | None
    resources: int = 0
    outputs: int = 0
    parameters: int = 0
    template_bytes: int = 0
    items: set[str] = field(default_factory=set)


def stack_loads(mesh: MeshDefinition, env: EnvironmentConfig) -> dict[str, StackLoad]:
    """Stack-name suffix -> its estimated load in ``env``, for every stack whose size grows with
    the mesh (the foundation's and the sharing stages' do not, or are checked elsewhere)."""
    layout = mesh.layout
    units = {u.id: u for u in mesh.domain_units}
    loads: dict[str, StackLoad] = {}

    def load(part: str, layout_field: str | None) -> StackLoad:
        return loads.setdefault(part, StackLoad(layout_field))

    referenced = referenced_projects(mesh, env.name)
    share_principals = {
        key for s in mesh.shares for c in s.consumers if c.environment == env.name for key in c.principals.projects
    }
    for project in mesh.projects:
        if not project.exists_in(env.name) or project.domain_unit not in units:
            continue
        entry = load(project_stack_part(project, layout), "project_stacks")
        if not entry.items:
            entry.resources += PROJECTS_STACK_FIXED_RESOURCES
        # The id published for the shared-data stage (an SSM parameter).
        entry.resources += 1 + (project.key in share_principals)
        entry.items.add(project.key)
        members_part = membership_stack_part(project, layout)
        if members_part is None:
            entry.resources += project_membership_count(project, env.name)
            entry.outputs += project.key in referenced
            continue
        # Its memberships read its id from the projects stack: every project's id is an output there.
        entry.outputs += 1
        members = load(members_part, "membership_stacks")
        if not members.items:
            members.resources += MEMBERS_STACK_FIXED_RESOURCES
        members.resources += project_membership_count(project, env.name)
        members.items.add(project.key)

    domain = load("domain", "unit_stacks")
    domain.resources += domain_resource_count(mesh, env.name)
    # Every unit, group and profile counted as imported by some stack: an upper bound.
    domain.outputs += DOMAIN_FIXED_OUTPUTS + len(mesh.identity_center.groups) + len(mesh.project_profiles)
    counts = unit_resource_counts(mesh, env.name)
    groups = unit_groups(mesh, env.name)
    nested_groups: dict[str, set[str]] = defaultdict(set)
    for unit in mesh.domain_units:
        part = unit_stack_part(unit.id, units, layout)
        count = counts[unit.id]
        if part is None:
            domain.resources += count
            domain.outputs += 1
            continue
        nested = load(part, "unit_stacks")
        if not nested.items:
            domain.resources += 1  # the AWS::CloudFormation::Stack of the nested stack
            # The domain's id and its root unit's, passed from the domain stack as parameters.
            nested.resources += NESTED_UNITS_FIXED_RESOURCES
            nested.parameters += NESTED_UNITS_FIXED_PARAMETERS
            # One profile id per profile of the environment, passed to every creation grant.
            nested.parameters += sum(p.exists_in(env.name) for p in mesh.project_profiles)
        nested.resources += count
        # Its id, exported by name for the projects and governance stacks (Fn::ImportValue), so
        # the domain stack does not re-export hundreds of nested ids.
        nested.outputs += 1
        nested_groups[part] |= groups[unit.id]
        nested.items.add(unit.id)
    for part, names in nested_groups.items():
        loads[part].parameters += len(names)

    projects = {p.key for p in mesh.projects}
    catalogs = [c for c in mesh.catalogs if c.exists_in(env.name)]
    if catalogs:
        # With every database in it (catalog_stacks 0) the count that relieves it is catalog_stacks.
        base = load("catalogs", "catalog_stacks" if layout.catalog_stacks == 0 else None)
        base.resources += CATALOGS_FIXED_RESOURCES
        base.outputs += CATALOGS_FIXED_OUTPUTS
    for catalog in catalogs:
        entry = load(catalog_stack_part(catalog.business_unit, layout), "catalog_stacks")
        entry.resources += CATALOG_RESOURCES
        entry.outputs += 1  # the database name
        entry.items.add(catalog.business_unit)
        for producer in catalog.producers():
            if producer not in projects:
                continue  # reported by the data-product rules
            entry = load(products_stack_part(producer, layout), "product_stacks")
            if not entry.items:
                entry.resources += PRODUCTS_STACK_FIXED_RESOURCES
                entry.template_bytes += PRODUCTS_STACK_FIXED_BYTES
            entry.resources += PRODUCER_FIXED_RESOURCES + len(catalog.tables_of(producer))
            entry.template_bytes += product_template_bytes(catalog, producer)
            entry.items.add(producer)

    by_part: dict[str, list] = defaultdict(list)
    for sub in mesh.subscriptions:
        if sub.exists_in(env.name):
            by_part[subscription_stack_part(sub, layout)].append(sub)
    for part, subs in by_part.items():
        entry = load(part, "subscription_stacks")
        # One custom resource per subscription, one handler membership per project involved.
        entry.resources += SUBSCRIPTIONS_FIXED_RESOURCES + len(subs) + len(subscribed_projects(mesh, subs))
        # The extra principals' grant set of a subscription (an upper bound: every environment's).
        entry.resources += sum(1 for s in subs if s.extra_principals)
        entry.items |= {subscription_key(s) for s in subs}

    if has_governance_stack(mesh):
        governance = load("governance", None)
        governance.resources += governance_resource_count(mesh)
        governance.outputs += GOVERNANCE_FIXED_OUTPUTS + 2 * len(mesh.glossaries) + len(mesh.metadata_forms)
    produced = [s for s in mesh.shares if s.producer == env.name]
    if produced:
        # One grant per consumer and table, plus a filter where filtered, and one per consumer.
        load("shares", None).resources += sum(
            1 + sum(2 if c.filter else 1 for _ in s.tables) for s in produced for c in s.consumers
        )
    return loads


# What stack_loads leaves out, because it does not grow with the mesh: per environment the
# foundation (17 resources in the example) and the team grants' fixed part; once, the pipeline
# stack and its cross-region support stacks (55 in the example, more with several regions).
UNESTIMATED_RESOURCES_PER_ENVIRONMENT = 30
PIPELINE_RESOURCES = 120


def synth_resources(mesh: MeshDefinition, environments: Sequence[EnvironmentConfig]) -> int:
    """The resources a synth of the pipeline and ``environments`` writes, from the same per-stack
    estimate validation holds every stack to (the synth step's compute follows it)."""
    return PIPELINE_RESOURCES + sum(
        UNESTIMATED_RESOURCES_PER_ENVIRONMENT + sum(load.resources for load in stack_loads(mesh, env).values())
        for env in environments
    )


def check_layout(mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument) -> list[ConfigIssue]:
    """Every stack of ``env`` within CloudFormation's limits, and the domain within DataZone's."""
    naming = Naming.of(mesh.org, env)
    loads = stack_loads(mesh, env)
    issues = [
        mesh_doc.issue(("org",), f"in environment '{env.name}': {problem}", "use a shorter 'org' or environment 'name'")
        for part in sorted(loads)
        if not part.startswith("units-")  # nested stacks are named by CloudFormation
        for problem in STACK_RULE.problems(naming.stack(part))
    ]
    # Each subscriptions stack has a handler role of its own (a project membership is per identity).
    issues += [
        mesh_doc.issue(("org",), f"in environment '{env.name}': {problem}", "use a shorter 'org' or environment 'name'")
        for part in sorted(p for p in loads if p.startswith("subscriptions"))
        for problem in IAM_ROLE_RULE.problems(naming.subscription_handler_role(part))
    ]
    by_field: dict[str, list[tuple[str, StackLoad]]] = defaultdict(list)
    for part, entry in loads.items():
        if entry.layout_field is not None:
            by_field[entry.layout_field].append((part, entry))

    # The attribute of StackLoad each limit bounds (outputs and parameters share the value 200).
    limits = (
        ("resources", MAX_RESOURCES_PER_STACK, "resources", "CloudFormation refuses more than 500 in a stack"),
        (
            "outputs",
            MAX_OUTPUTS_PER_STACK,
            "outputs (ids other stacks refer to)",
            "CloudFormation allows 200 in a stack",
        ),
        (
            "template_bytes",
            MAX_TEMPLATE_BYTES,
            "bytes of template (its tables' columns)",
            "CloudFormation refuses templates over 1 MB",
        ),
        (
            "parameters",
            MAX_PARAMETERS_PER_STACK,
            "parameters (group, profile and domain ids passed from the domain stack)",
            "CloudFormation allows 200 in a stack",
        ),
    )
    for part, entry in sorted(loads.items()):
        for measure, limit, what, why in limits:
            amount = getattr(entry, measure)
            if amount <= limit:
                continue
            problem = (
                f"in environment '{env.name}': {_stack_label(naming, part)} would hold about {amount} {what}, over "
                f"this tool's {limit} ({why})"
            )
            if entry.layout_field is None:
                issues.append(mesh_doc.issue(_section_of(part), problem, _unsplittable_fix(part)))
                continue
            total = sum(getattr(e, measure) for _, e in by_field[entry.layout_field])
            issues.append(
                mesh_doc.issue(
                    ("layout", entry.layout_field),
                    problem,
                    _count_fix(entry.layout_field, getattr(mesh.layout, entry.layout_field), total, limit),
                )
            )
    if mesh.layout.unit_stacks:
        issues += [
            mesh_doc.issue(
                ("domain_units",),
                f"in environment '{env.name}': {problem}",
                "use a shorter 'org', environment 'name' or unit id",
            )
            for unit in mesh.domain_units
            for problem in EXPORT_RULE.problems(naming.unit_export(unit.id))
        ]
    return _dedupe(issues) + _check_unit_grants(mesh, env, mesh_doc)


def _check_unit_grants(mesh: MeshDefinition, env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    """A unit's ADD_TO_PROJECT_MEMBER_POOL policy holds one grant per member group of the projects
    below it (the root's: of every project), its CREATE_PROJECT_FROM_PROJECT_PROFILE one per creator
    group; DataZone allows 20 grants per policy per unit."""
    issues = []
    for unit, groups in sorted(member_pools(mesh, env.name).items()):
        if len(groups) > MAX_GRANTS_PER_POLICY:
            where = "the root domain unit" if unit == ROOT_UNIT else f"domain unit '{unit}'"
            issues.append(
                doc.issue(
                    ("projects",),
                    f"in environment '{env.name}': {where} would need {len(groups)} member-pool grants, one per "
                    f"group that is a member of a project below it; DataZone allows {MAX_GRANTS_PER_POLICY} grants "
                    f"per policy per domain unit ({QUOTAS_DOC})",
                    f"give the projects below it at most {MAX_GRANTS_PER_POLICY} distinct owner and contributor groups "
                    "(e.g. one group per role instead of per team)",
                )
            )
    for i, unit in enumerate(mesh.domain_units):
        if len(unit.project_creators) > MAX_GRANTS_PER_POLICY:
            issues.append(
                doc.issue(
                    ("domain_units", i, "project_creators"),
                    f"{len(unit.project_creators)} project creator groups; DataZone allows {MAX_GRANTS_PER_POLICY} "
                    "grants per policy per domain unit",
                    f"name at most {MAX_GRANTS_PER_POLICY} groups",
                )
            )
    return issues


def _stack_label(naming: Naming, part: str) -> str:
    if part.startswith("units-"):
        # Nested stacks are named by CloudFormation after their parent.
        return f"nested stack {construct_id_of(part)} of stack {naming.stack('domain')}"
    return f"stack {naming.stack(part)}"


def _count_fix(layout_field: str, current: int, total: int, limit: int) -> str:
    needed = max(current + 1, math.ceil(total / (limit * TARGET_LOAD)))
    moved = "into the new stacks" if current else "out of the stack that holds them today"
    return (
        f"set layout.{layout_field}: {needed} in mesh.yaml. Each item is placed by a hash of its key, so this moves "
        f"about {1 - current / needed:.0%} of them {moved}, and a move replaces what moves: do it before they are "
        f"deployed, or review the change plan and accept the moves with allow_changes (see {LAYOUT_DOC})"
    )


def _section_of(part: str) -> tuple[str, ...]:
    return {"governance": ("glossaries",), "shares": ("shares",)}.get(part, ("layout",))


def _unsplittable_fix(part: str) -> str:
    if part == "governance":
        return "merge small glossaries (a glossary holds many terms in one resource) or forms"
    if part == "shares":
        return "share whole databases' tables in fewer shares, or fewer tables per consumer"
    return "the stack's fixed part alone is over the limit: report this as a bug"


def _dedupe(issues: Iterable[ConfigIssue]) -> list[ConfigIssue]:
    """One issue per layout field and limit: the first (largest-named) stack stands for the pool."""
    seen: set[tuple[str, str]] = set()
    out = []
    for issue in issues:
        key = (issue.path, issue.fix)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def check_quotas(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """DataZone's quotas on what every environment's domain holds."""
    units = {u.id: u for u in mesh.domain_units}
    deepest = max((len(unit_ancestors(u.id, units)) for u in mesh.domain_units), default=0)
    terms = sum(len(g.terms) for g in mesh.glossaries)
    checks = [
        (("domain_units",), len(mesh.domain_units), MAX_DOMAIN_UNITS, "domain units", "merge units"),
        (("domain_units",), deepest, MAX_UNIT_LEVELS, "levels of domain units below the root", "flatten the tree"),
        (("glossaries",), len(mesh.glossaries), MAX_GLOSSARIES, "glossaries", "merge glossaries"),
        (("glossaries",), terms, MAX_GLOSSARY_TERMS, "glossary terms", "remove terms"),
    ]
    return [
        doc.issue(
            path,
            f"{amount} {what}; a DataZone domain holds {limit} (quota; {QUOTAS_DOC})",
            f"{fix}: DataZone refuses more",
        )
        for path, amount, limit, what, fix in checks
        if amount > limit
    ]
