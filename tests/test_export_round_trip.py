"""`datamesh export` of the bundled mesh's dev domain, as deployed (tests/fake_mesh_aws.py, real
boto3 clients, answers checked against the DataZone model), gives the mesh back: the written folder
loads, and its groups, units (parents, owners, creators, grants), profiles, projects (profiles,
owners, contributors), glossaries and terms and form types equal the bundled mesh's dev view. What
the export cannot take from the domain is an `# export:` comment, asserted by its text."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from datamesh import cli
from mesh_config import MeshConfig, load_mesh
from tests.fake_mesh_aws import DEV_DOMAIN, FakeMeshAws
from tests.synth import ROOT

runner = CliRunner()
ENV = "dev"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeMeshAws:
    deployed = FakeMeshAws(ROOT / "environments")
    monkeypatch.setattr(cli.STATE, "clients", deployed.clients)
    return deployed


@pytest.fixture
def bundled() -> MeshConfig:
    return load_mesh(ROOT / "environments")


def _units(config: MeshConfig) -> dict[str, Any]:
    return {
        u.id: (u.parent, u.description, u.owners, u.project_creators, u.grants.model_dump())
        for u in config.mesh.domain_units
    }


def _projects(config: MeshConfig) -> dict[str, Any]:
    env = config.environment(ENV)
    return {
        p.key: (p.domain_unit, p.use_case, p.profile, p.description, p.owners_in(ENV), p.contributors_in(ENV))
        for p in config.projects_in(env)
    }


def _dumps(items: list[Any], key: str) -> dict[str, Any]:
    return {getattr(i, key): i.model_dump(mode="json") for i in items}


def _assert_round_trip(exported: MeshConfig, bundled: MeshConfig) -> None:
    mesh, source = exported.mesh, bundled.mesh
    dev = bundled.environment(ENV)
    assert mesh.org == source.org
    assert mesh.identity_center.groups == source.identity_center.groups
    assert mesh.domain.model_dump() == source.domain.model_dump()
    # The domain records which blueprints are enabled, not the order the pipeline enabled them in.
    assert set(mesh.blueprints_in(ENV)) == set(bundled.blueprints_in(dev))
    assert _units(exported) == _units(bundled)
    assert _dumps(mesh.project_profiles, "capability") == _dumps(bundled.profiles_in(dev), "capability")
    assert _projects(exported) == _projects(bundled)
    # data-scientists contribute in dev only: the dev domain has them, so the export does.
    assert "data-scientists" in _projects(exported)["finance-customer360"][5]
    assert _dumps(mesh.glossaries, "scope") == _dumps(source.glossaries, "scope")
    assert _dumps(mesh.metadata_forms, "name") == _dumps(source.metadata_forms, "name")


def test_the_dev_domain_exports_to_the_bundled_mesh(fake: FakeMeshAws, bundled: MeshConfig, tmp_path: Path):
    folder = tmp_path / "adopted"
    args = ["export", "--env", ENV, "--domain-id", DEV_DOMAIN, "--region", "eu-west-1", str(folder)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0 and not fake.problems, result.output + "\n".join(fake.problems)
    assert f"{folder} is a valid mesh" in result.output
    exported = load_mesh(folder)
    assert exported.mesh.environments == [ENV]
    _assert_round_trip(exported, bundled)

    dev, env = bundled.environment(ENV), exported.environment(ENV)
    assert (env.account, env.region, env.short) == (dev.account, dev.region, dev.short)
    assert env.identity_center_instance_arn == dev.identity_center_instance_arn
    assert env.network.model_dump() == dev.network.model_dump()
    # Differences the export documents: adopted objects are retained, the domain's own key.
    assert env.deletion_protection is True and dev.deletion_protection is False
    assert "deletion_protection: true  # adopted objects are RETAINed" in (folder / "dev.yaml").read_text()
    text = (folder / "mesh.yaml").read_text()
    key = "arn:aws:kms:eu-west-1:123456789012:key/key-dev"
    assert f"# export: the domain is encrypted with {key}; the KMS key is\n#   create-only" in text
    assert "1 'export:' comment(s) to review" in result.output
    # Every name follows the conventions: no rename comment, and the foundation's bucket is the
    # mesh's default project storage, so nothing asks to keep it.
    assert "in the domain" not in text and "project_artifacts_s3_uri" not in text


def test_exporting_over_the_bundled_mesh_keeps_its_settings_and_gives_the_same_mesh(
    fake: FakeMeshAws, bundled: MeshConfig, tmp_path: Path
):
    """Into the mesh's own folder: the domain is found from the domain stack's output, and every
    environment file stays as it is."""
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    before = {p.name: p.read_text() for p in folder.glob("*.yaml") if p.name != "mesh.yaml"}
    result = runner.invoke(cli.app, ["export", "--env", ENV, "--force", str(folder)])
    assert result.exit_code == 0 and not fake.problems, result.output + "\n".join(fake.problems)
    assert ("cloudformation", "describe_stacks", {"StackName": "acme-dev-domain"}) in fake.calls
    assert {p.name: p.read_text() for p in folder.glob("*.yaml") if p.name != "mesh.yaml"} == before
    exported = load_mesh(folder)
    assert exported.mesh.environments == bundled.mesh.environments
    assert exported.mesh.tags == bundled.mesh.tags and exported.mesh.pipeline == bundled.mesh.pipeline
    _assert_round_trip(exported, bundled)


@pytest.mark.parametrize(
    ("location", "noted"),
    [
        ("s3://acme-dev-artifacts-123456789012", False),  # the foundation's bucket: the mesh's default
        ("s3://acme-dev-artifacts-123456789012/", False),
        ("s3://acme-dev-artifacts-123456789012/projects", True),
        ("s3://corp-projects", True),
    ],
)
def test_only_project_storage_other_than_the_default_asks_for_project_artifacts(
    location: str, noted: bool, tmp_path: Path
):
    from datamesh.export import domain_reader as dr
    from datamesh.export.mesh_export import Target, write_export

    account, region = "123456789012", "eu-west-1"
    snapshot = dr.DomainSnapshot(
        domain=dr.DomainInfo(DEV_DOMAIN, "acme-dev-unified-domain", "", account, region, "root", "MANUAL", None, None),
        root_owners=(),
        units=[],
        enabled_blueprints=["Tooling"],
        network=dr.Network("vpc-1", ("subnet-1",), location),
        profiles=[],
        projects=[],
        glossaries=[],
        form_types=[],
    )
    written = write_export(snapshot, Target(ENV, "acme", ENV, account), tmp_path)
    text = (tmp_path / "mesh.yaml").read_text()
    assert (f"the Tooling blueprint keeps project files in {location}" in text) is noted
    assert ("set project_artifacts_s3_uri" in text) is noted and written.notes == int(noted)
