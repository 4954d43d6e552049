"""What a user sees when running the app on a broken configuration: a list, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from tests.synth import ROOT


def run_app(mesh_dir, outdir) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"mesh_dir": str(mesh_dir)}),
        "CDK_OUTDIR": str(outdir),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_bad_config_exits_non_zero_with_every_problem_and_no_traceback(tmp_path):
    mesh_dir = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", mesh_dir)
    mesh = mesh_dir / "mesh.yaml"
    mesh.write_text(mesh.read_text().replace("profile: genai", "profile: gen-ai"))
    prod = mesh_dir / "prod.yaml"
    prod.write_text(prod.read_text().replace('"345678901234"', '"3456789"'))

    result = run_app(mesh_dir, tmp_path / "out")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "The mesh configuration has 2 problems" in result.stderr
    assert "projects[5].profile" in result.stderr and "prod.yaml:4  account" in result.stderr


def test_missing_config_directory_is_reported(tmp_path):
    result = run_app(tmp_path / "nowhere", tmp_path / "out")
    assert result.returncode == 1
    assert "mesh.yaml" in result.stderr and "file not found" in result.stderr
    assert "Traceback" not in result.stderr
