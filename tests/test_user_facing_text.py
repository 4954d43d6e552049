"""What users read speaks of the mesh, not of the project's own history.

The design started from a set of reference documents; users meet it through the README, docs/,
the bundled YAML and its comments, the JSON Schemas their editors show, --help and error messages
(the Python sources of the app). None of it may cite those documents as "seed" documents or name
the project's internal issues; where the origin matters, the text says "the reference design".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.synth import ROOT

SEED = re.compile(r"\bseeds?\b|seed[ -]documents?", re.IGNORECASE)
# Internal history: the project's own issue numbers ("issue 22"); external ones are cited as "#61".
HISTORY = re.compile(r"\bissue \d+\b|\breview found\b", re.IGNORECASE)
# The app's own Python sources carry --help texts, error messages and schema descriptions.
SOURCE_FOLDERS = ("datamesh", "mesh_config", "mesh_constructs", "mesh_plan", "stacks", "scripts")


def _documents() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    files += sorted((ROOT / "environments").glob("*.yaml")) + sorted((ROOT / "examples").rglob("*.yaml"))
    return files + sorted((ROOT / "schemas").glob("*.json"))


def _sources() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in SOURCE_FOLDERS:
        files += sorted((ROOT / folder).rglob("*.py"))
        files += sorted((ROOT / folder).rglob("*.html"))
    return files


def hits(pattern: re.Pattern[str], path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if pattern.search(line)
    ]


def test_the_scan_covers_the_files_users_read():
    names = {p.relative_to(ROOT).as_posix() for p in _documents() + _sources()}
    for expected in ("README.md", "environments/mesh.yaml", "schemas/mesh.schema.json", "datamesh/cli.py"):
        assert expected in names


@pytest.mark.parametrize("text", ["built from the seed documents", "(seed 001)", "Seeds 000-002", "seed document"])
def test_the_pattern_finds_a_seed_reference(text):
    assert SEED.search(text)


@pytest.mark.parametrize("text", ["seedless", "the reference design", "reseeded", "linseed"])
def test_the_pattern_leaves_other_words_alone(text):
    assert not SEED.search(text)


def test_nothing_users_read_cites_seed_documents():
    found = [hit for path in _documents() + _sources() + [ROOT / "CHANGELOG.md"] for hit in hits(SEED, path)]
    assert not found, "say 'the reference design' (or nothing) instead of:\n" + "\n".join(found)


def test_no_document_names_the_projects_internal_history():
    found = [hit for path in _documents() for hit in hits(HISTORY, path)]
    assert not found, "describe the behaviour, not the issue that brought it:\n" + "\n".join(found)
