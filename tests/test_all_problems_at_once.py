"""One run reports every problem in every file: a schema error in one file no longer hides the
rules of that file, the cross-file rules, or the other files; and the partial model behind that
never invents problems the removed parts explain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mesh_config.errors import ConfigIssue
from tests.config_edits import assert_issue, edit_text, edit_yaml, line_of, load_issues


def paths(issues: list[ConfigIssue]) -> list[tuple[str, str]]:
    return [(Path(i.file).name, i.path) for i in issues]


def test_a_bad_region_behind_an_unquoted_account_is_reported_in_the_same_run(env_dir: Path):
    edit_text(env_dir / "dev.yaml", 'account: "123456789012"', "account: 123456789012")
    edit_text(env_dir / "dev.yaml", "region: eu-west-1", "region: eu-west-9")

    issues = load_issues(env_dir)
    assert_issue(issues, "dev.yaml", "account", "expected text, got the number 123456789012")
    assert_issue(issues, "dev.yaml", "region", "'eu-west-9' has the shape of a region name but is no AWS region")
    assert len(issues) == 2


def test_rules_of_a_file_run_beside_its_schema_errors(env_dir: Path):
    # The subnet 'x' fails the schema; the duplicate beside it is a rule's finding.
    edit_text(
        env_dir / "staging.yaml",
        "subnet_ids: [subnet-1a2b3c4de5f60001, subnet-1a2b3c4de5f60002, subnet-1a2b3c4de5f60003]",
        "subnet_ids: [subnet-1a2b3c4de5f60001, x, subnet-1a2b3c4de5f60001, subnet-1a2b3c4de5f60003]",
    )
    issues = load_issues(env_dir)
    assert paths(issues) == [("staging.yaml", "network.subnet_ids[1]"), ("staging.yaml", "network.subnet_ids[2]")]
    assert "wrong format" in issues[0].problem
    # Index 2 of the file, although it was item 1 of the list the rule saw.
    assert issues[1].problem == "duplicate subnet 'subnet-1a2b3c4de5f60001'"


def test_a_schema_error_in_mesh_yaml_does_not_hide_the_cross_file_rules(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "    use_case: customer360", "    use_case: Customer360")
    # Staging's profiles use RedshiftServerless: two subnets are too few (a rule across both files).
    edit_text(
        env_dir / "staging.yaml",
        "subnet_ids: [subnet-1a2b3c4de5f60001, subnet-1a2b3c4de5f60002, subnet-1a2b3c4de5f60003]",
        "subnet_ids: [subnet-1a2b3c4de5f60001, subnet-1a2b3c4de5f60002]",
    )
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "projects[0].use_case", "'Customer360' has the wrong format")
    assert_issue(issues, "staging.yaml", "network.subnet_ids", "use RedshiftServerless")
    assert len(issues) == 2


def test_a_schema_error_in_one_project_does_not_hide_a_rule_on_another(env_dir: Path):
    def change(mesh: Any) -> None:
        mesh["projects"][0]["profile"] = 5
        mesh["projects"][3]["owners"] = ["treasurers"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "projects[0].profile", "expected a mapping or text, got the number 5")
    issue = assert_issue(issues, "mesh.yaml", "projects[3].owners[0]", "group 'treasurers' is not declared")
    # The file's index and line, although project 3 was the third of the list the rule saw.
    assert issue.line == line_of(env_dir / "mesh.yaml", "- treasurers")
    assert len(issues) == 2


def test_no_follow_on_problem_about_a_removed_project(env_dir: Path):
    """data-platform-etl owns glossaries and forms: dropped for its bad profile, it is not reported
    as unknown by each of them."""
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][5].update(profile=["genai"]))
    issues = load_issues(env_dir)
    assert paths(issues) == [("mesh.yaml", "projects[5].profile")]


def test_no_follow_on_problem_about_a_removed_domain_unit(env_dir: Path):
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["domain_units"][0].update(owners="finance-team-leads"))
    issues = load_issues(env_dir)
    assert paths(issues) == [("mesh.yaml", "domain_units[0].owners")]
    assert issues[0].fix == "write a YAML list: [finance-team-leads]"


def test_an_unreadable_mesh_yaml_does_not_hide_the_environment_files(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", "environments: [dev, staging, prod")
    edit_text(env_dir / "prod.yaml", "region: eu-west-1", "region: eu_west_1")

    issues = load_issues(env_dir)
    assert [Path(i.file).name for i in issues] == ["mesh.yaml", "prod.yaml"]
    assert issues[0].problem.startswith("not valid YAML")
    assert_issue(issues, "prod.yaml", "region", "'eu_west_1' has the wrong format")


def test_environments_written_as_text_still_lets_every_environment_file_be_checked(env_dir: Path):
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", "environments: dev, staging, prod")
    edit_text(env_dir / "staging.yaml", "region: eu-west-1", "region: eu-west-9")

    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "environments", "expected a list, got the text 'dev, staging, prod'")
    assert issue.fix == "write a YAML list: [dev, staging, prod]"
    assert_issue(issues, "staging.yaml", "region", "is no AWS region")
    assert len(issues) == 2


def test_a_required_key_of_an_environment_file_that_is_missing_does_not_hide_the_rest(env_dir: Path):
    def change(env: Any) -> None:
        del env["identity_center_instance_arn"]
        env["project_artifacts_s3_uri"] = "s3://acme-dev-artifacts/projects"  # without its KMS key: a rule

    edit_yaml(env_dir / "dev.yaml", change)
    issues = load_issues(env_dir)
    assert_issue(issues, "dev.yaml", "identity_center_instance_arn", "required key 'identity_center_instance_arn'")
    assert_issue(issues, "dev.yaml", "project_artifacts_s3_uri", "without project_artifacts_kms_key_arn")
    assert len(issues) == 2
