"""The mesh as the stacks and the management app see it: with each workload's metadata table
declared in its owner's business-unit catalog (mesh_config/workloads.py)."""

from __future__ import annotations

from mesh_config.data_products import Table
from mesh_config.mesh import MeshDefinition
from mesh_config.workload_checks import workload_environments
from mesh_config.workloads import ImageIngestion, business_unit_of_owner, effective_catalogs


def with_workload_tables(mesh: MeshDefinition) -> MeshDefinition:
    """``mesh`` with the workloads' tables appended to their catalogs, after the declared ones: a
    derived table is published by the catalog's data source and granted like a declared one. Called
    once the mesh is valid (the checks report on the file as written)."""
    if not mesh.workloads.image_ingestion:
        return mesh
    catalogs = effective_catalogs(
        list(mesh.catalogs),
        mesh.workloads,
        {u.id: u.parent for u in mesh.domain_units},
        {p.key: p.domain_unit for p in mesh.projects},
    )
    return mesh.model_copy(update={"catalogs": catalogs})


def without_workload_tables(mesh: MeshDefinition) -> MeshDefinition:
    """``mesh`` as its file declares it: the loaded mesh (``with_workload_tables``) less the tables
    its workloads derive. Whatever writes a loaded mesh back as YAML writes this one; a derived
    table written out would be declared twice on the next load (a name and prefix collision)."""
    if not mesh.workloads.image_ingestion:
        return mesh
    units = {u.id: u.parent for u in mesh.domain_units}
    owners = {p.key: p.domain_unit for p in mesh.projects}
    derived: dict[str, list[Table]] = {}
    for workload in mesh.workloads.image_ingestion:
        if workload.owner in owners:
            bu = business_unit_of_owner(owners[workload.owner], units)
            derived.setdefault(bu, []).append(workload.metadata_table(bu))
    catalogs = [
        c.model_copy(update={"tables": [t for t in c.tables if t not in derived[c.business_unit]]})
        if c.business_unit in derived
        else c
        for c in mesh.catalogs
    ]
    return mesh.model_copy(update={"catalogs": catalogs})


def table_parameters(mesh: MeshDefinition, business_unit: str, table: Table, location: str) -> dict[str, str]:
    """The catalog table parameters a workload's derived table adds (its partition projection);
    none for any other table."""
    for workload in mesh.workloads.image_ingestion:
        owner = next((p for p in mesh.projects if p.key == workload.owner), None)
        if owner is None or workload_business_unit(mesh, workload) != business_unit:
            continue
        if workload.metadata_table(business_unit) == table:
            return workload.partition_projection(location)
    return {}


def workloads_in(mesh: MeshDefinition, env: str) -> list[ImageIngestion]:
    """The image-ingestion workloads deployed in environment ``env``."""
    return [w for w in mesh.workloads.image_ingestion if env in workload_environments(mesh, w)]


def workload_business_unit(mesh: MeshDefinition, workload: ImageIngestion) -> str:
    """The business unit of the workload's owner: whose catalog and curated prefix it writes."""
    owner = next(p for p in mesh.projects if p.key == workload.owner)
    return business_unit_of_owner(owner.domain_unit, {u.id: u.parent for u in mesh.domain_units})
