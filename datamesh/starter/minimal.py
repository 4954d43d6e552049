"""The minimal starter mesh: the required keys and a first business unit and project, nothing more."""

from __future__ import annotations

from pathlib import Path

from datamesh.starter.answers import Answers, EnvironmentAnswers
from datamesh.starter.text import (
    connection_arn,
    flow,
    group_id,
    modeline,
    quoted,
    sso_role,
    starter_files,
    subnet_ids,
    vpc_id,
)

ADMINS_GROUP = "data-platform-admins"
APPROVER_PERMISSION_SET = "DataPlatformAdmin"


def team_group(answers: Answers) -> str:
    return f"{answers.business_unit}-team"


def render(answers: Answers, target: Path) -> dict[str, str]:
    """File name -> text: mesh.yaml and one <env>.yaml per environment."""
    return starter_files(
        answers, _mesh(answers, target), lambda env, position: _environment(answers, env, position, target)
    )


def _mesh(a: Answers, target: Path) -> str:
    bu, team = a.business_unit, team_group(a)
    names = flow([e.name for e in a.environments])
    return f"""{modeline(target, "mesh.schema.json")}#
# The {a.org} data mesh: what exists in every environment. Resource names follow the conventions
# ({a.org}-<env>-unified-domain, {a.project_key}-<env>-project, ...): they are never typed here.
# `datamesh init --comprehensive` writes a sample that sets and explains every key.
org: {a.org}

# Promotion order: the pipeline deploys them one after another. Each name has a file <name>.yaml
# beside this one with its account, region and network.
environments: {names}

# The deployment pipeline, in the tools account: a merge on `branch` deploys the environments in order.
pipeline:
  account: {quoted(a.tools_account)}   # the tools / CI account
  region: {a.tools_region}
  # A CodeConnections connection to your Git server (Developer Tools console > Settings > Connections).
  connection_arn: {connection_arn(a.tools_region, a.tools_account)}
  repository: {a.org}/data-mesh   # owner/name of the repository that holds this folder
  branch: main

identity_center:
  # Group name -> IAM Identity Center group id (Identity Center console > Groups > group > Group ID).
  # Every group here is assigned to the domain: its members sign in to the portal and browse the catalog.
  groups:
    {ADMINS_GROUP}: {group_id(1)}
    {team}: {group_id(2)}

domain:
  administrators: [{ADMINS_GROUP}]   # owners of the root domain unit

# Managed blueprints enabled in every domain, one after another in this order.
blueprints: [Tooling, DataLake]

# The domain-unit tree: a unit without parent is a business unit.
domain_units:
  - id: {bu}
    description: The {bu} business unit
    owners: [{team}]
    project_creators: [{team}]

# Project profiles (<capability>-<env>-profile): which blueprints a project gets.
project_profiles:
  - capability: sql-analytics
    description: Notebooks and SQL on the lakehouse
    environments:
      - blueprint: Tooling
        deployment_order: 0
      - blueprint: DataLake
        name: Lakehouse Database
        deployment_order: 1

# Projects (<unit>-<use-case>-<env>-project) and their Identity Center group members.
projects:
  - domain_unit: {bu}
    use_case: {a.use_case}
    profile: sql-analytics
    owners: [{team}]
"""


def _environment(a: Answers, env: EnvironmentAnswers, position: int, target: Path) -> str:
    text = f"""{modeline(target, "environment.schema.json")}name: {env.name}
account: {quoted(env.account)}   # quoted: account ids are text
region: {env.region}
identity_center_instance_arn: {env.identity_center_instance_arn}
network:   # the VPC where the projects' environments run
  vpc_id: {vpc_id(position)}
  # Private subnets, one per Availability Zone (three if a profile adds RedshiftServerless).
  subnet_ids: {flow(subnet_ids(position))}
"""
    if len(a.environments) > 1 and env == a.last:
        text += f"""
promotion:   # the pipeline waits for an approval before deploying here
  manual_approval: true
  # Who may approve: tools-account roles (Identity Center permission sets; '*' matches the suffix).
  approver_principals:
    - {sso_role(a.tools_region, a.tools_account, APPROVER_PERMISSION_SET)}
"""
    return text
