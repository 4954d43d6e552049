"""The synth benchmark's mesh generator: the meshes it writes validate once their layout is fitted,
and have the shape they declare. No synth here (minutes at this scale): validation only, and each
mesh validated only by the search itself (a 1 000-project load_mesh is ~3 s of YAML parsing)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchmark.mesh_generator import SHAPES, Shape, declared_counts, fit_layout, generate_mesh, requested_counts
from mesh_config.errors import ConfigIssue

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = declared_counts(yaml.safe_load((ROOT / "environments" / "mesh.yaml").read_text()))

# The 1000 case as benchmarked, and the 5000 case's shape (10 projects per business unit, 10 tables
# each, subscriptions) at a tenth of its business units and projects, to stay quick.
CASES = {"1000": SHAPES["1000"], "5000-reduced": Shape(business_units=20, projects=500, subscriptions=50)}


@pytest.fixture(scope="module", params=sorted(CASES))
def fitted(request, tmp_path_factory):
    shape = CASES[request.param]
    mesh = generate_mesh(shape)
    directory = tmp_path_factory.mktemp(f"mesh-{request.param}")
    return shape, mesh, fit_layout(directory, mesh), directory


def test_the_layout_search_converges_on_a_valid_mesh(fitted):
    shape, _, search, directory = fitted
    assert search.ok, search.error
    assert 1 <= search.attempts <= 3
    assert search.rounds[-1] == {}, "the last validation passed"
    assert search.layout["project_stacks"] > 1, "the projects do not fit one stack"
    # What the benchmark synthesizes is the file the last (passing) validation read.
    assert yaml.safe_load((directory / "mesh.yaml").read_text())["layout"] == search.layout
    assert search.projects_per_env == dict.fromkeys(("dev", "staging", "prod"), shape.projects + EXAMPLE["projects"])


def test_the_mesh_has_the_declared_shape(fitted):
    shape, mesh, _, _ = fitted
    counts = declared_counts(mesh)
    assert counts == {
        "domain_units": EXAMPLE["domain_units"] + shape.units,
        "business_units": EXAMPLE["business_units"] + shape.business_units,
        "projects": EXAMPLE["projects"] + shape.projects,
        "catalogs": EXAMPLE["catalogs"] + shape.business_units,
        "tables": EXAMPLE["tables"] + shape.business_units * shape.tables_per_unit,
        "subscriptions": EXAMPLE["subscriptions"] + shape.subscriptions,
    }
    generated = [p for p in mesh["projects"] if p["domain_unit"].startswith("gen")]
    per_unit = Counter(p["domain_unit"] for p in generated)
    assert len(per_unit) == shape.units and max(per_unit.values()) - min(per_unit.values()) <= 1, "evenly spread"


def test_subscriptions_cross_business_units_and_name_existing_assets(fitted):
    shape, mesh, _, _ = fitted
    generated = mesh["subscriptions"][EXAMPLE["subscriptions"] :]
    assets = {
        f"{c['business_unit']}_{t['dataset']}_table": c["business_unit"] for c in mesh["catalogs"] for t in c["tables"]
    }
    assert len({(s["consumer"], s["asset"]) for s in generated}) == shape.subscriptions
    for sub in generated:
        consumer_bu = sub["consumer"].split("-")[0]
        assert sub["asset"] in assets and assets[sub["asset"]] != consumer_bu


def test_layout_refusals_are_read_for_the_largest_count_per_field():
    def issue(path: str, fix: str) -> ConfigIssue:
        return ConfigIssue("mesh.yaml", path, "too big", fix)

    wanted, others = requested_counts(
        [
            issue("layout.project_stacks", "set layout.project_stacks: 4 in mesh.yaml. Each item ..."),
            issue("layout.project_stacks", "set layout.project_stacks: 7 in mesh.yaml. Each item ..."),
            issue("layout.unit_stacks", "set layout.unit_stacks: 2 in mesh.yaml."),
            issue("projects[3].profile", "set layout.project_stacks: 99"),  # not a layout issue
        ]
    )
    assert wanted == {"project_stacks": 7, "unit_stacks": 2}
    assert [i.path for i in others] == ["projects[3].profile"]
