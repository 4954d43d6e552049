"""The version: one number from the package metadata, shown by the CLI and the API."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from typer.testing import CliRunner

from datamesh.cli import app
from datamesh.version import DISTRIBUTION, package_version
from tests.conftest import ROOT


def test_datamesh_version_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0, result.output
    assert result.output == f"datamesh {version(DISTRIBUTION)}\n"


def test_the_distribution_is_the_one_pyproject_names_and_installed_at_its_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert project["name"] == DISTRIBUTION
    assert package_version() == project["version"], "the installed metadata is stale: run make install"


def test_the_api_reports_the_version(aws):
    from tests.console_app import console_app

    clients, _ = aws
    assert console_app(clients).openapi()["info"]["version"] == package_version()
