"""Which CloudFormation stack holds which part of the mesh, and the limits that bound a stack.

An item's stack depends only on its own key and its pool's size (layout.py), never on the other
items, so adding, removing or growing one never moves another (a move deletes and re-creates it).
Small business units share stacks and a large one spreads over several: the stacks follow the
resources, not the units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from mesh_config.data_products import Catalog, Subscription, tables_by_asset
from mesh_config.layout import Layout
from mesh_config.mesh import DomainUnit, MeshDefinition, Project

# Each project is one AWS::DataZone::Project plus one AWS::DataZone::ProjectMembership per
# group; CloudFormation refuses more than 500 resources in a stack, and the headroom leaves
# room for a CDKMetadata resource and per-project additions of later releases.
MAX_RESOURCES_PER_STACK = 450


def unit_ancestors(unit_id: str, units: Mapping[str, DomainUnit]) -> list[str]:
    """The unit and its parents up to its business unit, nearest first. Stops on an unknown
    parent or a cycle too: validation reports those, callers must not crash or loop."""
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None and current in units and current not in chain:
        chain.append(current)
        current = units[current].parent
    return chain


def business_unit_of(unit_id: str, units: Mapping[str, DomainUnit]) -> str:
    """The top-level ancestor of a unit (the unit itself for a business unit)."""
    return (unit_ancestors(unit_id, units) or [unit_id])[-1]


def project_membership_count(project: Project, env: str) -> int:
    """One AWS::DataZone::ProjectMembership per owner and contributor group."""
    return len(project.owners_in(env)) + len(project.contributors_in(env))


def jump_hash(key: str, buckets: int) -> int:
    """Jump consistent hash (Lamping and Veach, 2014, arXiv:1406.2294): the bucket of ``key`` among
    ``buckets``. From N to N+1 buckets a key either stays or moves to the new bucket N, and about
    1/(N+1) of the keys move: the minimum any balanced placement can do."""
    state = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    bucket, candidate = -1, 0
    while candidate < buckets:
        bucket = candidate
        state = (state * 2862933555777941757 + 1) % (1 << 64)
        candidate = int((bucket + 1) * ((1 << 31) / ((state >> 33) + 1)))
    return bucket


def _pooled(kind: str, key: str, stacks: int) -> str:
    return f"{kind}-{jump_hash(key, stacks) + 1}"


def construct_id_of(part: str) -> str:
    """projects-3 -> Projects-3: the construct id of the stack (or nested stack) of a part."""
    return part[:1].upper() + part[1:]


def project_stack_part(project: Project, layout: Layout) -> str:
    """projects-<n> of layout.project_stacks, by the project's key alone."""
    return _pooled("projects", project.key, layout.project_stacks)


def membership_stack_part(project: Project, layout: Layout) -> str | None:
    """members-<n> of layout.membership_stacks, by the project's key alone (all of a project's
    memberships together), or None: in the project's own stack (layout.membership_stacks 0)."""
    if layout.membership_stacks == 0:
        return None
    return _pooled("members", project.key, layout.membership_stacks)


def subscription_key(subscription: Subscription) -> str:
    if subscription.data_product is not None:
        # Asset names have no '/': a product's key never equals an asset's.
        return f"{subscription.consumer}/data-product/{subscription.data_product}"
    return f"{subscription.consumer}/{subscription.asset}"


def subscription_stack_part(subscription: Subscription, layout: Layout) -> str:
    """subscriptions (the first stack keeps the name of the single stack of earlier releases, so a
    mesh that grows from one to several keeps what it has there) or subscriptions-<n>."""
    bucket = jump_hash(subscription_key(subscription), layout.subscription_stacks)
    return "subscriptions" if bucket == 0 else f"subscriptions-{bucket + 1}"


def catalog_stack_part(business_unit: str, layout: Layout) -> str:
    """catalogs (layout.catalog_stacks 0: the stack that also holds the catalogs' handlers) or
    catalogs-<n>, by the business unit's id."""
    if layout.catalog_stacks == 0:
        return "catalogs"
    return _pooled("catalogs", business_unit, layout.catalog_stacks)


def unit_stack_part(unit_id: str, units: Mapping[str, DomainUnit], layout: Layout) -> str | None:
    """The nested stack of the domain stack holding a unit (units-<n>, by its business unit's id, so a
    subtree stays together), or None for the domain stack itself (layout.unit_stacks 0)."""
    if layout.unit_stacks == 0:
        return None
    return _pooled("units", business_unit_of(unit_id, units), layout.unit_stacks)


