"""The app: one Stage per environment with the expected stacks, names, tags and protection."""

from __future__ import annotations

import json


def stacks_by_name(example_app) -> dict[str, dict]:
    return {stack.stack_name: {"artifact": stack, "template": stack.template} for stack in example_app.stacks()}


def test_each_environment_has_foundation_domain_and_project_stacks(example_app):
    names = set(stacks_by_name(example_app))
    for env in ("dev", "staging", "prod"):
        assert {f"acme-{env}-foundation", f"acme-{env}-domain"} <= names
        # The example's projects fit one stack of the pool (layout.project_stacks defaults to 1).
        assert f"acme-{env}-projects-1" in names and f"acme-{env}-projects-2" not in names


def test_stacks_target_their_own_accounts(example_app):
    stacks = stacks_by_name(example_app)
    assert stacks["acme-dev-domain"]["artifact"].environment.account == "123456789012"
    assert stacks["acme-staging-domain"]["artifact"].environment.account == "234567890123"
    assert stacks["acme-prod-domain"]["artifact"].environment.account == "345678901234"


def test_prod_is_termination_protected_and_retains_projects_dev_does_not(example_app):
    stacks = stacks_by_name(example_app)
    assert stacks["acme-prod-projects-1"]["artifact"].termination_protection is True
    assert stacks["acme-dev-projects-1"]["artifact"].termination_protection is False
    prod = stacks["acme-prod-projects-1"]["template"]["Resources"]
    projects = [r for r in prod.values() if r["Type"] == "AWS::DataZone::Project"]
    assert projects and all(p["DeletionPolicy"] == "Retain" for p in projects)


def test_names_follow_the_conventions(example_app):
    stacks = stacks_by_name(example_app)
    domain = stacks["acme-staging-domain"]["template"]
    body = json.dumps(domain)
    for name in ("acme-staging-unified-domain", "finance-analytics-domain-unit", "sql-analytics-stg-profile"):
        assert f'"{name}"' in body
    projects = json.dumps(stacks["acme-staging-projects-1"]["template"])
    assert '"finance-customer360-stg-project"' in projects


def test_projects_reference_the_domain_stack_outputs(example_app):
    template = stacks_by_name(example_app)["acme-dev-projects-1"]["template"]
    projects = [r for r in template["Resources"].values() if r["Type"] == "AWS::DataZone::Project"]
    assert len(projects) == 6
    for project in projects:
        assert project["Properties"]["DomainIdentifier"]["Fn::GetStackOutput"]["StackName"] == "acme-dev-domain"


def test_every_resource_is_tagged_with_environment_and_cost_center(example_app):
    template = stacks_by_name(example_app)["acme-prod-foundation"]["template"]
    buckets = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    for bucket in buckets:
        tags = {t["Key"]: t["Value"] for t in bucket["Properties"]["Tags"]}
        assert tags["Environment"] == "prod" and tags["CostCenter"] == "data-platform"
    domain = stacks_by_name(example_app)["acme-prod-domain"]["template"]
    (dz,) = [r for r in domain["Resources"].values() if r["Type"] == "AWS::DataZone::Domain"]
    assert {"Key": "Environment", "Value": "prod"} in dz["Properties"]["Tags"]


def member_pool(example_app, stack: str) -> list[dict]:
    return [
        r
        for r in stacks_by_name(example_app)[stack]["template"]["Resources"].values()
        if r["Type"] == "AWS::DataZone::PolicyGrant"
        and r["Properties"]["PolicyType"] == "ADD_TO_PROJECT_MEMBER_POOL"
        and "/Management/" not in r["Metadata"]["aws:cdk:path"]
    ]


def test_member_pool_covers_every_project_member_on_every_ancestor(example_app):
    # Unit grants: finance 2 groups, sales 2, ops 1, data-platform 2; the root unit once per distinct group (5).
    assert len(member_pool(example_app, "acme-staging-domain")) == 7 + 5
    # dev adds data-scientists, a contributor of finance-customer360 in dev only: finance and root.
    assert len(member_pool(example_app, "acme-dev-domain")) == 7 + 5 + 2
