"""Copies of the example with more business units, for the tests and the scale check of
layout.unit_stacks (run as a script: python -m tests.unit_meshes <dir> [business units] [unit_stacks]
[project_stacks])."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from tests.config_edits import EXAMPLE, edit_yaml

# Groups of the example: generated units reuse them, so the domain stack's group profiles stay.
UNIT_OWNERS = ["data-engineers"]
PROJECT_OWNERS = ["data-engineers"]
PROJECT_CONTRIBUTORS = ["finance-analysts"]
PROJECT_PROFILE = "sql-analytics"


def business_unit_id(number: int) -> str:
    return f"gen{number:03d}"


def generated_units(first: int, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Business units gen<first>... with one team unit each, and one project in every team unit."""
    units: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    for number in range(first, first + count):
        bu = business_unit_id(number)
        units.append(
            {"id": bu, "description": f"Generated {bu}", "owners": UNIT_OWNERS, "project_creators": UNIT_OWNERS}
        )
        units.append({"id": f"{bu}-team", "parent": bu, "description": f"Team of {bu}", "owners": UNIT_OWNERS})
        projects.append(
            {
                "domain_unit": f"{bu}-team",
                "use_case": "reporting",
                "profile": PROJECT_PROFILE,
                "owners": PROJECT_OWNERS,
                "contributors": PROJECT_CONTRIBUTORS,
            }
        )
    return units, projects


def write_unit_mesh(
    directory: Path, business_units: int = 0, *, unit_stacks: int, project_stacks: int = 1, first: int = 1
) -> Path:
    """A copy of the example in ``directory`` with ``business_units`` generated business units
    added (new ones first: nothing may depend on a unit's position) and the given layout."""
    if not directory.exists():
        shutil.copytree(EXAMPLE, directory)

    def change(mesh: dict[str, Any]) -> None:
        units, projects = generated_units(first, business_units)
        mesh["domain_units"] = [*units, *mesh["domain_units"]]
        mesh["projects"] = [*projects, *mesh["projects"]]
        mesh["layout"] = {**mesh.get("layout", {}), "unit_stacks": unit_stacks, "project_stacks": project_stacks}

    edit_yaml(directory / "mesh.yaml", change)
    return directory


if __name__ == "__main__":
    target, *numbers = sys.argv[1:]
    count, stacks, projects = ([int(n) for n in numbers] + [200, 4, 4][len(numbers) :])[:3]
    print(write_unit_mesh(Path(target), count, unit_stacks=stacks, project_stacks=projects))
