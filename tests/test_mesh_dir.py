"""One mesh folder setting for cdk, every CLI command, `datamesh serve` and the change plan:
--mesh-dir / -c mesh_dir= > MESH_DIR > cdk.json's context.mesh_dir > environments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datamesh import cli
from mesh_config import ConfigError
from mesh_config.mesh_dir import resolve_cdk_context, resolve_mesh_dir
from mesh_plan.__main__ import main as plan_main
from tests.synth import ROOT

runner = CliRunner()


def _cdk_json(folder: Path, mesh_dir: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk.json").write_text(json.dumps({"app": "python app.py", "context": {"mesh_dir": mesh_dir}}))
    return folder


def test_precedence_given_then_variable_then_cdk_json_then_default(tmp_path: Path):
    project = _cdk_json(tmp_path / "project", "my-mesh")
    assert resolve_mesh_dir("given", environ={"MESH_DIR": "var"}, cwd=project).path == "given"
    assert resolve_mesh_dir(None, environ={"MESH_DIR": "var"}, cwd=project).describe() == "var (MESH_DIR)"
    found = resolve_mesh_dir(None, environ={}, cwd=project)
    assert found.path == "my-mesh" and found.source == "context.mesh_dir of cdk.json"
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    assert resolve_mesh_dir(None, environ={}, cwd=empty).describe() == "environments (default)"


def test_a_parent_cdk_json_names_the_folder_relative_to_itself(tmp_path: Path):
    project = _cdk_json(tmp_path / "project", "my-mesh")
    below = project / "docs" / "notes"
    below.mkdir(parents=True)
    found = resolve_mesh_dir(None, environ={}, cwd=below)
    assert Path(found.path) == project.resolve() / "my-mesh"
    assert str(project.resolve() / "cdk.json") in found.source


def test_a_broken_cdk_json_is_a_clear_error_not_another_mesh(tmp_path: Path):
    (tmp_path / "cdk.json").write_text('{"context": {"mesh_dir": "x",}}')
    with pytest.raises(ConfigError) as error:
        resolve_mesh_dir(None, environ={}, cwd=tmp_path)
    assert "cdk.json" in error.value.render() and "cannot be read" in error.value.render()
    _cdk_json(tmp_path, 42)
    with pytest.raises(ConfigError) as error:
        resolve_mesh_dir(None, environ={}, cwd=tmp_path)
    (issue,) = error.value.issues
    assert issue.path == "context.mesh_dir" and "not 42" in issue.problem and '"mesh_dir": "environments"' in issue.fix


def test_cdk_context_equal_to_cdk_json_yields_to_the_variable(tmp_path: Path):
    _cdk_json(tmp_path, "environments")
    # cdk hands the app cdk.json's context merged with -c flags.
    assert resolve_cdk_context("environments", tmp_path, environ={"MESH_DIR": "var"}).path == "var"
    assert resolve_cdk_context("environments", tmp_path, environ={}).path == "environments"
    given = resolve_cdk_context("examples/three-prod-accounts", tmp_path, environ={"MESH_DIR": "var"})
    assert given.describe() == "examples/three-prod-accounts (-c mesh_dir)"
    assert resolve_cdk_context(None, tmp_path, environ={"MESH_DIR": "var"}).path == "var"


def _run_app(context: dict[str, str], mesh_dir_variable: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    """app.py as cdk runs it: in the project root, with cdk.json's context merged into CDK_CONTEXT_JSON."""
    cdk_context = json.loads((ROOT / "cdk.json").read_text())["context"]
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({**cdk_context, **context}),
        "CDK_OUTDIR": str(outdir),
        "MESH_DIR": mesh_dir_variable,
    }
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_app_reads_mesh_dir_unless_c_mesh_dir_is_given(tmp_path: Path):
    from_variable = _run_app({}, str(tmp_path / "from-variable"), tmp_path / "out")
    assert from_variable.returncode == 1
    assert f"{tmp_path / 'from-variable'}/mesh.yaml" in from_variable.stderr and "Traceback" not in from_variable.stderr
    given = _run_app({"mesh_dir": str(tmp_path / "given")}, str(tmp_path / "from-variable"), tmp_path / "out")
    assert given.returncode == 1
    assert f"{tmp_path / 'given'}/mesh.yaml" in given.stderr and "from-variable" not in given.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project: cdk.json naming my-mesh (a copy of the example), run from its root."""
    root = _cdk_json(tmp_path / "project", "my-mesh")
    shutil.copytree(ROOT / "environments", root / "my-mesh")
    shutil.copytree(ROOT / "environments", root / "other-mesh")
    monkeypatch.chdir(root)
    monkeypatch.delenv("MESH_DIR", raising=False)
    return root


REMOVE = ["projects", "remove-member", "finance-reporting", "finance-analysts"]


def _edited(project: Path) -> list[str]:
    original = (ROOT / "environments" / "mesh.yaml").read_text()
    return [f for f in ("my-mesh", "other-mesh") if (project / f / "mesh.yaml").read_text() != original]


def test_cli_edits_the_folder_cdk_json_names(project: Path):
    result = runner.invoke(cli.app, REMOVE)
    assert result.exit_code == 0, result.output
    assert _edited(project) == ["my-mesh"]


def test_cli_mesh_dir_variable_overrides_cdk_json(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MESH_DIR", "other-mesh")
    assert runner.invoke(cli.app, REMOVE).exit_code == 0
    assert _edited(project) == ["other-mesh"]


def test_cli_option_overrides_the_variable(project: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MESH_DIR", "nowhere")
    assert runner.invoke(cli.app, [*REMOVE, "--mesh-dir", "my-mesh"]).exit_code == 0
    assert _edited(project) == ["my-mesh"]


def test_cli_with_a_broken_cdk_json_says_so_once(project: Path):
    (project / "cdk.json").write_text("{")
    result = runner.invoke(cli.app, ["drift"])
    assert result.exit_code == 1
    assert "cdk.json" in result.output and "cannot be read" in result.output and "Traceback" not in result.output
    assert runner.invoke(cli.app, ["drift", "--help"]).exit_code == 0  # help needs no mesh


def test_serve_uses_the_mesh_dir_variable(project: Path, monkeypatch: pytest.MonkeyPatch):
    from datamesh.web import listener

    served: list[object] = []
    monkeypatch.setattr(listener, "listen", lambda host, port: "socket")
    monkeypatch.setattr(listener, "run", lambda app, sock: served.append(app))
    monkeypatch.setenv("MESH_DIR", "missing-mesh")
    refused = runner.invoke(cli.app, ["serve"])
    assert refused.exit_code == 1 and "missing-mesh/mesh.yaml" in refused.output and not served
    monkeypatch.setenv("MESH_DIR", "other-mesh")
    started = runner.invoke(cli.app, ["serve"])
    assert started.exit_code == 0 and served
    assert "mesh folder: other-mesh (MESH_DIR)" in started.output


def test_plan_reads_the_folder_cdk_json_names_and_the_variable(project: Path, monkeypatch, capsys):
    (project / "my-mesh" / "mesh.yaml").write_text("org: acme\n")
    assert plan_main(["--baseline", "deployed"]) == 2
    assert "my-mesh/mesh.yaml" in capsys.readouterr().err
    monkeypatch.setenv("MESH_DIR", "missing-mesh")
    assert plan_main(["--baseline", "deployed"]) == 2
    assert "missing-mesh/mesh.yaml" in capsys.readouterr().err


def test_make_passes_mesh_dir_to_synth_and_plan():
    env = {k: v for k, v in os.environ.items() if k not in ("MESH_DIR", "MAKEFLAGS")}

    def recipe(*args: str) -> str:
        return subprocess.run(["make", "-n", *args], cwd=ROOT, env=env, capture_output=True, text=True).stdout

    assert "cdk synth --quiet -c mesh_dir=my-mesh" in recipe("synth", "MESH_DIR=my-mesh")
    assert "-m mesh_plan --baseline git --mesh-dir my-mesh" in recipe("plan", "MESH_DIR=my-mesh")
    assert "mesh_dir" not in recipe("synth") and "--mesh-dir" not in recipe("plan")
