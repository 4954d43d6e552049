"""Shared fixtures: the bundled example synthesized once per test session."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
# jsii starts Node on the first aws_cdk import: prefer the pinned Node 22 (no EOL banner).
os.environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"
sys.path.insert(0, str(ROOT))

from tests.synth import SynthesizedApp, synth_app  # noqa: E402


@pytest.fixture
def env_dir(tmp_path: Path) -> Path:
    """A copy of the bundled example, to break one thing in."""
    target = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", target)
    return target


@pytest.fixture
def client():
    """A real DataZone client (real service model) for the custom-resource handlers' Stubber tests."""
    return boto3.client("datazone", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def lakeformation():
    """A real Lake Formation client for the grants handler's Stubber tests."""
    return boto3.client("lakeformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


class Sleeps(list):
    """A handler's ``sleep``: records the backoff delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


# A handler's whole Lambda run in the tests: the 15-minute timeout, less the handlers' margin.
LAMBDA_SECONDS = 15 * 60


@pytest.fixture
def deadline(sleeps: Sleeps):
    """The deadline of a fresh 15-minute invocation on a fake clock that only sleeping advances:
    the handlers' waits run at once, and ``sleeps`` shows what they would have slept."""
    from mesh_constructs.handlers.support import SAFETY_MARGIN, Deadline

    return Deadline(LAMBDA_SECONDS - SAFETY_MARGIN, clock=lambda: float(sum(sleeps)), sleep=sleeps)


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synth_app(ROOT / "environments", tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def producers_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The example with each producer's tables in a products stack of its own (PRODUCTS_PART)."""
    from tests.config_edits import with_producer_stacks

    mesh_dir = with_producer_stacks(ROOT / "environments", tmp_path_factory.mktemp("producers") / "environments")
    return synth_app(mesh_dir, tmp_path_factory.mktemp("producers.out"))


@pytest.fixture(scope="session")
def comprehensive_starter_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """`datamesh init --comprehensive` as written (two environments, a nested unit stack), synthesized."""
    from tests.starter_meshes import init

    mesh_dir = tmp_path_factory.mktemp("starter") / "mesh"
    init(mesh_dir, "--comprehensive")
    return synth_app(mesh_dir, tmp_path_factory.mktemp("starter.out"))


@pytest.fixture(scope="session")
def cdk_context() -> dict:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


@pytest.fixture
def aws():
    """Stubber-backed AWS clients for the datamesh services (tests/datamesh_fakes.py)."""
    from tests.datamesh_fakes import stubbed_aws

    clients, stubs = stubbed_aws()
    yield clients, stubs
    for stub in stubs.values():
        stub.deactivate()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Each phase's report on the test item (item.report_call...), for fixtures that save artefacts
    (the browser tests' screenshots) when the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
