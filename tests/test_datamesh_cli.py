"""The datamesh CLI's second set of commands through Typer's runner: YAML edits shown as diffs and
validated, drift with its exit code, the promotion check, and help with an example everywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from botocore.stub import Stubber
from typer.testing import CliRunner

from datamesh import cli
from tests.datamesh_fakes import DOMAIN, ROOT_UNIT, project
from tests.synth import ROOT

runner = CliRunner()


@pytest.fixture
def mesh_dir(tmp_path: Path) -> Path:
    target = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", target)
    return target


def test_add_member_edits_the_yaml_and_shows_the_diff(mesh_dir: Path):
    result = runner.invoke(
        cli.app,
        [
            "--mesh-dir",
            str(mesh_dir),
            "projects",
            "add-member",
            "sales-analytics",
            "data-scientists",
            "--environment",
            "dev",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "+    contributors: [{group: data-scientists, environments: [dev]}]" in result.output
    assert "updated and valid" in result.output
    assert "contributors: [{group: data-scientists, environments: [dev]}]" in (mesh_dir / "mesh.yaml").read_text()


def test_dry_run_writes_nothing(mesh_dir: Path):
    before = (mesh_dir / "mesh.yaml").read_text()
    result = runner.invoke(
        cli.app,
        [
            "--mesh-dir",
            str(mesh_dir),
            "projects",
            "remove-member",
            "finance-reporting",
            "finance-analysts",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "-    contributors: [finance-analysts]" in result.output and "dry run" in result.output
    assert (mesh_dir / "mesh.yaml").read_text() == before


def test_an_invalid_new_project_lists_every_problem_and_writes_nothing(mesh_dir: Path):
    before = (mesh_dir / "mesh.yaml").read_text()
    result = runner.invoke(
        cli.app,
        [
            "--mesh-dir",
            str(mesh_dir),
            "projects",
            "new",
            "finance",
            "treasury",
            "--profile",
            "sql-analytic",
            "--description",
            "Cash",
            "--owner",
            "treasurers",
        ],
    )
    assert result.exit_code == 1
    assert "nothing written" in result.output
    assert "unknown project profile 'sql-analytic'" in result.output
    assert "group 'treasurers' is not declared" in result.output
    assert "Traceback" not in result.output
    assert (mesh_dir / "mesh.yaml").read_text() == before


def test_unknown_project_in_an_edit_gets_a_suggestion(mesh_dir: Path):
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(mesh_dir), "projects", "add-member", "finance-report", "executives"]
    )
    assert result.exit_code == 1
    assert "error: no project 'finance-report' in mesh.yaml; did you mean 'finance-reporting'?" in result.output


def test_glossary_import_merges_terms_from_csv(mesh_dir: Path, tmp_path: Path):
    csv_file = tmp_path / "terms.csv"
    csv_file.write_text(
        "name,short_description,long_description\nWorking capital,Current assets minus current liabilities,\n"
    )
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(mesh_dir), "catalog", "import-glossary", "finance-glossary", str(csv_file)]
    )
    assert result.exit_code == 0, result.output
    assert "+      - name: Working capital" in result.output
    assert "+        short_description: Current assets minus current liabilities" in result.output


def test_glossary_import_refuses_a_csv_without_its_header(mesh_dir: Path, tmp_path: Path):
    csv_file = tmp_path / "terms.csv"
    csv_file.write_text("term,description\nX,Y\n")
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(mesh_dir), "catalog", "import-glossary", "finance", str(csv_file)]
    )
    assert result.exit_code == 1
    assert "terms.csv has 3 problems; nothing was imported" in result.output
    assert "line 1: the header has no column name, short_description" in result.output


@pytest.fixture
def cli_aws(aws, monkeypatch):
    clients, stubs = aws
    monkeypatch.setattr(cli.STATE, "clients", lambda profile, role: lambda service, region: clients[service])
    return stubs


def test_drift_exits_2_and_lists_what_drifted(cli_aws, monkeypatch):
    dz: Stubber = cli_aws["datazone"]
    dz.add_response(
        "list_domain_units_for_parent",
        {"items": []},
        {"domainIdentifier": DOMAIN, "parentDomainUnitIdentifier": ROOT_UNIT, "maxResults": 25},
    )
    dz.add_response("list_projects", {"items": []}, {"domainIdentifier": DOMAIN, "maxResults": 50})
    dz.add_response("search", {"items": []}, {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY", "maxResults": 50})
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(ROOT / "environments"), "--env", "dev", "--output", "json", "drift"]
    )
    assert result.exit_code == 2, result.output
    (report,) = json.loads(result.output)
    missing = {(i["kind"], i["name"]) for i in report["items"] if i["state"] == "missing"}
    assert ("unit", "finance-domain-unit") in missing
    assert ("project", "finance-reporting-dev-project") in missing
    assert ("glossary", "acme-enterprise-glossary") in missing


def test_drift_access_denied_is_one_line(cli_aws):
    cli_aws["datazone"].add_client_error(
        "list_domain_units_for_parent", "AccessDeniedException", "not a domain user", 403
    )
    result = runner.invoke(cli.app, ["--mesh-dir", str(ROOT / "environments"), "--env", "dev", "drift"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("error: listing domain units: access denied: not a domain user")


def test_throttling_after_retries_is_one_line(cli_aws):
    cli_aws["datazone"].add_client_error("list_projects", "ThrottlingException", "Rate exceeded", 429)
    result = runner.invoke(cli.app, ["--mesh-dir", str(ROOT / "environments"), "--env", "dev", "projects", "list"])
    assert result.exit_code == 1
    assert "AWS throttled the requests even after retries; try again shortly" in result.output


def test_unknown_project_in_show_suggests_the_close_key(cli_aws):
    cli_aws["datazone"].add_response(
        "list_projects",
        {"items": [project("p1", "finance-reporting-dev-project")]},
        {"domainIdentifier": DOMAIN, "maxResults": 50},
    )
    result = runner.invoke(
        cli.app, ["--mesh-dir", str(ROOT / "environments"), "--env", "dev", "projects", "show", "finance-reportin"]
    )
    assert result.exit_code == 1
    assert "no project 'finance-reportin' in dev; did you mean 'finance-reporting'?" in result.output


def _commands(group: typer.Typer, prefix: list[str]) -> list[list[str]]:
    out = [[*prefix, c.name or c.callback.__name__] for c in group.registered_commands]
    for sub in group.registered_groups:
        out += _commands(sub.typer_instance, [*prefix, sub.name])
    return out


def test_every_command_has_help_with_an_example():
    commands = _commands(cli.app, [])
    assert len(commands) >= 25
    for command in commands:
        result = runner.invoke(cli.app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Example: datamesh" in result.output, f"{' '.join(command)} --help has no example"
