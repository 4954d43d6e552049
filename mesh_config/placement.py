"""Which CloudFormation stack holds which project.

A project's stack depends only on its own key and its business unit's shard count, never on
the other projects, so adding or removing a project never moves another one (a move would
delete and re-create a project and everything in it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from mesh_config.data_products import Catalog, tables_by_asset
from mesh_config.mesh import DomainUnit, MeshDefinition, Project

# Each project is one AWS::DataZone::Project plus one AWS::DataZone::ProjectMembership per
# group; CloudFormation refuses more than 500 resources in a stack, and the headroom leaves
# room for a CDKMetadata resource and per-project additions of later releases.
MAX_RESOURCES_PER_STACK = 450

# CodePipeline allows 50 actions in a stage; the pipeline deploys each stack with one action
# and adds up to three more (permissions check, manual approval, smoke test).
MAX_STACKS_PER_ENVIRONMENT = 50 - 3
FIXED_STACKS_PER_ENVIRONMENT = 2  # foundation, domain


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


def project_resource_count(project: Project, env: str) -> int:
    return 1 + len(project.owners_in(env)) + len(project.contributors_in(env))


def shard_of(project: Project, shards: int) -> int:
    digest = hashlib.sha256(project.key.encode()).hexdigest()
    return int(digest, 16) % shards


def _sharded_part(kind: str, project: Project, units: Mapping[str, DomainUnit]) -> str:
    """<kind>-<bu>, or <kind>-<bu>-<n> over the business unit's <kind>_stack_shards (project_ or
    product_), by a hash of the project's key only."""
    bu = business_unit_of(project.domain_unit, units)
    shards: int = getattr(units[bu], f"{kind[:-1]}_stack_shards")
    if shards == 1:
        return f"{kind}-{bu}"
    return f"{kind}-{bu}-{shard_of(project, shards) + 1}"


def project_stack_part(project: Project, units: Mapping[str, DomainUnit]) -> str:
    """Stack-name suffix for a project: projects-<bu> or projects-<bu>-<n> when sharded."""
    return _sharded_part("projects", project, units)


# CloudFormation allows 200 outputs in a stack. A projects stack publishes one output per project
# that another stack refers to (owners of glossaries and forms, producers, subscribers).
MAX_OUTPUTS_PER_STACK = 200


def referenced_projects(mesh: MeshDefinition, env: str) -> set[str]:
    """Keys of the projects other stacks of ``env`` refer to by id."""
    keys = {g.owning_project for g in mesh.glossaries} | {f.owning_project for f in mesh.metadata_forms}
    keys |= {key for unit in mesh.domain_units for _, _, key in unit.grants.entries()}
    keys |= {producer for catalog in mesh.catalogs if catalog.exists_in(env) for producer in catalog.producers()}
    return keys | _subscribed_projects(mesh, env)


def _subscribed_projects(mesh: MeshDefinition, env: str) -> set[str]:
    """Consumers and producers of the subscriptions of ``env``."""
    assets = tables_by_asset(mesh.catalogs)
    subs = [s for s in mesh.subscriptions if s.exists_in(env)]
    return {s.consumer for s in subs} | {
        c.producer_of(t) for c, t in (assets[s.asset] for s in subs if s.asset in assets)
    }


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
    return GOVERNANCE_FIXED_RESOURCES + len(mesh.glossaries) + len(mesh.metadata_forms) + len(owners) + grants


# A products stack holds, per producer project: its Glue tables, the catalog handler's and the admin
# management role's memberships of the project and its data source; and once per stack the
# connection lookup, the Lake Formation grants and the data-source runs (custom resources that
# handle every producer of the stack in one call, so they do not grow with the producers).
PRODUCER_FIXED_RESOURCES = 3
PRODUCTS_STACK_FIXED_RESOURCES = 3
# The subscriptions stack's fixed part: the handler identity and one handler function.
SUBSCRIPTIONS_FIXED_RESOURCES = 12


def products_stack_part(producer: Project, units: Mapping[str, DomainUnit]) -> str:
    """products-<bu>[-<n>]: like projects, by a hash of the producer's key over the unit's
    product_stack_shards, so adding a producer never moves another one's tables."""
    return _sharded_part("products", producer, units)


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


def subscriptions_resource_count(mesh: MeshDefinition, env: str) -> int:
    """One custom resource per subscription and one handler membership per project involved."""
    subs = [s for s in mesh.subscriptions if s.exists_in(env)]
    return SUBSCRIPTIONS_FIXED_RESOURCES + len(subs) + len(_subscribed_projects(mesh, env))
