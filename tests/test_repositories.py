"""Project repositories (issue 26 part 6): a project's Git repository as the Tooling blueprint's
parameters in its UserParameters, the profile letting projects set them, the validation and the
change plan (adding a repository updates the project in place)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesh_plan.assembly import StackTemplate, read_assembly
from mesh_plan.changes import Action, plan
from mesh_plan.rules import violations
from mesh_plan.schemas import create_only_paths
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues
from tests.synth import ROOT, of_type, synth_app

DEV_CONNECTION = "arn:aws:codeconnections:eu-west-1:123456789012:connection/7a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9"
GIT = ("gitConnectionArn", "gitFullRepositoryId", "gitBranchName")
REPOSITORY_PATH = "projects[1].repository.connections"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StackTemplate]:
    out = tmp_path_factory.mktemp("repositories")
    synth_app(ROOT / "environments", out, direct="true")
    return read_assembly(out)


def _project(stacks: dict[str, StackTemplate], env: str, name: str) -> dict:
    for stack in stacks.values():
        if stack.name.startswith(f"acme-{env}-projects-"):
            for resource in of_type(stack.template, "AWS::DataZone::Project").values():
                if resource["Properties"]["Name"] == name:
                    return resource
    raise AssertionError(f"no project {name} in {env}")


def _tooling(stacks: dict[str, StackTemplate], env: str, profile: str) -> dict:
    domain = stacks[f"acme-{env}-domain"].template
    (found,) = [
        r for r in of_type(domain, "AWS::DataZone::ProjectProfile").values() if r["Properties"]["Name"] == profile
    ]
    (tooling,) = [e for e in found["Properties"]["EnvironmentConfigurations"] if e["Name"] == "Tooling"]
    return tooling


def test_the_project_sets_the_tooling_blueprints_git_parameters(example):
    project = _project(example, "dev", "finance-reporting-dev-project")
    assert project["Properties"]["UserParameters"] == [
        {
            "EnvironmentConfigurationName": "Tooling",
            "EnvironmentParameters": [
                {"Name": "gitConnectionArn", "Value": DEV_CONNECTION},
                {"Name": "gitFullRepositoryId", "Value": "acme-data/finance-reporting"},
                {"Name": "gitBranchName", "Value": "main"},
            ],
        }
    ]
    # No connection in staging and prod: no repository there; and no other project has one.
    for env, name in (("staging", "finance-reporting-stg-project"), ("prod", "finance-reporting-prod-project")):
        assert "UserParameters" not in _project(example, env, name)["Properties"]
    assert "UserParameters" not in _project(example, "dev", "sales-analytics-dev-project")["Properties"]


def test_the_profile_lets_its_projects_set_the_git_parameters_only_where_one_does(example):
    overrides = _tooling(example, "dev", "sql-analytics-dev-profile")["ConfigurationParameters"]["ParameterOverrides"]
    git = [o for o in overrides if o["Name"] in GIT]
    assert git == [{"Name": name, "IsEditable": True} for name in GIT]  # no value: each project sets its own
    assert {"Name": "enableSpaces", "Value": "false", "IsEditable": False} in overrides  # the profile's own, kept
    # Staging and prod have no repository, and the other profiles no project with one: unchanged.
    unchanged = (("staging", "sql-analytics-stg-profile"), ("prod", "sql-analytics-prod-profile"),
                 ("dev", "all-capabilities-dev-profile"))  # fmt: skip
    for env, profile in unchanged:
        tooling = _tooling(example, env, profile)
        names = [o["Name"] for o in tooling.get("ConfigurationParameters", {}).get("ParameterOverrides", [])]
        assert not set(GIT) & set(names)


def test_user_parameters_are_not_create_only():
    """The contract the plan relies on: adding a repository must not replace the project."""
    paths = create_only_paths("AWS::DataZone::Project")
    assert ("ProjectProfileId",) in paths and ("UserParameters",) not in paths


def test_adding_a_repository_to_a_deployed_project_updates_it_in_place(example, tmp_path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)

    def drop(m: dict) -> None:
        next(p for p in m["projects"] if p["use_case"] == "reporting").pop("repository")

    edit_yaml(folder / "mesh.yaml", drop)
    synth_app(folder, tmp_path / "out", direct="true")
    before = read_assembly(tmp_path / "out")
    changes = plan(before, example)
    touched = {(c.stack, c.name): c for c in changes}
    (change,) = [c for (stack, n), c in touched.items() if n == "finance-reporting-dev-project"]
    assert change.action is Action.UPDATED and change.stack.startswith("acme-dev-projects-")
    profiles = [c for c in changes if c.resource_type == "AWS::DataZone::ProjectProfile"]
    assert {c.name for c in profiles} == {"sql-analytics-dev-profile"}
    assert all(c.action is Action.UPDATED for c in profiles)
    assert violations(changes, []) == []
    assert {c.resource_type for c in changes} == {"AWS::DataZone::Project", "AWS::DataZone::ProjectProfile"}


# --- validation -------------------------------------------------------------------------------


def _with_repository(tmp_path: Path, repository: dict, profile: str | None = None) -> Path:
    folder = tmp_path / "environments"
    shutil.copytree(EXAMPLE, folder)

    def change(m: dict) -> None:
        project = next(p for p in m["projects"] if p["use_case"] == "reporting")
        project["repository"] = repository
        if profile is not None:
            project["profile"] = profile

    edit_yaml(folder / "mesh.yaml", change)
    return folder


def test_a_connection_of_another_account_is_refused(tmp_path):
    other = DEV_CONNECTION.replace("123456789012", "999999999999")
    issues = load_issues(_with_repository(tmp_path, {"repository": "acme-data/x", "connections": {"dev": other}}))
    issue = assert_issue(issues, "mesh.yaml", f"{REPOSITORY_PATH}.dev", "the connection is in account 999999999999")
    assert "lives in account 123456789012" in issue.problem
    assert "create a connection to the Git provider in account 123456789012" in issue.fix


def test_each_bad_connection_is_reported_at_once(tmp_path):
    folder = _with_repository(
        tmp_path,
        {
            "repository": "acme-data/x",
            "connections": {
                "qa": DEV_CONNECTION,
                "dev": DEV_CONNECTION.replace("123456789012", "999999999999"),
                "staging": DEV_CONNECTION,  # dev's connection, for staging's account
            },
        },
    )
    issues = load_issues(folder)
    assert_issue(issues, "mesh.yaml", f"{REPOSITORY_PATH}.qa", "has no environment 'qa'")
    assert_issue(issues, "mesh.yaml", f"{REPOSITORY_PATH}.dev", "in account 999999999999")
    assert_issue(issues, "mesh.yaml", f"{REPOSITORY_PATH}.staging", "lives in account 234567890123")


def test_bad_repository_ids_and_branches_are_refused_by_format(tmp_path):
    folder = _with_repository(
        tmp_path, {"repository": "no-owner", "branch": "a b", "connections": {"dev": DEV_CONNECTION}}
    )
    issues = load_issues(folder)
    repository = assert_issue(issues, "mesh.yaml", "projects[1].repository.repository", "'no-owner'")
    assert "owner/name" in repository.fix
    branch = assert_issue(issues, "mesh.yaml", "projects[1].repository.branch", "'a b'")
    assert "a branch name" in branch.fix


def test_a_profile_that_pins_a_git_parameter_is_refused(tmp_path):
    folder = _with_repository(tmp_path, {"repository": "acme-data/x", "connections": {"dev": DEV_CONNECTION}})

    def pin(m: dict) -> None:
        profile = next(p for p in m["project_profiles"] if p["capability"] == "sql-analytics")
        tooling = next(e for e in profile["environments"] if e["blueprint"] == "Tooling")
        tooling["parameter_overrides"].append({"name": "gitBranchName", "value": "main"})

    edit_yaml(folder / "mesh.yaml", pin)
    issues = load_issues(folder)
    issue = assert_issue(issues, "mesh.yaml", f"{REPOSITORY_PATH}.dev", "fixes gitBranchName for every project")
    assert "editable: true" in issue.fix