# CloudFormation allows 200 outputs in a stack. A projects stack publishes one output per project
# that another stack refers to (owners of glossaries and forms, producers, subscribers).
MAX_OUTPUTS_PER_STACK = 200
# And 200 parameters: a nested stack gets one per value of its parent it refers to.
MAX_PARAMETERS_PER_STACK = 200
# A nested units stack's parameters besides its groups and profiles: the domain's id and its root unit's.
NESTED_UNITS_FIXED_PARAMETERS = 2
# Its resources besides the units': the CDKMetadata `cdk synth` adds to nested stacks too.
NESTED_UNITS_FIXED_RESOURCES = 1


def referenced_projects(mesh: MeshDefinition, env: str) -> set[str]:
    """Keys of the projects other stacks of ``env`` refer to by id."""
    keys = {g.owning_project for g in mesh.glossaries} | {f.owning_project for f in mesh.metadata_forms}
    keys |= {key for unit in mesh.domain_units for _, _, key in unit.grants.entries()}
    keys |= {producer for catalog in mesh.catalogs if catalog.exists_in(env) for producer in catalog.producers()}
    return keys | _subscribed_projects(mesh, env)


def _subscribed_projects(mesh: MeshDefinition, env: str) -> set[str]:
    """Consumers and producers of the subscriptions of ``env``."""
    return subscribed_projects(mesh, [s for s in mesh.subscriptions if s.exists_in(env)])


def subscribed_projects(mesh: MeshDefinition, subs: Sequence[Subscription]) -> set[str]:
    """Consumers and producers of ``subs``."""
    assets = tables_by_asset(mesh.catalogs)
    owners = {p.name: p.owner for p in mesh.data_products}
    return (
        {s.consumer for s in subs}
        | {c.producer_of(t) for c, t in (assets[s.asset] for s in subs if s.asset in assets)}
        | {owners[s.data_product] for s in subs if s.data_product in owners}
    )


# The governance stack's fixed part: the handler identity (role, policy, user profile, member-pool
# grant), two handler functions with log groups, and the Provider framework of each.
GOVERNANCE_FIXED_RESOURCES = 20


def has_governance_stack(mesh: MeshDefinition) -> bool:
    return bool(mesh.glossaries or mesh.metadata_forms)


def governance_resource_count(mesh: MeshDefinition) -> int:
    """Resources of an environment's governance stack: glossaries, forms, project grants and one
    membership per owning project, on top of the fixed part."""
    owners = {g.owning_project for g in mesh.glossaries} | {f.owning_project for f in mesh.metadata_forms}
    grants = sum(len(u.grants.entries()) for u in mesh.domain_units)
    # Metadata rules: one each, an ownership per unit holding some, and their handler (about 10).
    rules = sum(len(u.rules) + 1 for u in mesh.domain_units if u.rules)
    rules += 10 if rules else 0
    return GOVERNANCE_FIXED_RESOURCES + len(mesh.glossaries) + len(mesh.metadata_forms) + len(owners) + grants + rules


# A products stack holds, per producer project: its Glue tables, the catalog handler's and the admin
# management role's memberships of the project and its data source; and once per stack the
# connection lookup, the Lake Formation grants and the data-source runs (custom resources that
# handle every producer of the stack in one call, so they do not grow with the producers).
PRODUCER_FIXED_RESOURCES = 3
PRODUCTS_STACK_FIXED_RESOURCES = 4  # with the CDKMetadata resource
# A projects stack's CDKMetadata.
PROJECTS_STACK_FIXED_RESOURCES = 1
# A members stack's CDKMetadata: it has no outputs, and reads the project, domain and group ids.
MEMBERS_STACK_FIXED_RESOURCES = 1
# A subscriptions stack's fixed part: the handler identity and its handler with the Provider framework.
SUBSCRIPTIONS_FIXED_RESOURCES = 22

# The catalogs stack's fixed part: the Lake Formation locations, the handler identity and the three
# handlers with their Provider frameworks; per business unit: its Glue database and two grants.
CATALOGS_FIXED_RESOURCES = 40
CATALOG_RESOURCES = 3
# The handlers' tokens and roles the products stacks import, and the two role outputs.
CATALOGS_FIXED_OUTPUTS = 6

# The domain stack's fixed part: domain, key, roles and policies, the Lake Formation settings with
# their handler, the management and smoke-test identities, and the CDKMetadata (the example's dev
# domain template: 91 resources, of which 52 grow with the groups, blueprints, profiles and units).
DOMAIN_FIXED_RESOURCES = 39
# Its own four outputs and the domain's id, ARN and root unit, the manage-access role and the
# management identity other stacks import; then one per unit, group and profile they import.
DOMAIN_FIXED_OUTPUTS = 10
# The handler's role and user profile; one per glossary (its id, and its id for the products stacks)
# and per form (its revision).
GOVERNANCE_FIXED_OUTPUTS = 2
# The fixed part of a products stack's template: the shared custom resources and their properties.
PRODUCTS_STACK_FIXED_BYTES = 15_000


