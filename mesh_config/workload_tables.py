"""The mesh as the stacks and the management app see it: with each workload's metadata table
declared in its owner's business-unit catalog (mesh_config/workloads.py)."""

from __future__ import annotations

from mesh_config.data_products import Table
from mesh_config.mesh import MeshDefinition
from mesh_config.placement import business_unit_of
from mesh_config.workload_checks import workload_environments
from mesh_config.workloads import ImageIngestion


def derived_tables(mesh: MeshDefinition) -> dict[str, list[tuple[ImageIngestion, Table]]]:
    """Business unit -> the metadata tables its workloads derive, each with its workload (a workload
    whose owner is unknown derives none: validation reports it)."""
    if not mesh.workloads.image_ingestion:
        return {}
    units = {u.id: u for u in mesh.domain_units}
    owners = {p.key: p.domain_unit for p in mesh.projects}
    derived: dict[str, list[tuple[ImageIngestion, Table]]] = {}
    for workload in mesh.workloads.image_ingestion:
        if workload.owner in owners:
            bu = business_unit_of(owners[workload.owner], units)
            derived.setdefault(bu, []).append((workload, workload.metadata_table(bu)))
    return derived


def with_workload_tables(mesh: MeshDefinition) -> MeshDefinition:
    """``mesh`` with the workloads' tables appended to their catalogs, after the declared ones (their
    positions do not move): a derived table is published by the catalog's data source and granted
    like a declared one. Called once the mesh is valid (the checks report on the file as written)."""
    derived = derived_tables(mesh)
    if not derived:
        return mesh
    catalogs = [
        c.model_copy(update={"tables": [*c.tables, *(t for _, t in derived[c.business_unit])]})
        if c.business_unit in derived
        else c
        for c in mesh.catalogs
    ]
    return mesh.model_copy(update={"catalogs": catalogs})


def without_workload_tables(mesh: MeshDefinition) -> MeshDefinition:
    """``mesh`` as its file declares it: the loaded mesh (``with_workload_tables``) less the tables
    its workloads derive. Whatever writes a loaded mesh back as YAML writes this one; a derived
    table written out would be declared twice on the next load (a name and prefix collision)."""
    derived = derived_tables(mesh)
    if not derived:
        return mesh
    catalogs = [
        c.model_copy(update={"tables": [t for t in c.tables if t not in [d for _, d in derived[c.business_unit]]]})
        if c.business_unit in derived
        else c
        for c in mesh.catalogs
    ]
    return mesh.model_copy(update={"catalogs": catalogs})


def workloads_in(mesh: MeshDefinition, env: str) -> list[ImageIngestion]:
    """The image-ingestion workloads deployed in environment ``env``."""
    return [w for w in mesh.workloads.image_ingestion if env in workload_environments(mesh, w)]


def workload_business_unit(mesh: MeshDefinition, workload: ImageIngestion) -> str:
    """The business unit of the workload's owner: whose catalog and curated prefix it writes."""
    owner = next(p for p in mesh.projects if p.key == workload.owner)
    return business_unit_of(owner.domain_unit, {u.id: u for u in mesh.domain_units})
