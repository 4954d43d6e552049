"""Cross-checks of the tables' ``derived_from`` (mesh.yaml): lineage names tables of the mesh,
never the table itself, exists wherever the derived table does, and has no cycle."""

from __future__ import annotations

import difflib

from mesh_config.data_products import Catalog, Table, asset_name
from mesh_config.errors import ConfigIssue, repeated_indexes
from mesh_config.mesh import MeshDefinition
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]


def check_lineage(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    declared: dict[str, tuple[Loc, Catalog, Table]] = {}
    for i, catalog in enumerate(mesh.catalogs):
        for j, table in enumerate(catalog.tables):
            declared.setdefault(
                asset_name(catalog.business_unit, table), (("catalogs", i, "tables", j), catalog, table)
            )
    issues: list[ConfigIssue] = []
    for name, (loc, catalog, table) in declared.items():
        issues += [
            doc.issue((*loc, "derived_from", k), f"'{table.derived_from[k]}' is listed twice", "list it once")
            for k in repeated_indexes(table.derived_from)
        ]
        for k, upstream in enumerate(table.derived_from):
            where = (*loc, "derived_from", k)
            if upstream == name:
                issues.append(doc.issue(where, f"{name} is derived from itself", "remove it from its own derived_from"))
            elif upstream not in declared:
                close = difflib.get_close_matches(upstream, declared, n=1)
                issues.append(
                    doc.issue(
                        where,
                        f"'{upstream}' is no table of the mesh",
                        (f"did you mean {close[0]}? " if close else "")
                        + "name a table by its asset name <bu>_<dataset>_<type> (or its declared name)",
                    )
                )
            else:
                source = declared[upstream][1]
                missing = [env for env in mesh.environments if catalog.exists_in(env) and not source.exists_in(env)]
                if missing:
                    issues.append(
                        doc.issue(
                            where,
                            f"{upstream} does not exist in {', '.join(missing)}, where {name} does",
                            f"list those environments in the {source.business_unit} catalog's environments, or limit "
                            f"the {catalog.business_unit} catalog to where both exist",
                        )
                    )
    graph = {n: [u for u in t.derived_from if u in declared and u != n] for n, (_, _, t) in declared.items()}
    for cycle in cycles(graph):
        loc = declared[cycle[0]][0]
        issues.append(
            doc.issue(
                (*loc, "derived_from"),
                f"lineage cycle: {' <- '.join([*cycle, cycle[0]])} (each is derived from the next)",
                "a table cannot be computed, even indirectly, from itself: remove one of these derived_from entries",
            )
        )
    return issues


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of ``graph`` once (node -> the nodes it is derived from), starting at its first
    node in declaration order."""
    order = {n: i for i, n in enumerate(graph)}
    found: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                rotated = cycle[start:] + cycle[:start]
                if tuple(rotated) not in seen:
                    seen.add(tuple(rotated))
                    found.append(rotated)
            elif state.get(nxt) is None:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found
