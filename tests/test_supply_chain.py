"""Dependencies are locked: every Python package with its hashes, every npm package with its
integrity, no install script, and the pipeline installs nothing that floats."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from tests.synth import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    """name -> version of a requirements file, following -r includes."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(_pins(path.parent / line[3:].strip()))
        elif match := PIN.match(line):
            pins[_name(match[1])] = match[2]
    return pins


def _locked(path: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """name -> [(version, hashes)] of a lock (a package may appear once per Python-version marker)."""
    entries: dict[str, list[tuple[str, list[str]]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        if match := PIN.match(block):
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            entries.setdefault(_name(match[1]), []).append((match[2], hashes))
    return entries


@pytest.mark.parametrize(
    ("inputs", "lock"),
    [("requirements-dev.txt", "requirements-dev.lock"), ("scripts/requirements.txt", "scripts/requirements.lock")],
)
def test_each_lock_holds_every_pin_of_its_inputs_with_hashes(inputs, lock):
    """Edit requirements*.txt, then `make lock`: a lock that disagrees with its inputs fails here."""
    pins, locked = _pins(ROOT / inputs), _locked(ROOT / lock)
    assert pins, inputs
    for name, version in pins.items():
        assert name in locked, f"{name} is pinned in {inputs} but not in {lock}: run make lock"
        assert {v for v, _ in locked[name]} == {version}, f"{name}: {inputs} says {version}, {lock} differs"
    for name, versions in locked.items():
        for version, hashes in versions:
            assert hashes, f"{lock}: {name}=={version} has no hash"


def test_the_install_and_the_pipeline_install_from_the_locks_only():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line.strip() for line in makefile.splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        assert "--require-hashes -r requirements-dev.lock" in line or ("--no-deps" in line and "-e ." in line)
    # The editable install must not fetch an unhashed build backend into an isolated build env.
    assert all("--no-build-isolation" in line for line in installs if "-e ." in line)
    assert "\tnpm ci " in makefile and "\tnpm install" not in makefile


def test_every_npm_package_is_pinned_by_integrity_and_runs_no_install_script():
    manifest = json.loads((ROOT / "package.json").read_text())
    for group in ("devDependencies", "optionalDependencies"):
        for name, version in manifest.get(group, {}).items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"package.json: {name}@{version} is not an exact version"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = {k: v for k, v in lock["packages"].items() if k}
    assert packages
    for path, entry in packages.items():
        assert entry.get("integrity", "").startswith("sha512-"), f"{path} has no integrity in package-lock.json"
        assert not entry.get("hasInstallScript"), f"{path} runs an install script"
    assert "ignore-scripts=true" in (ROOT / ".npmrc").read_text().splitlines()


def test_the_lambda_asset_holds_no_third_party_code():
    """The handlers' only dependency is the Lambda runtime's boto3: the asset has nothing to lock."""
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    for path in sorted((ROOT / "mesh_constructs" / "handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}: the Lambda asset would need it bundled"
