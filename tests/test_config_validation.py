"""The config layer on bad input: one test per kind of mistake, each a small edit of the example.

Every test copies environments/ to a temporary directory, breaks one thing and checks that
load_mesh reports it as a ConfigIssue (file, path, problem, fix) instead of a traceback.
No aws_cdk here: the config layer never imports it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mesh_config import ConfigError, load_mesh
from tests.config_edits import EXAMPLE, assert_issue, edit_text, edit_yaml, line_of, load_issues

# --- the valid example --------------------------------------------------------------------


def test_valid_example_loads_with_conventional_names() -> None:
    config = load_mesh(EXAMPLE)

    assert [e.name for e in config.environments] == ["dev", "staging", "prod"]
    assert len(config.mesh.projects) == 6
    dev = config.naming(config.environment("dev"))
    staging = config.naming(config.environment("staging"))
    assert dev.domain() == "acme-dev-unified-domain"
    assert dev.domain_unit("finance") == "finance-domain-unit"
    assert dev.domain_unit("finance-analytics") == "finance-analytics-domain-unit"
    assert dev.project_profile("all-capabilities") == "all-capabilities-dev-profile"
    assert staging.project("ops", "inventory") == "ops-inventory-stg-project"


# --- schema errors (pydantic) -------------------------------------------------------------


def test_unknown_key_suggests_the_closest_known_key(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "    use_case: customer360", "    usecase: customer360")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects[0].usecase", "unknown key 'usecase'")
    assert "did you mean 'use_case'?" in issue.fix


def test_unquoted_account_id_is_a_number(env_dir: Path) -> None:
    edit_text(env_dir / "dev.yaml", 'account: "123456789012"', "account: 123456789012")

    issue = assert_issue(load_issues(env_dir), "dev.yaml", "account", "expected text, got the number 123456789012")
    assert "quote" in issue.fix


def test_malformed_account_id(env_dir: Path) -> None:
    edit_text(env_dir / "dev.yaml", 'account: "123456789012"', 'account: "12345678901"')

    issue = assert_issue(load_issues(env_dir), "dev.yaml", "account", "'12345678901' has the wrong format")
    # Plain words, not the regular expression behind them.
    assert issue.fix == 'use a 12-digit AWS account id, quoted (e.g. "123456789012")'
    assert "\\d" not in issue.fix


def test_bad_region(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "region: eu-west-1", "region: eu_west_1")

    assert_issue(load_issues(env_dir), "staging.yaml", "region", "'eu_west_1' has the wrong format")


def test_unquoted_boolean_parameter_value(env_dir: Path) -> None:
    # `value: true` is a YAML boolean; the message must not call it a number.
    edit_text(env_dir / "mesh.yaml", '{name: enableSpaces, value: "true"}', "{name: enableSpaces, value: true}")

    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "project_profiles[0].environments[0].parameter_overrides[0].value",
        "expected text, got the boolean True",
    )
    assert "quote" in issue.fix


# --- YAML reading -------------------------------------------------------------------------


def test_duplicate_yaml_key_in_a_mapping(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    edit_text(mesh, "    use_case: customer360\n", "    use_case: customer360\n    use_case: churn\n")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects[0].use_case", "'use_case' appears twice")
    assert issue.line == line_of(mesh, "use_case: churn")


def test_invalid_yaml_syntax_reports_the_line(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    edit_text(mesh, "  user_assignment: MANUAL", "   user_assignment: MANUAL")  # one space too many

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "", "not valid YAML")
    assert issue.line == line_of(mesh, "   user_assignment: MANUAL")


def test_yaml_tag_is_an_issue_not_a_traceback(env_dir: Path) -> None:
    # CloudFormation habits (!Ref) make the YAML constructor fail after parsing.
    mesh = env_dir / "mesh.yaml"
    edit_text(mesh, "description: Finance business unit", "description: !Ref FinanceDescription")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[0].description", "not valid YAML")
    assert "!Ref" in issue.problem
    assert issue.line == line_of(mesh, "!Ref FinanceDescription")


def test_missing_environment_file_names_both_files(env_dir: Path) -> None:
    (env_dir / "staging.yaml").unlink()

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "environments[1]", "staging.yaml does not exist")
    assert "is listed in" in issue.problem and issue.file.endswith("mesh.yaml")
    assert "create" in issue.fix


def test_mistyped_environment_file_name_suggests_the_near_match(env_dir: Path) -> None:
    (env_dir / "staging.yaml").rename(env_dir / "stagign.yaml")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "environments[1]", "staging.yaml does not exist")
    assert issue.fix.startswith(f"rename {env_dir.as_posix()}/stagign.yaml to staging.yaml")


def test_environment_name_differs_from_file_name(env_dir: Path) -> None:
    edit_text(env_dir / "prod.yaml", "name: prod\n", "name: production\n")

    issue = assert_issue(load_issues(env_dir), "prod.yaml", "name", "declares environment 'production'")
    assert "name: prod" in issue.fix


# --- the domain-unit tree -----------------------------------------------------------------


def test_duplicate_domain_unit_id(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - id: data-platform\n", "  - id: ops\n")

    assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[5].id", "duplicate domain unit id 'ops'")


def test_orphan_parent(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "    parent: sales\n", "    parent: sale\n")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[3].parent", "(orphan)")
    assert "sales" in issue.fix


def test_cycle_in_the_unit_tree(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "  - id: finance\n    description: Finance business unit\n",
        "  - id: finance\n    parent: finance-analytics\n    description: Finance business unit\n",
    )

    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "domain_units[0].parent",
        "cycle: finance -> finance-analytics -> finance",
    )


def test_team_unit_id_not_prefixed_by_its_parent(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - id: sales-ops\n", "  - id: revenue-ops\n")

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[3].id", "does not start with its parent")
    assert "sales-revenue-ops" in issue.fix


# --- project profiles ---------------------------------------------------------------------


def test_profile_uses_a_blueprint_that_is_not_enabled(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - MLExperiments\n", "")

    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "project_profiles[0].environments[6].blueprint",
        "blueprint 'MLExperiments', which is not enabled in environment(s) dev, staging, prod",
    )
    assert "enable 'MLExperiments'" in issue.fix


def test_profile_without_tooling(env_dir: Path) -> None:
    def drop_tooling(mesh: dict) -> None:
        genai = mesh["project_profiles"][2]
        genai["environments"] = [e for e in genai["environments"] if e["blueprint"] != "Tooling"]

    edit_yaml(env_dir / "mesh.yaml", drop_tooling)

    assert_issue(load_issues(env_dir), "mesh.yaml", "project_profiles[2].environments", "has no Tooling environment")


def test_tooling_not_first_by_deployment_order(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["project_profiles"][1]["environments"][0].update(deployment_order=2))

    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "project_profiles[1].environments",
        "deploys another environment before Tooling",
    )
    assert "deployment_order" in issue.fix


def test_redshift_serverless_profile_needs_three_subnets(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", ", subnet-1a2b3c4de5f60003]", "]")

    issues = load_issues(env_dir)
    issue = assert_issue(issues, "staging.yaml", "network.subnet_ids", "RedshiftServerless")
    # Names the profiles concerned, the environment file, and how to fix it.
    assert "all-capabilities, sql-analytics" in issue.problem
    assert "staging.yaml lists 2 subnet(s)" in issue.problem
    assert "at least 3 private subnets" in issue.fix and "different Availability Zone" in issue.fix
    assert [i.file for i in issues] == [issue.file]


def test_two_subnets_are_enough_without_redshift(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", ", subnet-1a2b3c4de5f60003]", "]")

    def without_redshift(mesh: dict) -> None:
        for profile in mesh["project_profiles"]:
            profile["environments"] = [e for e in profile["environments"] if e["blueprint"] != "RedshiftServerless"]

    edit_yaml(env_dir / "mesh.yaml", without_redshift)

    assert load_mesh(env_dir).environment("staging").network.subnet_ids[-1] == "subnet-1a2b3c4de5f60002"


def test_custom_project_bucket_needs_the_key_that_encrypts_it(env_dir: Path) -> None:
    with (env_dir / "dev.yaml").open("a", encoding="utf-8") as f:
        f.write("project_artifacts_s3_uri: s3://acme-shared-projects/dev\n")

    issue = assert_issue(
        load_issues(env_dir), "dev.yaml", "project_artifacts_s3_uri", "without project_artifacts_kms_key_arn"
    )
    assert "ARN of the key that encrypts that bucket" in issue.fix


def test_custom_project_bucket_with_its_key_loads(env_dir: Path) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    with (env_dir / "dev.yaml").open("a", encoding="utf-8") as f:
        f.write(f"project_artifacts_s3_uri: s3://acme-shared-projects/dev\nproject_artifacts_kms_key_arn: {key}\n")

    assert load_mesh(env_dir).environment("dev").project_artifacts_kms_key_arn == key


def test_a_project_bucket_location_must_be_normalised(env_dir: Path) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    with (env_dir / "dev.yaml").open("a", encoding="utf-8") as f:
        f.write(
            f"project_artifacts_s3_uri: s3://acme-shared-projects/dev/../prod\nproject_artifacts_kms_key_arn: {key}\n"
        )

    issue = assert_issue(
        load_issues(env_dir), "dev.yaml", "project_artifacts_s3_uri", "has the wrong format: segment '..' is a relative"
    )
    assert "none of them empty, '.' or '..'" in issue.fix


# --- projects -----------------------------------------------------------------------------


def test_project_points_at_unknown_domain_unit(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - domain_unit: ops\n", "  - domain_unit: operations\n")

    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "projects[4].domain_unit", "unknown domain unit 'operations'"
    )
    assert "ops" in issue.fix


def test_project_points_at_unknown_profile(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "    use_case: analytics\n    profile: sql-analytics\n",
        "    use_case: analytics\n    profile: sql\n",
    )

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects[3].profile", "unknown project profile 'sql'")
    assert "sql-analytics" in issue.fix


def test_derived_project_name_too_long(env_dir: Path) -> None:
    long_use_case = "shared-ingestion-and-transformation-pipelines-for-all"
    edit_text(env_dir / "mesh.yaml", "    use_case: etl\n", f"    use_case: {long_use_case}\n")

    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "projects[5].use_case", f"data-platform-{long_use_case}-dev-project")
    assert "the limit is 64" in issue.problem
    assert "shorten" in issue.fix
    # One issue per environment: the name differs in each (dev / stg / prod).
    assert len([i for i in issues if i.path == "projects[5].use_case"]) == 3


def test_unknown_group_in_a_project(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][4].update(contributors=["execs"]))

    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "projects[4].contributors[0]", "group 'execs' is not declared"
    )
    assert "executives" in issue.fix


def test_same_group_with_two_designations_in_one_project(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][1].update(owners=["finance-analysts"]))

    assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "projects[1].contributors",
        "group 'finance-analysts' is both owners and contributors",
    )


def test_project_environments_names_an_unknown_environment(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][0].update(environments=["dev", "qa"]))

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects[0].environments[1]", "unknown environment 'qa'")
    assert "staging" in issue.fix


def test_too_many_projects_for_the_projects_stacks(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"

    def add_projects(data: dict) -> None:
        data["projects"] += [
            {
                "domain_unit": "ops",
                "use_case": f"feed{n:03d}",
                "profile": "sql-analytics",
                "owners": ["data-engineers"],
                "contributors": ["sales-team", "executives"],
            }
            for n in range(150)
        ]

    edit_yaml(mesh, add_projects)

    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "layout.project_stacks", "acme-dev-projects-1")
    assert "over this tool's 450" in issue.problem and "CloudFormation refuses more than 500" in issue.problem
    assert "set layout.project_stacks: 2 in mesh.yaml" in issue.fix
    assert "moves about 50% of them" in issue.fix and "allow_changes" in issue.fix

    edit_yaml(mesh, lambda m: m.update(layout={"project_stacks": 2}))
    config = load_mesh(env_dir)
    stacks = config.project_stacks(config.environment("dev"))
    assert list(stacks) == ["projects-1", "projects-2"]
    assert sum(len(p) for p in stacks.values()) == 156


# --- reporting ----------------------------------------------------------------------------


def test_several_errors_in_several_files_are_reported_together(env_dir: Path) -> None:
    mesh, prod = env_dir / "mesh.yaml", env_dir / "prod.yaml"
    edit_text(
        mesh,
        "    use_case: analytics\n    profile: sql-analytics\n",
        "    use_case: analytics\n    profile: sql\n",
    )
    edit_text(
        mesh, "  - domain_unit: finance\n    use_case: customer360", "  - domain_unit: fin\n    use_case: customer360"
    )
    edit_text(prod, 'account: "345678901234"', "account: 345678901234")
    edit_text(prod, "region: eu-west-1", "region: eu_west_1")

    issues = load_issues(env_dir)

    assert [(Path(i.file).name, i.path) for i in issues] == [
        ("mesh.yaml", "projects[0].domain_unit"),
        ("mesh.yaml", "projects[3].profile"),
        # The renamed project's tables, data product and subscriptions now name an unknown project.
        ("mesh.yaml", "catalogs[0].tables[3].producer"),
        ("mesh.yaml", "catalogs[0].tables[4].producer"),
        ("mesh.yaml", "data_products[0].owner"),
        ("mesh.yaml", "subscriptions[1].consumer"),
        ("mesh.yaml", "subscriptions[2].consumer"),
        ("prod.yaml", "account"),
        ("prod.yaml", "region"),
    ]
    assert all(i.fix for i in issues)


def test_rendered_error_shows_problem_fix_and_line(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    edit_text(
        mesh,
        "    use_case: analytics\n    profile: sql-analytics\n",
        "    use_case: analytics\n    profile: sql\n",
    )

    with pytest.raises(ConfigError) as excinfo:
        load_mesh(env_dir)
    rendered = str(excinfo.value)

    assert "The mesh configuration has 1 problem:" in rendered
    assert "problem:" in rendered
    assert "fix:" in rendered
    assert re.search(r"mesh\.yaml:\d+", rendered)
    assert f"mesh.yaml:{line_of(mesh, 'profile: sql')}  projects[3].profile" in rendered


def test_many_business_units_are_not_refused_for_their_number(env_dir: Path) -> None:
    """Stacks follow resources: 60 business units with a project each share the projects stack,
    where the old layout gave each its own and refused more than 47 stacks in an environment."""

    def add_units(mesh: Any) -> None:
        for i in range(60):
            mesh["domain_units"].append({"id": f"bu{i:02d}", "owners": ["data-engineers"]})
            mesh["projects"].append(
                {"domain_unit": f"bu{i:02d}", "use_case": "etl", "profile": "genai", "owners": ["data-engineers"]}
            )

    edit_yaml(env_dir / "mesh.yaml", add_units)
    config = load_mesh(env_dir)
    assert list(config.project_stacks(config.environment("prod"))) == ["projects-1"]


def test_a_removed_shard_key_points_to_the_upgrade_note(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["domain_units"][0].update(project_stack_shards=2))
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units[0].project_stack_shards", "was removed")
    assert "layout.project_stacks" in issue.fix
    assert "see CHANGELOG.md, upgrade note 'stacks follow resources, not business units'" in issue.fix


def test_too_many_domain_units_for_the_domain_quota(env_dir: Path) -> None:
    def add_units(mesh: Any) -> None:
        mesh["domain_units"] += [{"id": f"bu{i:03d}"} for i in range(500)]
        mesh["layout"] = {"unit_stacks": 8}

    edit_yaml(env_dir / "mesh.yaml", add_units)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "domain_units", "506 domain units")
    assert "a DataZone domain holds 500" in issue.problem and "datazone-limits" in issue.problem


# --- per-environment differences ------------------------------------------------------------


def test_member_in_some_environments_only(env_dir: Path) -> None:
    config = load_mesh(env_dir)
    customer360 = config.mesh.projects[0]

    assert customer360.contributors_in("dev") == ["finance-analysts", "data-scientists"]
    assert customer360.contributors_in("prod") == ["finance-analysts"]


def test_member_entry_names_an_unknown_environment(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "{group: data-scientists, environments: [dev]}",
        "{group: data-scientists, environments: [qa]}",
    )

    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "projects[0].contributors[1].environments[0]", "unknown environment 'qa'"
    )
    assert "dev, prod, staging" in issue.fix


def test_member_entry_names_an_unknown_group(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "{group: data-scientists,", "{group: scientists,")

    assert_issue(load_issues(env_dir), "mesh.yaml", "projects[0].contributors[1].group", "group 'scientists'")


def test_owner_and_contributor_in_disjoint_environments_is_fine(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["projects"][1].update(
            owners=["finance-team-leads", {"group": "finance-analysts", "environments": ["prod"]}],
            contributors=[{"group": "finance-analysts", "environments": ["dev", "staging"]}],
        ),
    )

    reporting = load_mesh(env_dir).mesh.projects[1]
    assert reporting.owners_in("prod") == ["finance-team-leads", "finance-analysts"]
    assert reporting.contributors_in("prod") == []


def test_owner_and_contributor_in_the_same_environment_is_refused(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["projects"][1].update(
            owners=["finance-team-leads", {"group": "finance-analysts", "environments": ["prod"]}]
        ),
    )

    assert_issue(
        load_issues(env_dir), "mesh.yaml", "projects[1].contributors", "both owners and contributors of project"
    )


def test_project_without_an_owner_in_one_environment(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["projects"][4].update(owners=[{"group": "data-engineers", "environments": ["dev"]}]),
    )

    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "projects[4].owners", "has no owner in environment 'staging'")
    assert_issue(issues, "mesh.yaml", "projects[4].owners", "has no owner in environment 'prod'")


def test_profile_per_environment(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["projects"][3].update(profile={"default": "sql-analytics", "dev": "all-capabilities"}),
    )

    analytics = load_mesh(env_dir).mesh.projects[3]
    assert analytics.profile_in("dev") == "all-capabilities"
    assert analytics.profile_in("prod") == "sql-analytics"


def test_profile_map_without_default_must_cover_every_environment(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][3].update(profile={"dev": "all-capabilities"}))

    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "projects[3].profile", "has no profile for environment 'staging'"
    )
    assert "default" in issue.fix


def test_profile_map_with_an_unknown_environment_or_profile(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][3].update(profile={"default": "sql", "qa": "genai"}))

    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "projects[3].profile.qa", "'qa' is neither an environment nor 'default'")
    assert_issue(issues, "mesh.yaml", "projects[3].profile.default", "unknown project profile 'sql'")


def test_profile_available_in_some_environments(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["project_profiles"][2].update(available_in=["dev"]))

    issues = load_issues(env_dir)
    # data-platform-etl uses genai everywhere: refused where genai does not exist.
    issue = assert_issue(
        issues, "mesh.yaml", "projects[5].profile", "uses profile 'genai' in environment 'staging', where"
    )
    assert "available_in" in issue.fix
    assert_issue(issues, "mesh.yaml", "projects[5].profile", "in environment 'prod', where")


def test_profile_limited_to_where_its_projects_exist_loads(env_dir: Path) -> None:
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["project_profiles"][2].update(available_in=["dev"]))
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["projects"][5].update(environments=["dev"]))
    # The project owns the enterprise glossary and the forms, which exist in every environment; the
    # workload's catalog goes with the catalogs.
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: [
            m.pop(k)
            for k in ("glossaries", "metadata_forms", "catalogs", "data_products", "subscriptions", "workloads")
        ],
    )
    # The units' rules name the forms.
    edit_yaml(env_dir / "mesh.yaml", lambda m: [u.pop("rules", None) for u in m["domain_units"]])

    config = load_mesh(env_dir)
    assert [p.capability for p in config.profiles_in(config.environment("prod"))] == [
        "all-capabilities",
        "sql-analytics",
    ]


def test_blueprint_enabled_in_some_environments(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["blueprints"].append({"blueprint": "EmrOnEc2", "environments": ["dev"]}),
    )

    config = load_mesh(env_dir)
    assert "EmrOnEc2" in config.blueprints_in(config.environment("dev"))
    assert "EmrOnEc2" not in config.blueprints_in(config.environment("prod"))


def test_profile_using_a_blueprint_missing_in_one_of_its_environments(env_dir: Path) -> None:
    def limit_mlexperiments(mesh: dict) -> None:
        mesh["blueprints"] = [
            b if b != "MLExperiments" else {"blueprint": "MLExperiments", "environments": ["dev"]}
            for b in mesh["blueprints"]
        ]

    edit_yaml(env_dir / "mesh.yaml", limit_mlexperiments)

    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "project_profiles[0].environments[6].blueprint",
        "which is not enabled in environment(s) staging, prod",
    )
    assert "available_in" in issue.fix


def test_blueprint_entry_with_an_unknown_environment(env_dir: Path) -> None:
    edit_yaml(
        env_dir / "mesh.yaml",
        lambda m: m["blueprints"].append({"blueprint": "EmrOnEc2", "environments": ["sandbox"]}),
    )

    assert_issue(load_issues(env_dir), "mesh.yaml", "blueprints[11].environments[0]", "unknown environment 'sandbox'")


# --- promotion ------------------------------------------------------------------------------


def test_approvers_without_manual_approval_are_refused(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "  manual_approval: true\n", "  manual_approval: false\n")

    issues = load_issues(env_dir)
    issue = assert_issue(issues, "staging.yaml", "promotion.approvers", "manual_approval is false")
    assert "manual_approval: true" in issue.fix
    assert_issue(issues, "staging.yaml", "promotion.approver_principals", "manual_approval is false")


def test_manual_approval_needs_approver_principals(env_dir: Path) -> None:
    text = (env_dir / "prod.yaml").read_text(encoding="utf-8")
    (env_dir / "prod.yaml").write_text(text[: text.index("  # Only these principals")], encoding="utf-8")

    issue = assert_issue(load_issues(env_dir), "prod.yaml", "promotion.approver_principals", "no one is named")
    assert "permission-set role" in issue.fix


def test_direct_environment_with_pipeline_settings_is_refused(env_dir: Path) -> None:
    edit_text(env_dir / "staging.yaml", "  manual_approval: true\n", "  mode: direct\n  manual_approval: true\n")

    issue = assert_issue(load_issues(env_dir), "staging.yaml", "promotion.manual_approval", "has no effect")
    assert "mode: pipeline" in issue.fix


def test_a_wave_must_be_contiguous_in_the_promotion_order(env_dir: Path) -> None:
    for name in ("dev", "prod"):
        with (env_dir / f"{name}.yaml").open("a", encoding="utf-8") as f:
            f.write("promotion:\n  wave: early\n" if name == "dev" else "  wave: early\n")

    issue = assert_issue(load_issues(env_dir), "prod.yaml", "promotion.wave", "wave 'early' is split")
    assert "reorder" in issue.fix


def test_more_member_groups_than_a_policy_holds_grants(env_dir: Path) -> None:
    """The root unit's member pool holds one grant per member group of every project: DataZone
    allows 20 grants per policy per domain unit."""

    def add(mesh: Any) -> None:
        extra = {f"team-{i:02d}": f"{i:08d}-1111-2222-3333-444455556666" for i in range(20)}
        mesh["identity_center"]["groups"].update(extra)
        mesh["projects"].append(
            {"domain_unit": "ops", "use_case": "crowd", "profile": "sql-analytics", "owners": ["data-engineers"],
             "contributors": sorted(extra)}
        )  # fmt: skip

    edit_yaml(env_dir / "mesh.yaml", add)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "projects", "the root domain unit would need 2")
    assert "DataZone allows 20 grants per policy per domain unit" in issue.problem
