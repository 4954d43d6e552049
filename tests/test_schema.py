"""The committed JSON Schemas match the models, so editors validate what the app validates."""

from __future__ import annotations

from mesh_config.schema import SCHEMAS, render
from tests.synth import ROOT


def test_committed_schemas_are_current():
    for name, model in SCHEMAS.items():
        committed = (ROOT / "schemas" / name).read_text()
        assert committed == render(model), f"schemas/{name} is stale: run `make schemas`"


def test_example_files_point_editors_at_the_schemas():
    assert "$schema=../schemas/mesh.schema.json" in (ROOT / "environments" / "mesh.yaml").read_text()
    assert "$schema=../schemas/environment.schema.json" in (ROOT / "environments" / "dev.yaml").read_text()
