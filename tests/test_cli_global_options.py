"""The CLI's global options after the command too (`datamesh projects list --env dev`), as the AWS
CLI and kubectl accept them, on the real app through Typer's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from datamesh import cli
from datamesh.global_options import hoist
from tests.fake_mesh_aws import FakeMeshAws
from tests.synth import ROOT

runner = CliRunner()
MESH = str(ROOT / "environments")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeMeshAws:
    deployed = FakeMeshAws(MESH)
    monkeypatch.setattr(cli.STATE, "clients", deployed.clients)
    return deployed


def _domains(fake: FakeMeshAws) -> list[str]:
    return [p["domainIdentifier"] for s, op, p in fake.calls if s == "datazone" and op == "list_projects"]


def test_env_and_output_after_the_command(fake):
    result = runner.invoke(cli.app, ["projects", "list", "--env", "staging", "--output", "json", "--mesh-dir", MESH])
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.output)]
    assert "finance-reporting-stg-project" in names
    assert _domains(fake) == ["dzd-staging"]


def test_both_positions_mean_the_same(fake):
    before = runner.invoke(cli.app, ["--env", "prod", "--output", "json", "projects", "list"])
    after = runner.invoke(cli.app, ["projects", "list", "--env=prod", "--output=json"])
    short = runner.invoke(cli.app, ["projects", "list", "-e", "prod", "--output", "json"])
    assert before.exit_code == after.exit_code == short.exit_code == 0, after.output
    assert before.output == after.output == short.output
    assert _domains(fake) == ["dzd-prod"] * 3


def test_the_later_one_wins_as_for_any_repeated_option(fake):
    result = runner.invoke(cli.app, ["--env", "prod", "projects", "list", "--env", "dev"])
    assert result.exit_code == 0, result.output
    assert _domains(fake) == ["dzd-dev"]


def test_a_flag_after_the_command(monkeypatch, fake):
    roles: list[str | None] = []
    monkeypatch.setattr(cli.STATE, "clients", lambda profile, role: roles.append(role) or fake.clients())
    assert runner.invoke(cli.app, ["projects", "list", "--no-assume"]).exit_code == 0
    assert runner.invoke(cli.app, ["projects", "list"]).exit_code == 0
    assert roles[0] is None and roles[1] == "arn:aws:iam::123456789012:role/acme-dev-datamesh-admin"


def test_a_commands_own_option_of_the_same_name_stays_the_commands(tmp_path: Path, fake):
    """`projects new --profile` is the project profile, not the AWS profile."""
    mesh = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", mesh)
    args = ["projects", "new", "finance", "treasury", "--profile", "sql-analytics", "--description", "Cash"]
    result = runner.invoke(cli.app, [*args, "--owner", "finance-team-leads", "--mesh-dir", str(mesh), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "profile: sql-analytics" in result.output


def test_option_values_and_the_end_of_options_are_left_alone():
    root = typer.main.get_command(cli.app)
    # A value that looks like a global option is the command's option's value.
    assert hoist(root, None, ["subscriptions", "reject", "r1", "--comment", "--env"]) == [
        "subscriptions",
        "reject",
        "r1",
        "--comment",
        "--env",
    ]
    # After `--` nothing is an option.
    assert hoist(root, None, ["catalog", "search", "--env", "dev", "--", "--output"]) == [
        "--env",
        "dev",
        "catalog",
        "search",
        "--",
        "--output",
    ]


def test_a_missing_value_is_clicks_own_error():
    result = runner.invoke(cli.app, ["projects", "list", "--env"])
    assert result.exit_code == 2
    assert "Option '--env' requires an argument" in result.output


def test_help_documents_both_positions():
    top = " ".join(runner.invoke(cli.app, ["--help"]).output.split())
    assert "go before or after the command" in top
    assert "datamesh --env dev projects list and datamesh projects list --env dev are the same" in top
    sub = runner.invoke(cli.app, ["projects", "list", "--help"])
    text = " ".join(sub.output.split())
    assert "Global options (--env, --profile, --output, --mesh-dir, --assume; see datamesh --help)" in text
    assert "go before or after the command" in text
    new = " ".join(runner.invoke(cli.app, ["projects", "new", "--help"]).output.split())
    assert "This command's own --profile is not the global one: give that before the command." in new
