"""The synth step's compute follows the mesh's size, and running out of memory says what to set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmark.mesh_generator import Shape, fit_layout, generate_mesh
from mesh_config import load_mesh
from mesh_config.layout_checks import synth_resources
from mesh_config.pipeline import PipelineConfig
from mesh_config.synth_compute import (
    COMPUTE_MEMORY_GB,
    SAFETY_FACTOR,
    SynthCompute,
    max_resources_for,
    next_compute,
    synth_compute_for,
    synth_peak_mb,
)
from scripts.guarded_synth import heap_mb, node_options
from tests.config_edits import edit_yaml
from tests.synth import ROOT, synth_app

GUARD = ROOT / "scripts" / "guarded_synth.py"

# --- The rule ---------------------------------------------------------------------------------


def test_thresholds_keep_twice_the_expected_peak_within_the_computes_memory():
    for compute in SynthCompute:
        largest = max_resources_for(compute)
        assert SAFETY_FACTOR * synth_peak_mb(largest) <= COMPUTE_MEMORY_GB[compute] * 1024
        if compute is not SynthCompute.X2_LARGE:
            assert synth_compute_for(largest) is compute
            assert synth_compute_for(largest + 1) is next_compute(compute)


def test_the_example_fits_the_default_compute_and_large_meshes_do_not(tmp_path):
    # The example: 3 environments, 6 projects, 10 tables, 3 subscriptions, 6 units each.
    config = load_mesh(ROOT / "environments")
    example = synth_resources(config.mesh, config.pipeline_environments())
    assert 800 <= example <= 1_200  # 831 measured
    assert synth_compute_for(example) is SynthCompute.SMALL
    # 34 288 resources were measured at 1.5 GB, half of SMALL's 3 GB: no margin left, so MEDIUM.
    # 3 000 projects of four resources in three environments are beyond that.
    shape = Shape(business_units=20, projects=3_000, tables_per_unit=10, subscriptions=0)
    search = fit_layout(tmp_path / "large", generate_mesh(shape))
    assert search.error is None, search.error
    large_config = load_mesh(tmp_path / "large")
    large = synth_resources(large_config.mesh, large_config.pipeline_environments())
    assert large > 34_288
    assert synth_compute_for(large) is SynthCompute.MEDIUM
    assert synth_compute_for(10_000_000) is SynthCompute.X2_LARGE
    assert next_compute(SynthCompute.X2_LARGE) is None


def test_the_override_is_one_of_the_four_computes():
    base = {
        "account": "444444444444",
        "region": "eu-west-1",
        "connection_arn": (
            "arn:aws:codeconnections:eu-west-1:444444444444:connection/5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"
        ),
        "repository": "data-platform/smus-data-mesh",
    }
    assert PipelineConfig(**base).synth_compute is None
    assert PipelineConfig(**base, synth_compute="LARGE").synth_compute is SynthCompute.LARGE
    with pytest.raises(ValueError, match="synth_compute"):
        PipelineConfig(**base, synth_compute="HUGE")


def test_mesh_config_never_imports_aws_cdk():
    code = "import sys, mesh_config.synth_compute, mesh_config.pipeline; print('aws_cdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- The synth step in the pipeline ------------------------------------------------------------


def _synth_project(template: dict) -> dict:
    (project,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project" and "make test" in r["Properties"]["Source"]["BuildSpec"]
    ]
    return project


def test_the_example_synth_runs_on_small_under_the_guard_and_other_steps_keep_the_default(example_app):
    template = example_app.templates()["acme-mesh-pipeline"]
    synth = _synth_project(template)
    assert synth["Environment"]["ComputeType"] == "BUILD_GENERAL1_SMALL"
    assert synth["Environment"]["Image"] == "aws/codebuild/standard:7.0"
    spec = synth["Source"]["BuildSpec"]
    guard = "python3 scripts/guarded_synth.py --compute SMALL --memory-gb 3 --next MEDIUM --"
    for command in ("make test", "make synth", ".venv/bin/python -m mesh_plan"):
        assert f"{guard} {command}" in spec
    # What deploys passes CDK's built-in CloudFormation validation (a local synth skips it).
    variables = synth["Environment"]["EnvironmentVariables"]
    assert {"Name": "CDK_VALIDATION", "Type": "PLAINTEXT", "Value": "true"} in variables
    others = [
        r["Properties"]["Environment"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project" and "make test" not in r["Properties"]["Source"]["BuildSpec"]
    ]
    assert others and all(e["ComputeType"] == "BUILD_GENERAL1_SMALL" for e in others)


def test_the_override_sets_the_synth_steps_compute(env_dir, tmp_path):
    edit_yaml(env_dir / "mesh.yaml", lambda mesh: mesh["pipeline"].update(synth_compute="LARGE"))
    app = synth_app(env_dir, tmp_path / "out")
    synth = _synth_project(app.templates()["acme-mesh-pipeline"])
    assert synth["Environment"]["ComputeType"] == "BUILD_GENERAL1_LARGE"
    assert "--compute LARGE --memory-gb 15 --next X2_LARGE --" in synth["Source"]["BuildSpec"]


# --- The guard, on real processes --------------------------------------------------------------


def guarded(*command: str, heap: int | None = None, compute: str = "SMALL") -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(GUARD), "--compute", compute, "--memory-gb", "3", "--next", "MEDIUM"]
    if heap is not None:
        args += ["--heap-mb", str(heap)]
    return subprocess.run([*args, "--", *command], capture_output=True, text=True, timeout=120)


ADVICE = "the synth ran out of memory on SMALL (3 GB): set pipeline.synth_compute: MEDIUM in mesh.yaml"


def test_a_node_process_over_its_heap_cap_fails_with_the_advice():
    # Grows its heap until Node's cap (from NODE_OPTIONS, set by the guard) stops it.
    grow = "const a = []; for (;;) a.push(new Array(1e5).fill(Math.random()));"
    result = guarded("node", "-e", grow, heap=32)
    assert result.returncode != 0
    assert "heap out of memory" in result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1] == ADVICE


def test_a_process_killed_like_the_oom_killer_does_fails_with_the_advice():
    kill = "import os, signal; print('working', flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    result = guarded(sys.executable, "-c", kill)
    assert result.returncode == 137
    assert "working" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == ADVICE


def test_other_failures_and_successes_pass_through_untouched():
    failed = guarded(sys.executable, "-c", "import sys; print('a test failed'); sys.exit(3)")
    assert failed.returncode == 3 and "a test failed" in failed.stdout and "out of memory" not in failed.stderr
    ok = guarded(sys.executable, "-c", "import os; print(os.environ['NODE_OPTIONS'])")
    assert ok.returncode == 0 and ok.stdout.strip() == f"--max-old-space-size={heap_mb(3)}"


def test_the_largest_compute_advises_splitting_instead():
    kill = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    args = [sys.executable, str(GUARD), "--compute", "X2_LARGE", "--memory-gb", "145", "--", sys.executable, "-c", kill]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert "on X2_LARGE (145 GB): no larger CodeBuild compute exists" in result.stderr


def test_heap_cap_is_a_share_of_memory_and_an_explicit_one_wins():
    assert heap_mb(3) == 1228 and heap_mb(15) == 6144
    assert node_options(1228) == "--max-old-space-size=1228"
    assert node_options(1228, "--enable-source-maps") == "--enable-source-maps --max-old-space-size=1228"
    assert node_options(1228, "--max-old-space-size=512") == "--max-old-space-size=512"
