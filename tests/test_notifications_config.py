"""The environments' `notifications` section: what it accepts, and every refusal with its place
and fix. No aws_cdk here: the config layer never imports it."""

from __future__ import annotations

from pathlib import Path

from mesh_config import load_mesh
from tests.config_edits import assert_issue, edit_text, edit_yaml, load_issues


def test_the_bundled_staging_environment_exercises_every_key() -> None:
    staging = {e.name: e for e in load_mesh(Path("environments")).environments}["staging"]
    n = staging.notifications
    assert n is not None
    assert n.alarms.emails and n.alarms.https_endpoints and n.alarms.topic_arns
    assert n.groups and n.project_topics and n.deployed


def test_environments_without_the_section_have_none() -> None:
    dev = {e.name: e for e in load_mesh(Path("environments")).environments}["dev"]
    assert dev.notifications is None


def test_a_notification_to_an_unknown_group_is_refused(env_dir: Path) -> None:
    edit_text(
        env_dir / "staging.yaml",
        "    finance-team-leads: [finance-data-owners@acme.example]",
        "    finance-leads: [f@acme.example]",
    )
    issue = assert_issue(
        load_issues(env_dir),
        "staging.yaml",
        "notifications.groups.finance-leads",
        "not declared in mesh.yaml identity_center",
    )
    assert "finance-team-leads" in issue.fix


def test_a_notification_to_an_unknown_project_is_refused(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "    finance-reporting: ", "    finance-reports: ")
    issue = assert_issue(
        load_issues(env_dir), "staging.yaml", "notifications.project_topics.finance-reports", "is not declared"
    )
    assert "finance-reporting" in issue.fix


def test_a_project_absent_from_the_environment_is_refused(env_dir: Path) -> None:
    def only_dev(data: dict) -> None:
        (project,) = [p for p in data["projects"] if p["use_case"] == "reporting"]
        project["environments"] = ["dev"]

    edit_yaml(env_dir / "mesh.yaml", only_dev)
    issue = assert_issue(
        load_issues(env_dir),
        "staging.yaml",
        "notifications.project_topics.finance-reporting",
        "does not exist in environment 'staging'",
    )
    assert "environments" in issue.fix


def test_a_malformed_e_mail_is_refused_with_the_format_in_words(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "deployed: [qa-team@acme.example]", "deployed: [qa-team.acme.example]")
    issues = load_issues(env_dir)
    issue = assert_issue(
        issues, "staging.yaml", "notifications.deployed[0]", "'qa-team.acme.example' has the wrong format"
    )
    assert "e-mail address" in issue.fix
    assert issue.line is not None


def test_alarms_that_reach_nobody_are_refused(env_dir: Path) -> None:
    def no_alarm_recipients(data: dict) -> None:
        data["notifications"]["alarms"] = {}

    edit_yaml(env_dir / "prod.yaml", no_alarm_recipients)
    assert_issue(load_issues(env_dir), "prod.yaml", "notifications.alarms", "would reach nobody")


def test_a_group_without_addresses_is_refused(env_dir: Path) -> None:
    edit_text(
        env_dir / "prod.yaml",
        "    data-platform-admins: [data-platform-oncall@acme.example]",
        "    data-platform-admins: []",
    )
    assert_issue(load_issues(env_dir), "prod.yaml", "notifications.groups.data-platform-admins", "no e-mail address")


def test_an_alarm_topic_of_another_region_is_refused(env_dir: Path) -> None:
    edit_text(
        env_dir / "staging.yaml",
        '"arn:aws:sns:eu-west-1:234567890123:ops-chat"',
        '"arn:aws:sns:us-east-1:234567890123:ops-chat"',
    )
    assert_issue(load_issues(env_dir), "staging.yaml", "notifications.alarms.topic_arns[0]", "is in us-east-1")


def test_the_qa_list_of_an_environment_no_pipeline_deploys_is_refused(env_dir: Path) -> None:
    def direct(data: dict) -> None:
        data["promotion"] = {"mode": "direct"}

    edit_yaml(env_dir / "staging.yaml", direct)
    assert_issue(load_issues(env_dir), "staging.yaml", "notifications.deployed", "deployed directly")


def test_every_problem_is_reported_at_once(env_dir: Path) -> None:
    edit_text(
        env_dir / "staging.yaml",
        "    finance-team-leads: [finance-data-owners@acme.example]",
        "    finance-leads: [f@acme.example]",
    )
    edit_text(env_dir / "staging.yaml", "    finance-reporting: ", "    finance-reports: ")
    edit_text(
        env_dir / "prod.yaml",
        "    data-platform-admins: [data-platform-oncall@acme.example]",
        "    data-platform-admins: []",
    )
    issues = load_issues(env_dir)
    assert {(Path(i.file).name, i.path) for i in issues} >= {
        ("staging.yaml", "notifications.groups.finance-leads"),
        ("staging.yaml", "notifications.project_topics.finance-reports"),
        ("prod.yaml", "notifications.groups.data-platform-admins"),
    }
