"""`datamesh export` of the bundled mesh's dev domain, as deployed (tests/fake_mesh_aws.py, real
boto3 clients, answers checked against the DataZone model), gives the mesh back: the written folder
loads, and its groups, units (parents, owners, creators, grants), profiles, projects (profiles,
owners, contributors), glossaries and terms and form types equal the bundled mesh's dev view. What
the export cannot take from the domain is an `# export:` comment, asserted by its text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from datamesh import cli
from mesh_config import MeshConfig, load_mesh
from mesh_config.mesh import MeshDefinition
from mesh_config.workload_tables import without_workload_tables
from tests.fake_mesh_aws import DEV_DOMAIN, FakeMeshAws
from tests.synth import ROOT

runner = CliRunner()
ENV = "dev"
# The sections the export writes from the domain; every other MeshDefinition field is kept.
EXPORTED = [
    "identity_center",
    "domain",
    "blueprints",
    "domain_units",
    "project_profiles",
    "projects",
    "glossaries",
    "metadata_forms",
]
KEPT = [f for f in MeshDefinition.model_fields if f not in EXPORTED]
# The bundled mesh has no shares, teams, layout or allow_changes: valid ones, with comments.
MORE_SECTIONS = """
# Finance shares its budget with dev, without the owner's e-mail.
shares:
  - name: budget
    catalog: finance
    producer: prod
    tables: [finance_budget_data_table]
    consumers:
      - environment: dev
        filter:
          excluded_columns: [budget_owner_email]  # personal data stays in prod
        principals:
          projects: [finance-customer360]

# Analysts read the CRM accounts in prod.
teams:
  - name: analytics
    groups: [finance-analysts]
    environments: [prod]
    grants:
      - {table: sales_crm_accounts_table, permissions: [select]}

# Two project stacks.
layout:
  project_stacks: 2

# Reviewed: the sales analytics project is recreated.
allow_changes:
  - stack: acme-dev-projects-1
    resource: salesanalyticsD81D6479
    change: replace
    reason: Sales analytics moves to the full profile; its notebooks are in git
"""


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
    if dev.network.create is None:
        assert env.network.model_dump() == dev.network.model_dump()
    else:
        # A VPC the mesh created is exported as the VPC the domain's blueprints use: its ids.
        assert env.network.create is None and env.network.vpc_id and len(env.network.subnet_ids or []) == 3
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


def _every_section_mesh(tmp_path: Path) -> tuple[Path, MeshConfig]:
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    with (folder / "mesh.yaml").open("a", encoding="utf-8") as mesh:
        mesh.write(MORE_SECTIONS)
    source = load_mesh(folder)
    # Every field the export keeps is set to something other than its default, so that a field
    # added to MeshDefinition later fails here until the test covers it.
    defaults = {f: info.get_default(call_default_factory=True) for f, info in MeshDefinition.model_fields.items()}
    unset = [
        f for f in KEPT if not MeshDefinition.model_fields[f].is_required() and getattr(source.mesh, f) == defaults[f]
    ]
    assert not unset, unset
    return folder, source


def test_exporting_over_a_mesh_keeps_every_section_it_does_not_read_with_its_comments(
    fake: FakeMeshAws, bundled: MeshConfig, tmp_path: Path
):
    folder, source = _every_section_mesh(tmp_path)
    before = (folder / "mesh.yaml").read_text()
    result = runner.invoke(cli.app, ["export", "--env", ENV, "--force", str(folder)])
    assert result.exit_code == 0 and not fake.problems, result.output + "\n".join(fake.problems)
    assert f"kept as they were: {', '.join(KEPT)}\n" in result.output
    assert f"replaced by what the domain holds: {', '.join(EXPORTED)}\n" in result.output
    assert "without their comments" not in result.output
    exported = load_mesh(folder)
    for name in KEPT:
        assert getattr(exported.mesh, name) == getattr(source.mesh, name), name
    _assert_round_trip(exported, bundled)
    # Their text as it was: the comments above each section and inside it.
    text = (folder / "mesh.yaml").read_text()
    assert before[before.index("org: acme") : before.index("identity_center:")] in text
    # From the catalogs on every section is kept; each is written in the model's order, so each
    # blank-line-separated piece of their text must be there as it was.
    for piece in before[before.index("# Domain catalogs") :].split("\n\n"):
        assert piece.strip("\n") in text, piece
    assert "excluded_columns: [budget_owner_email]  # personal data stays in prod\n" in text
    # The previous header is replaced by the export's, not kept above org.
    assert "# The acme data mesh" not in text and text.count("yaml-language-server") == 1


def test_a_mesh_whose_text_cannot_be_cut_keeps_the_data_of_its_sections(
    fake: FakeMeshAws, bundled: MeshConfig, tmp_path: Path
):
    """JSON is YAML: a flow-style mesh.yaml loads, but its sections are not lines to cut out."""
    folder, source = _every_section_mesh(tmp_path)
    # As the file declares it: the loaded mesh also holds the tables its workloads derive.
    data = without_workload_tables(source.mesh).model_dump(mode="json", exclude_unset=True)
    (folder / "mesh.yaml").write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(cli.app, ["export", "--env", ENV, "--force", str(folder)])
    assert result.exit_code == 0 and not fake.problems, result.output + "\n".join(fake.problems)
    assert (
        "the kept sections are written as data, without their comments: the existing mesh.yaml is not a block "
        "mapping with its keys at column 0"
    ) in result.output
    exported = load_mesh(folder)
    for name in KEPT:
        assert getattr(exported.mesh, name) == getattr(source.mesh, name), name
    _assert_round_trip(exported, bundled)


def test_a_kept_section_aliasing_a_replaced_one_keeps_its_data():
    """Cut out as text, `*note` would name an anchor of the replaced domain section: its data is kept."""
    from datamesh.export.kept_sections import merge

    existing = "org: acme\nenvironments: [dev]\ndomain:\n  description: &note Shared text\ntags:\n  Note: *note\n"
    exported = "# header\norg: acme\nenvironments:\n  - dev\ndomain:\n  description: New\n"
    merged = merge(exported, existing)
    assert merged.comments_lost == "cut out of the existing mesh.yaml, their text does not read back as the same data"
    assert merged.kept == ["org", "environments", "tags"] and merged.replaced == ["domain"]
    assert merged.text.startswith("# header\norg: acme\n")
    assert yaml.safe_load(merged.text) == {
        "org": "acme",
        "environments": ["dev"],
        "tags": {"Note": "Shared text"},
        "domain": {"description": "New"},
    }
