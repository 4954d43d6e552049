"""Small edits of a copy of the example configuration, and assertions on the issues they cause."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mesh_config import ConfigError, ConfigIssue, load_mesh

EXAMPLE = Path(__file__).resolve().parent.parent / "environments"


def edit_text(path: Path, old: str, new: str) -> None:
    """Replace one exact, unique piece of text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, start=1) if line.rstrip().endswith(text)]
    assert len(found) == 1, f"{text!r} on lines {found}"
    return found[0]


def load_issues(directory: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as excinfo:
        load_mesh(directory)
    return excinfo.value.issues


def assert_issue(issues: list[ConfigIssue], file: str, path: str, problem: str) -> ConfigIssue:
    """The issue in ``file`` at ``path`` whose problem mentions ``problem``; it must carry a fix."""
    matches = [i for i in issues if Path(i.file).name == file and i.path == path and problem in i.problem]
    rendered = "\n".join(i.render() for i in issues)
    assert matches, f"no issue {file} {path!r} ~ {problem!r} among:\n{rendered}"
    issue = matches[0]
    assert issue.fix.strip(), f"no fix for {issue.render()}"
    return issue


# A layout of the example where each producer's tables have a products stack of their own
# (jump_hash of the three producers over 9 stacks), for tests that look at one producer's stack.
PRODUCER_LAYOUT = {"product_stacks": 9}
PRODUCTS_PART = {"finance": "products-9", "sales": "products-3", "ops": "products-5"}


def with_producer_stacks(source: Path, target: Path, old: str | None = None, new: str = "") -> Path:
    """A copy of ``source`` (a mesh folder) in ``target`` with PRODUCER_LAYOUT, and one exact piece
    of mesh.yaml replaced first (adding the layout rewrites the file)."""
    shutil.copytree(source, target)
    if old is not None:
        edit_text(target / "mesh.yaml", old, new)
    edit_yaml(target / "mesh.yaml", lambda m: m.update(layout=PRODUCER_LAYOUT))
    return target
