"""Bad input from anywhere gets a clean answer: file, path, problem, fix. Never a traceback, a
hang or gigabytes of memory. Each test breaks one thing in a copy of the example."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import pytest

from mesh_config import ConfigError, EnvironmentConfig, load_mesh
from mesh_config.loader import read_mesh_text
from mesh_config.mesh import MeshDefinition
from tests.config_edits import assert_issue, edit_text, edit_yaml, load_issues

# --- what a file is made of ---------------------------------------------------------------


def test_file_that_is_not_utf8_names_the_byte(env_dir: Path) -> None:
    text = (env_dir / "dev.yaml").read_bytes()
    broken = text.replace(b"name: dev", "name: d\xe9v".encode("latin-1"), 1)
    (env_dir / "dev.yaml").write_bytes(broken)

    issue = assert_issue(load_issues(env_dir), "dev.yaml", "", "not UTF-8 text")
    offset = broken.index(b"\xe9")
    assert f"byte 0xe9 at byte offset {offset}" in issue.problem
    assert issue.line == broken[:offset].count(b"\n") + 1
    assert "UTF-8" in issue.fix


def test_byte_order_mark_is_accepted(env_dir: Path) -> None:
    path = env_dir / "dev.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    assert load_mesh(env_dir).environment("dev").account == "123456789012"


def test_alias_bomb_is_refused_quickly_with_bounded_memory(env_dir: Path) -> None:
    # "Billion laughs": nine levels of nine aliases expand to 9**9 (387 million) values.
    lines = ['l0: &l0 ["lol"]']
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    (env_dir / "mesh.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # CPU time, not wall time: on a loaded machine the wall clock measures the other processes.
    # Unbounded expansion would take hours and gigabytes; the bound only has to tell the two apart.
    started = time.process_time()
    issues = load_issues(env_dir)
    elapsed = time.process_time() - started

    assert_issue(issues, "mesh.yaml", "", "expands to more than 500,000 values")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert elapsed < 10, f"took {elapsed:.1f} s of CPU"
    assert grown_mib < 500, f"peak memory grew by {grown_mib:.0f} MiB"


def test_self_referencing_alias_is_refused(env_dir: Path) -> None:
    (env_dir / "mesh.yaml").write_text("org: &org [a, *org]\n", encoding="utf-8")

    assert_issue(load_issues(env_dir), "mesh.yaml", "org[1]", "refers to a block that contains it")


def test_deep_nesting_is_refused(env_dir: Path) -> None:
    (env_dir / "mesh.yaml").write_text("org: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")

    issues = load_issues(env_dir)
    assert any(i.file.endswith("mesh.yaml") and "nested" in i.problem for i in issues), issues


def test_oversized_file_is_refused_before_parsing(env_dir: Path) -> None:
    with (env_dir / "mesh.yaml").open("a", encoding="utf-8") as f:
        f.write("# " + "x" * (6 * 1024 * 1024) + "\n")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "", "the limit is 5,242,880")
    assert "right file" in issue.fix


# --- YAML 1.1 numbers ---------------------------------------------------------------------


def test_octal_looking_number_quotes_what_was_typed(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  branch: main", "  branch: 0755")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "pipeline.branch", "'0755' is read by YAML 1.1")
    assert "the number 493 (octal)" in issue.problem
    assert 'quote it ("0755")' in issue.fix


def test_sexagesimal_number_quotes_what_was_typed(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["domain_units"][0].update(description="PLACEHOLDER"))
    edit_text(env_dir / "mesh.yaml", "description: PLACEHOLDER", "description: 1:30")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[0].description", "'1:30'")
    assert "the number 90 (sexagesimal (base 60))" in issue.problem


def test_octal_deployment_order_is_not_silently_eight(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    edit_yaml(mesh, lambda m: m["project_profiles"][1]["environments"][1].update(deployment_order=1234567))
    edit_text(mesh, "deployment_order: 1234567", "deployment_order: 010")

    assert_issue(load_issues(env_dir), "mesh.yaml", "project_profiles[1].environments[1].deployment_order", "'010'")


def test_unquoted_number_where_text_is_expected_quotes_the_text_typed(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  branch: main", "  branch: 2.50")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "pipeline.branch", "expected text, got the number 2.50")
    assert '"2.50"' in issue.fix


# --- plain words ----------------------------------------------------------------------------


def test_format_errors_are_explained_in_words_not_regular_expressions(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "vpc_id: vpc-1a2b3c4de5f60718", "vpc_id: my-vpc")
    edit_text(env_dir / "mesh.yaml", "use_case: customer360", "use_case: Customer_360")

    issues = load_issues(env_dir)
    vpc = assert_issue(issues, "staging.yaml", "network.vpc_id", "'my-vpc' has the wrong format")
    assert vpc.fix == "use a VPC id (vpc- followed by 8 or 17 hex digits)"
    slug = assert_issue(issues, "mesh.yaml", "projects[0].use_case", "has the wrong format")
    assert "lower-case letters and digits" in slug.fix
    assert not any("^" in i.fix or "$" in i.fix for i in issues)


# --- refused before synth because each one fails a deploy later ---------------------------


def test_region_of_the_right_shape_that_does_not_exist(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "region: eu-west-1", "region: eu-west-9")
    edit_text(env_dir / "mesh.yaml", "  region: eu-west-1", "  region: us-east-7")

    issues = load_issues(env_dir)
    staging = assert_issue(issues, "staging.yaml", "region", "'eu-west-9' has the shape of a region name but is no")
    assert "did you mean" in staging.fix and "eu-west-1" in staging.fix
    assert_issue(issues, "mesh.yaml", "pipeline.region", "'us-east-7'")


def test_reserved_tag_prefix(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["tags"].update({"aws:cost-center": "x"}))
    with (env_dir / "dev.yaml").open("a", encoding="utf-8") as f:
        f.write("tags:\n  AWS:Owner: platform\n")

    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "tags.aws:cost-center", "reserved prefix 'aws:'")
    assert_issue(issues, "dev.yaml", "tags.AWS:Owner", "reserved prefix 'aws:'")


def test_two_group_names_for_one_identity_center_group(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "    executives: 9067a1b2c3-1a2b3c4d-0004-4a5b-8c9d-0e1f2a3b4c5d",
        "    executives: 9067a1b2c3-1a2b3c4d-0002-4a5b-8c9d-0e1f2a3b4c5d",
    )

    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "identity_center.groups.executives", "map to the same Identity Center group"
    )
    assert "'finance-team-leads', 'executives'" in issue.problem


def test_subnet_listed_twice(env_dir: Path) -> None:
    edit_text(env_dir / "prod.yaml", "subnet-2a3b4c5de5f60003]", "subnet-2a3b4c5de5f60003, subnet-2a3b4c5de5f60001]")

    assert_issue(load_issues(env_dir), "prod.yaml", "network.subnet_ids[3]", "duplicate subnet")


def test_parameter_override_named_twice(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        '          - {name: enableSpaces, value: "false"}\n',
        '          - {name: enableSpaces, value: "false"}\n          - {name: enableSpaces, value: "true"}\n',
    )

    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "project_profiles[1].environments[0].parameter_overrides[1].name",
        "duplicate parameter override 'enableSpaces'",
    )


def test_two_environments_in_one_account(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", 'account: "234567890123"', 'account: "345678901234"')

    issue = assert_issue(load_issues(env_dir), "prod.yaml", "account", "which environment 'staging' already uses")
    assert "shared_account_reason" in issue.fix


def test_shared_account_is_allowed_with_a_reason(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", 'account: "234567890123"', 'account: "345678901234"')
    with (env_dir / "prod.yaml").open("a", encoding="utf-8") as f:
        f.write("shared_account_reason: pre-production shares the production account until Q3\n")

    config = load_mesh(env_dir)
    assert config.environment("prod").account == config.environment("staging").account


# --- only files inside the mesh folder are read ---------------------------------------------

SECRET = "password: hunter2\n"


def _outside(env_dir: Path, name: str, text: str) -> Path:
    """A file beside the mesh folder, which the loader must never read."""
    folder = env_dir.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _assert_not_echoed(issues: list, *secrets: str) -> None:
    rendered = "\n".join(i.render() for i in issues)
    for secret in secrets:
        assert secret not in rendered, rendered


@pytest.mark.parametrize("name", ["../outside/secret", "{outside}/secret", "dev/../../outside/secret"])
def test_environment_name_that_is_a_path_is_refused_without_reading_the_file(env_dir: Path, name: str) -> None:
    secret = _outside(env_dir, "secret.yaml", SECRET)
    name = name.format(outside=secret.parent)
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", f'environments: [dev, "{name}"]')

    issues = load_issues(env_dir)

    issue = assert_issue(issues, "mesh.yaml", "environments[1]", "is not a valid environment name")
    assert "no file was read" in issue.problem
    assert "lower-case letters" in issue.fix
    assert [i for i in issues if i.path == "environments[1]"] == [issue], "one issue per name, not two"
    assert all(Path(i.file).parent == env_dir for i in issues), [i.file for i in issues]
    _assert_not_echoed(issues, "password", "hunter2")


# Audit hooks cannot be removed: one hook, recording only while a test listens.
_OPENED: list[list[str]] = []
sys.addaudithook(lambda event, args: _OPENED[-1].append(str(args[0])) if _OPENED and event == "open" else None)


def test_environment_name_is_checked_before_any_file_is_opened(env_dir: Path) -> None:
    _outside(env_dir, "secret.yaml", SECRET)
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", 'environments: [dev, "../outside/secret"]')
    _OPENED.append([])
    try:
        load_issues(env_dir)
    finally:
        opened = _OPENED.pop()

    assert opened, "the hook records the files the loader opens"
    assert not [p for p in opened if "outside" in p], opened


def test_overlong_environment_name_is_an_issue_not_a_traceback(env_dir: Path) -> None:
    long_name = "d" * 300
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", f"environments: [dev, {long_name}]")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "environments[1]", "is not a valid environment name")
    assert "at most 64 characters" in issue.fix
    assert len(issue.problem) < 200, "the name is shortened in the message"


def test_environment_file_linked_outside_the_folder_is_refused(env_dir: Path) -> None:
    target = _outside(env_dir, "dev.yaml", (env_dir / "dev.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(target)

    issues = load_issues(env_dir)

    issue = assert_issue(issues, "dev.yaml", "", "leads outside the mesh folder")
    assert "not read" in issue.problem
    assert "inside" in issue.fix
    _assert_not_echoed(issues, "password", "hunter2", str(target.parent))


def test_link_outside_is_refused_whether_or_not_its_target_exists(env_dir: Path) -> None:
    # The same answer either way: the error must not tell whether a path outside exists.
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(env_dir.parent / "no-such-file.yaml")

    assert_issue(load_issues(env_dir), "dev.yaml", "", "leads outside the mesh folder")


def test_mesh_file_linked_outside_the_folder_is_refused(env_dir: Path) -> None:
    target = _outside(env_dir, "mesh.yaml", (env_dir / "mesh.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "mesh.yaml").unlink()
    (env_dir / "mesh.yaml").symlink_to(target)

    issues = load_issues(env_dir)

    assert_issue(issues, "mesh.yaml", "", "leads outside the mesh folder")
    _assert_not_echoed(issues, "password", "hunter2")


def test_linked_folder_leading_outside_is_refused(env_dir: Path) -> None:
    target = _outside(env_dir, "dev.yaml", (env_dir / "dev.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "shared").symlink_to(target.parent, target_is_directory=True)
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(Path("shared") / "dev.yaml")

    issues = load_issues(env_dir)

    assert_issue(issues, "dev.yaml", "", "leads outside the mesh folder")
    _assert_not_echoed(issues, "password", "hunter2")


def test_folder_swapped_for_a_link_after_the_check_is_not_followed(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: dev.yaml resolved to accounts/dev.yaml inside the folder, then accounts/ was replaced
    # by a link to a folder outside before the file was opened.
    target = _outside(env_dir, "dev.yaml", (env_dir / "dev.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "accounts").symlink_to(target.parent, target_is_directory=True)
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(Path("accounts") / "dev.yaml")
    checked = env_dir.resolve() / "accounts" / "dev.yaml"
    real_resolve = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda p, *a, **k: checked if p.name == "dev.yaml" else real_resolve(p))

    issues = load_issues(env_dir)

    assert_issue(issues, "dev.yaml", "", "became a symbolic link while it was being read")
    _assert_not_echoed(issues, "password", "hunter2")


def test_link_inside_the_folder_is_followed(env_dir: Path) -> None:
    (env_dir / "accounts").mkdir()
    (env_dir / "dev.yaml").rename(env_dir / "accounts" / "dev.yaml")
    (env_dir / "dev.yaml").symlink_to(Path("accounts") / "dev.yaml")

    assert load_mesh(env_dir).environment("dev").account == "123456789012"


def test_mesh_folder_named_through_a_link_loads(env_dir: Path) -> None:
    # The folder the caller names is the boundary: following a link there is the caller's choice.
    link = env_dir.parent / "linked-environments"
    link.symlink_to(env_dir, target_is_directory=True)

    assert load_mesh(link).environment("dev").account == "123456789012"


def test_environment_file_that_is_not_a_regular_file_is_refused_without_waiting(env_dir: Path) -> None:
    (env_dir / "dev.yaml").unlink()
    os.mkfifo(env_dir / "dev.yaml")  # reading a FIFO with no writer would block forever

    assert_issue(load_issues(env_dir), "dev.yaml", "", "not a regular file")


# --- mesh.yaml given as text (an edit not yet written) ------------------------------------


def _mesh_text_issues(env_dir: Path, text: str) -> list:
    with pytest.raises(ConfigError) as excinfo:
        load_mesh(env_dir, mesh_text=text)
    return excinfo.value.issues


_BROKEN_MESH_TEXTS = {
    "syntax": "org: [unclosed\n",
    "octal": None,  # the example with one octal-looking value, built in the test
    "duplicate key": "org: a\norg: b\n",
    "self-reference": "org: &org [a, *org]\n",
    "deep": "org: " + "[" * 5000 + "]" * 5000 + "\n",
    "alias bomb": "\n".join(
        ['l0: &l0 ["lol"]'] + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    ),
    "oversized": "org: x\n# " + "x" * (6 * 1024 * 1024) + "\n",
    "not a mapping": "- a\n- b\n",
    "empty": "",
}


@pytest.mark.parametrize("case", sorted(_BROKEN_MESH_TEXTS))
def test_mesh_text_is_reported_exactly_as_the_same_file_would_be(env_dir: Path, case: str) -> None:
    # The loader parses given text with its own copy of read_yaml's parsing: the two must agree.
    text = _BROKEN_MESH_TEXTS[case]
    if text is None:
        text = (env_dir / "mesh.yaml").read_text(encoding="utf-8").replace("  branch: main", "  branch: 0755")

    from_text = _mesh_text_issues(env_dir, text)
    (env_dir / "mesh.yaml").write_text(text, encoding="utf-8")

    assert from_text == load_issues(env_dir)


def test_mesh_text_is_validated_instead_of_the_file(env_dir: Path) -> None:
    text = (env_dir / "mesh.yaml").read_text(encoding="utf-8")
    (env_dir / "mesh.yaml").unlink()

    assert load_mesh(env_dir, mesh_text=text).environment("dev").account == "123456789012"
    issue = assert_issue(
        _mesh_text_issues(env_dir, text.replace("  branch: main", "  branch: 2.50")), "mesh.yaml", "pipeline.branch", ""
    )
    assert Path(issue.file) == env_dir / "mesh.yaml", "reported as the folder's mesh.yaml"


def test_with_mesh_text_the_environment_files_are_still_read_only_inside(env_dir: Path) -> None:
    text = (env_dir / "mesh.yaml").read_text(encoding="utf-8")
    target = _outside(env_dir, "dev.yaml", (env_dir / "dev.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(target)

    issues = _mesh_text_issues(env_dir, text)

    assert_issue(issues, "dev.yaml", "", "leads outside the mesh folder")
    _assert_not_echoed(issues, "password", "hunter2")


def test_read_mesh_text_refuses_what_the_loader_refuses(env_dir: Path) -> None:
    assert read_mesh_text(env_dir) == (env_dir / "mesh.yaml").read_text(encoding="utf-8")
    target = _outside(env_dir, "mesh.yaml", SECRET)
    (env_dir / "mesh.yaml").unlink()
    (env_dir / "mesh.yaml").symlink_to(target)

    with pytest.raises(ConfigError) as excinfo:
        read_mesh_text(env_dir)

    assert excinfo.value.issues == load_issues(env_dir)
    _assert_not_echoed(excinfo.value.issues, "password", "hunter2")


# --- echoed values are short ----------------------------------------------------------------


def test_long_unexpected_value_is_shortened_in_the_message(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "vpc_id: vpc-1a2b3c4de5f60718", "vpc_id: my-" + "v" * 10_000)

    issue = assert_issue(load_issues(env_dir), "staging.yaml", "network.vpc_id", "has the wrong format")
    assert len(issue.problem) < 200
    assert "10,003 characters" in issue.problem


def test_long_unknown_key_is_shortened_in_the_message(env_dir: Path) -> None:
    key = "k" * 10_000
    with (env_dir / "dev.yaml").open("a", encoding="utf-8") as f:
        f.write(f"? {key}\n: 1\n")  # an explicit key: PyYAML allows at most 1024 characters in a plain one

    issue = assert_issue(load_issues(env_dir), "dev.yaml", key, "unknown key")
    assert len(issue.problem) < 200
    assert len(issue.render()) < 1000


# --- tags -----------------------------------------------------------------------------------


def _many_tags(count: int, prefix: str = "Key") -> dict[str, str]:
    return {f"{prefix}{i}": "x" for i in range(count)}


def test_thousands_of_tags_are_refused_before_validating_them(env_dir: Path) -> None:
    tags = {"aws:reserved": "x", **_many_tags(5_000)}
    edit_yaml(env_dir / "mesh.yaml", lambda m: m.update(tags=tags))

    # CPU time, not wall time: on a loaded machine the wall clock measures the other processes.
    # Unbounded expansion would take hours and gigabytes; the bound only has to tell the two apart.
    started = time.process_time()
    issues = load_issues(env_dir)
    elapsed = time.process_time() - started

    issue = assert_issue(issues, "mesh.yaml", "tags", "5,001 tags")
    assert "at most 50" in issue.problem
    assert [i for i in issues if i.path.startswith("tags")] == [issue], "the tags were not validated one by one"
    assert elapsed < 10, f"took {elapsed:.1f} s of CPU"


def test_more_than_50_tags_in_an_environment_file_are_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "dev.yaml", lambda e: e.update(tags=_many_tags(51)))

    assert_issue(load_issues(env_dir), "dev.yaml", "tags", "51 tags")


def test_mesh_and_environment_tags_together_over_50_are_refused(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m.update(tags=_many_tags(30, "Mesh")))
    edit_yaml(env_dir / "dev.yaml", lambda e: e.update(tags={**_many_tags(25, "Dev"), "Mesh0": "override"}))

    issues = load_issues(env_dir)

    issue = assert_issue(issues, "dev.yaml", "tags", "56 tags")
    assert "Environment" in issue.problem
    assert not [i for i in issues if Path(i.file).name in ("staging.yaml", "prod.yaml")]


def test_fifty_mesh_tags_leave_no_room_for_the_environment_tag(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m.update(tags=_many_tags(50)))

    issues = load_issues(env_dir)

    assert_issue(issues, "mesh.yaml", "tags", "Environment")
    assert not [i for i in issues if Path(i.file).name != "mesh.yaml"], "reported once, in mesh.yaml"


def test_fifty_tags_including_environment_load(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m.update(tags={**_many_tags(49), "Environment": "x"}))

    assert len(load_mesh(env_dir).mesh.tags) == 50


@pytest.mark.parametrize("model", [MeshDefinition, EnvironmentConfig])
def test_schemas_limit_tags_to_50(model: type) -> None:
    assert model.model_json_schema()["properties"]["tags"]["maxProperties"] == 50
