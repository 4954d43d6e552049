"""Every example in the CLI's --help texts runs: read from the commands' help (a new example is
tested as soon as it is written), run through Typer's runner on the real app, against a copy of the
bundled mesh (environments/) and that mesh as deployed (tests/fake_mesh_aws.py)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from datamesh import cli
from tests.fake_mesh_aws import DEV_DOMAIN, PENDING_REQUEST, FakeMeshAws
from tests.synth import ROOT

runner = CliRunner()

# Placeholders the examples may use, and what they stand for in the fake mesh.
PLACEHOLDERS = {"<request-id>": PENDING_REQUEST, "<subscription-id>": "sub-0"}
# The domain an example names by id (export, into a folder without a mesh): the fake's dev domain.
PLACEHOLDERS["dzd_abc123"] = DEV_DOMAIN
# What an example may name on the user's disk.
TERMS_CSV = "name,short_description,long_description\nWorking capital,Current assets minus current liabilities,\n"


def _commands(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    out = [(path, command)]
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        out += _commands(sub, [*path, name])
    return out


def help_examples() -> list[tuple[str, str]]:
    """(command, example) for every 'Example:' paragraph of every command's help and epilog; an
    example runs to the end of its paragraph (a long one is wrapped over lines)."""
    found = []
    for path, command in _commands(typer.main.get_command(cli.app), []):
        text = "\n\n".join(t for t in (command.help, command.epilog) if t)
        for paragraph in re.split(r"\n\s*\n", text):
            _, marker, example = paragraph.partition("Example:")
            if marker:
                found.append((" ".join(["datamesh", *path]), " ".join(example.split())))
    return found


EXAMPLES = help_examples()


def test_the_examples_are_found_in_every_command():
    with_example = {where for where, _ in EXAMPLES}
    leaves = [p for p, c in _commands(typer.main.get_command(cli.app), []) if not getattr(c, "commands", None)]
    assert len(leaves) >= 25
    assert not [" ".join(p) for p in leaves if " ".join(["datamesh", *p]) not in with_example]
    assert len(EXAMPLES) >= len(leaves)


def _arguments(example: str) -> list[str]:
    words = shlex.split(example)
    assert words[0] == "datamesh", f"example does not start with datamesh: {example}"
    args = [PLACEHOLDERS.get(w, w) for w in words[1:]]
    unknown = [a for a in args if re.fullmatch(r"<[^>]+>", a)]
    assert not unknown, f"example `{example}` uses {unknown}: add it to PLACEHOLDERS with a value of the fake"
    return args


@pytest.fixture
def deployed_mesh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeMeshAws:
    """A copy of the bundled mesh (MESH_DIR), deployed in the fake; the current directory holds what
    examples name on disk, an AWS config with the profile they name, and serve listens nowhere."""
    mesh = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", mesh)
    work = tmp_path / "work"
    work.mkdir()
    (work / "terms.csv").write_text(TERMS_CSV)
    (tmp_path / "aws-config").write_text("[profile tools-admin]\nregion = eu-west-1\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("MESH_DIR", str(mesh))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    from datamesh.web import listener

    monkeypatch.setattr(listener, "listen", lambda host, port: ("listening", host, port))
    monkeypatch.setattr(listener, "run", lambda app, sock: None)
    fake = FakeMeshAws(mesh)
    monkeypatch.setattr(cli.STATE, "clients", fake.clients)
    return fake


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_help_example_runs(where: str, example: str, deployed_mesh: FakeMeshAws):
    result = runner.invoke(cli.app, _arguments(example))
    problems = "\n".join(deployed_mesh.problems)
    assert result.exit_code == 0 and not problems, (
        f"the example `{example}` in `{where} --help` fails (exit {result.exit_code}):\n{result.output}{problems}"
    )
    assert "Traceback" not in result.output


def test_a_stale_example_fails_with_its_text(deployed_mesh: FakeMeshAws):
    """The fake refuses what DataZone refuses: a form field the form type does not have."""
    result = runner.invoke(
        cli.app, _arguments("datamesh assets set-form adhoc_churn_scores DataQuality --value score=0.97")
    )
    assert result.exit_code == 1
    assert "DataQuality.score: score is not a field of the form type" in result.output


def test_an_example_with_an_unknown_environment_fails(deployed_mesh: FakeMeshAws):
    result = runner.invoke(cli.app, _arguments("datamesh promote check finance-customer360 --from prod-dev --to prod"))
    assert result.exit_code == 1 and "unknown environment 'prod-dev'" in result.output
