"""Bad input from anywhere gets a clean answer: file, path, problem, fix. Never a traceback, a
hang or gigabytes of memory. Each test breaks one thing in a copy of the example."""

from __future__ import annotations

import resource
import time
from pathlib import Path

from mesh_config import load_mesh
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

    started = time.perf_counter()
    issues = load_issues(env_dir)
    elapsed = time.perf_counter() - started

    assert_issue(issues, "mesh.yaml", "", "expands to more than 500,000 values")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert elapsed < 10, f"took {elapsed:.1f} s"
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
    edit_text(env_dir / "dev.yaml", "vpc_id: vpc-0a1b2c3de5f60718", "vpc_id: my-vpc")
    edit_text(env_dir / "mesh.yaml", "use_case: customer360", "use_case: Customer_360")

    issues = load_issues(env_dir)
    vpc = assert_issue(issues, "dev.yaml", "network.vpc_id", "'my-vpc' has the wrong format")
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
