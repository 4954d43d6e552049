"""Keys that were removed or changed: each is refused with a pointer to its upgrade note, and the
note exists under CHANGELOG.md's "Upgrade notes"."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mesh_config.retired_keys import (
    PREFIXES_NOTE,
    RETIRED_KEYS,
    RetiredKey,
    refuse_removed_keys,
    upgrade_note,
)
from mesh_config.yaml_source import YamlDocument
from tests.config_edits import assert_issue, edit_yaml, load_issues

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"


def upgrade_note_headings() -> list[str]:
    """The '#### ' headings under '### Upgrade notes' (until the next '## ' or '### ')."""
    headings, inside = [], False
    for line in CHANGELOG.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            inside = line.strip() == "### Upgrade notes"
        elif line.startswith("## "):
            inside = False
        elif inside and line.startswith("#### "):
            headings.append(line.removeprefix("#### ").strip())
    return headings


def test_every_pointer_names_a_note_of_the_changelog():
    headings = upgrade_note_headings()
    for note in {k.note for k in RETIRED_KEYS} | {PREFIXES_NOTE}:
        assert note in headings, f"no '#### {note}' under ### Upgrade notes in CHANGELOG.md"


def test_every_pointer_in_the_config_layer_goes_through_the_table():
    # The old form 'CHANGELOG.md, Upgrade notes, "..."' named notes by hand; every pointer is now
    # upgrade_note(heading), so the test above sees each one.
    sources = (Path(__file__).resolve().parent.parent / "mesh_config").glob("*.py")
    by_hand = [p.name for p in sources if re.search(r"CHANGELOG\.md, Upgrade notes", p.read_text(encoding="utf-8"))]
    assert by_hand == []


# One bad input per entry: (file to edit, edit, path of the issue).
def _viewers(m: Any) -> None:
    m["projects"][0]["viewers"] = ["executives"]


def _project_shards(m: Any) -> None:
    m["domain_units"][0]["project_stack_shards"] = 2


def _product_shards(m: Any) -> None:
    m["domain_units"][1]["product_stack_shards"] = 3


def _no_approver_principals(env: Any) -> None:
    del env["promotion"]["approver_principals"]


def _two_subnets(env: Any) -> None:
    env["network"]["subnet_ids"] = env["network"]["subnet_ids"][:2]


def _admin_without_principals(env: Any) -> None:
    del env["management"]["principals"]


BAD_INPUTS: dict[tuple[str, ...], tuple[str, Callable[[Any], None], str]] = {
    ("projects", "*", "viewers"): ("mesh.yaml", _viewers, "projects[0].viewers"),
    ("domain_units", "*", "project_stack_shards"): (
        "mesh.yaml",
        _project_shards,
        "domain_units[0].project_stack_shards",
    ),
    ("domain_units", "*", "product_stack_shards"): (
        "mesh.yaml",
        _product_shards,
        "domain_units[1].product_stack_shards",
    ),
    ("promotion", "approver_principals"): ("staging.yaml", _no_approver_principals, "promotion.approver_principals"),
    ("network", "subnet_ids"): ("staging.yaml", _two_subnets, "network.subnet_ids"),
    ("management", "principals"): ("dev.yaml", _admin_without_principals, "management.principals"),
}


def test_every_entry_has_a_bad_input():
    assert set(BAD_INPUTS) == {k.path for k in RETIRED_KEYS}


@pytest.mark.parametrize("key", RETIRED_KEYS, ids=lambda k: k.shown_path)
def test_each_retired_key_is_refused_with_its_upgrade_note(env_dir: Path, key: RetiredKey):
    file, edit, path = BAD_INPUTS[key.path]
    edit_yaml(env_dir / file, edit)

    issues = load_issues(env_dir)
    issue = assert_issue(issues, file, path, "")
    assert f"see {upgrade_note(key.note)}" in issue.fix
    # One problem, one message: nothing else of the example is wrong, and a removed key is not
    # reported a second time as an unknown one.
    assert len(issues) == 1, "\n".join(i.render() for i in issues)


def test_a_removed_key_is_reported_with_the_rest_of_the_file(env_dir: Path):
    """Taken out before the schema, a removed key does not hide the file's other problems."""

    def change(m: Any) -> None:
        m["projects"][0]["viewers"] = ["executives"]
        m["projects"][1]["contributors"] = ["treasurers"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "projects[0].viewers", "key 'viewers' was removed")
    assert_issue(issues, "mesh.yaml", "projects[1].contributors[0]", "group 'treasurers' is not declared")


def test_the_viewers_message_says_what_to_do_instead(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", _viewers)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects[0].viewers", "only the Owner and Contributor")
    assert "browse and search the catalog" in issue.fix and "contributor" in issue.fix
    assert issue.fix.endswith("see CHANGELOG.md, upgrade note 'project viewers removed'")


def test_removed_keys_are_taken_out_without_changing_the_document():
    data = {"projects": [{"use_case": "a", "viewers": ["x"]}, {"use_case": "b"}], "domain_units": "not a list"}
    doc = YamlDocument("mesh.yaml", data)
    kept, issues = refuse_removed_keys(data, doc, "mesh.yaml")
    assert kept == {"projects": [{"use_case": "a"}, {"use_case": "b"}], "domain_units": "not a list"}
    assert data["projects"][0]["viewers"] == ["x"]
    assert [i.path for i in issues] == ["projects[0].viewers"]