# The root unit's key in member_pools: DataZone's root unit, not one of mesh.yaml's.
ROOT_UNIT = ""


def member_pools(mesh: MeshDefinition, env: str) -> dict[str, set[str]]:
    """Unit id (ROOT_UNIT for the root unit) -> the groups in its project member pool: every member
    group of the projects in its subtree, since DataZone wants them on every ancestor."""
    units = {u.id: u for u in mesh.domain_units}
    pools: dict[str, set[str]] = {ROOT_UNIT: set(), **{u: set() for u in units}}
    for project in mesh.projects:
        if not project.exists_in(env):
            continue
        groups = {*project.owners_in(env), *project.contributors_in(env)}
        chain = unit_ancestors(project.domain_unit, units)
        for unit in [*chain, ROOT_UNIT] if chain else []:
            pools[unit] |= groups
    return pools


def unit_resource_counts(mesh: MeshDefinition, env: str) -> dict[str, int]:
    """Each unit's resources wherever its tree lives: the unit, one owner per group, one
    project-creation grant per creator group, and one member-pool grant per group of the projects in
    its subtree (domain_stack.py)."""
    pools = member_pools(mesh, env)
    return {u.id: 1 + len(u.owners) + len(u.project_creators) + len(pools[u.id]) for u in mesh.domain_units}


def unit_groups(mesh: MeshDefinition, env: str) -> dict[str, set[str]]:
    """Each unit's groups (owners, project creators, member pool): in a nested units stack, each group
    id is a parameter passed from the domain stack that holds the group profiles."""
    pools = member_pools(mesh, env)
    return {u.id: {*u.owners, *u.project_creators, *pools[u.id]} for u in mesh.domain_units}


def domain_resource_count(mesh: MeshDefinition, env: str) -> int:
    """The domain stack's resources outside the domain units: the fixed part, a group profile per
    group, a blueprint configuration per blueprint and a project profile per profile of ``env``, and the
    root unit's owners and member-pool grants, which stay in the domain stack in every layout."""
    return (
        DOMAIN_FIXED_RESOURCES
        + len(mesh.identity_center.groups)
        + len(mesh.blueprints_in(env))
        + sum(p.exists_in(env) for p in mesh.project_profiles)
        + len(mesh.domain.administrators)
        + len(member_pools(mesh, env)[ROOT_UNIT])
        # The ids published for the shared-data stage (SSM parameters): the domain and its root unit.
        + 2 * any(c.environment == env for s in mesh.shares for c in s.consumers)
    )


def products_stack_part(producer: str, layout: Layout) -> str:
    """products-<n> of layout.product_stacks, by the producer project's key alone: adding a producer
    never moves another one's tables."""
    return _pooled("products", producer, layout.product_stacks)


# CloudFormation refuses a template over 1 MB (uploaded through S3). A products stack grows with
# its tables' columns long before it reaches the resource limit, so its size is estimated from the
# configuration: per table its Glue resource (columns, descriptions) and its entries in the grants
# and the run; per producer its data source, membership and lookup entry. Calibrated on the
# benchmark's 1 000-project mesh (estimate 15 % above the compact templates measured).
MAX_TEMPLATE_BYTES = 850_000
TABLE_BASE_BYTES = 1_500
COLUMN_BASE_BYTES = 75
# The run repeats each described column: {"Column": <name>, "Description": <description>}.
RUN_COLUMN_DESCRIPTION_BYTES = 32
PRODUCER_BYTES = 2_500


def product_template_bytes(catalog: Catalog, producer: str) -> int:
    total = PRODUCER_BYTES
    for table in catalog.tables_of(producer):
        total += TABLE_BASE_BYTES + len(table.description) + 40 * (len(table.terms) + len(table.forms))
        total += sum(
            COLUMN_BASE_BYTES + len(c.name) + len(c.type) + len(c.description) for _, _, c in table.all_columns()
        )
        total += sum(
            RUN_COLUMN_DESCRIPTION_BYTES + len(c.name) + len(c.description)
            for _, _, c in table.all_columns()
            if c.description
        )
    return total


def has_catalog_stack(mesh: MeshDefinition, env: str) -> bool:
    return any(c.exists_in(env) for c in mesh.catalogs)
