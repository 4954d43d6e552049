"""The mesh as the stacks and the management app see it: with each workload's metadata table
declared in its owner's business-unit catalog (mesh_config/workloads.py)."""

from __future__ import annotations

from mesh_config.mesh import MeshDefinition
from mesh_config.workloads import effective_catalogs


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
