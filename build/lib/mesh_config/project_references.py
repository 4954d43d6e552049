"""A project named by another part of mesh.yaml (owner, producer, consumer, grantee, principal):
it must be declared, and exist in every environment where it is needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mesh_config.errors import ConfigIssue, choices
from mesh_config.mesh import Project
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]


def referenced_project(
    doc: YamlDocument,
    loc: Loc,
    key: str,
    projects: Mapping[str, Project],
    environments: Sequence[str] = (),
    why: str = "",
    fix: str = "pick a project present there, or add {missing} to the project's 'environments'",
) -> tuple[Project | None, list[ConfigIssue]]:
    """The project ``key`` and the issues of this reference: unknown, or missing in some of
    ``environments`` (``why`` says why it is needed there; ``fix`` may name ``{missing}``)."""
    project = projects.get(key)
    if project is None:
        return None, [
            doc.issue(loc, f"unknown project '{key}'", f"use a project key <unit>-<use-case>: {choices(projects)}")
        ]
    missing = [env for env in environments if not project.exists_in(env)]
    if not missing:
        return project, []
    where = ", ".join(missing)
    return project, [
        doc.issue(
            loc,
            f"project '{key}' does not exist in {where}{why}",
            fix.format(missing=where),
        )
    ]
