"""`datamesh init` run as a user runs it: the real CLI, without a terminal unless a test says so."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from datamesh.cli import app

runner = CliRunner()


def init(directory: Path, *options: str, user_input: str = "") -> str:
    """Write a starter mesh into ``directory`` and return what the command printed."""
    result = runner.invoke(app, ["init", str(directory), *options], input=user_input)
    assert result.exit_code == 0, result.output
    return result.output
