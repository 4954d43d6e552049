"""The environment's `notifications` against mesh.yaml: every group and project it names exists
(in this environment), the alarms reach someone, and the QA list is told only by a pipeline that
deploys the environment."""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices
from mesh_config.mesh import MeshDefinition
from mesh_config.promotion import PromotionMode
from mesh_config.yaml_source import YamlDocument

SECTION = "notifications"


def check_notifications(mesh: MeshDefinition, env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    notifications = env.notifications
    if notifications is None:
        return []
    issues: list[ConfigIssue] = []
    if notifications.alarms.empty():
        issues.append(
            doc.issue(
                (SECTION, "alarms"),
                "the environment's monitoring alarms would reach nobody: notifications.alarms lists no e-mail, "
                "HTTPS endpoint or topic",
                "add at least one address under notifications.alarms.emails (or https_endpoints / topic_arns)",
            )
        )
    for i, arn in enumerate(notifications.alarms.topic_arns):
        region = arn.split(":")[3]
        if region != env.region:
            issues.append(
                doc.issue(
                    (SECTION, "alarms", "topic_arns", i),
                    f"topic {arn} is in {region}, but CloudWatch alarms and EventBridge rules of {env.name} "
                    f"({env.region}) can only notify topics of their own region",
                    f"name a topic in {env.region}, or subscribe the existing tool to the alarm topic instead "
                    "(docs/monitoring.md)",
                )
            )
    groups = mesh.identity_center.groups
    for name, emails in notifications.groups.items():
        if name not in groups:
            issues.append(
                doc.issue(
                    (SECTION, "groups", name),
                    f"group '{name}' is not declared in mesh.yaml identity_center.groups",
                    f"use one of: {choices(groups)}, or declare the group there first",
                )
            )
        if not emails:
            issues.append(
                doc.issue(
                    (SECTION, "groups", name),
                    f"group '{name}' has no e-mail address: its notifications would reach nobody",
                    "list the addresses of the group's people, or remove the entry",
                )
            )
    here = {p.key for p in mesh.projects if p.exists_in(env.name)}
    declared = {p.key for p in mesh.projects}
    for key in notifications.project_topics:
        if key in here:
            continue
        if key in declared:
            problem = f"project '{key}' does not exist in environment '{env.name}' (its environments exclude it)"
            fix = f"remove the entry from {doc.file}, or add '{env.name}' to the project's environments in mesh.yaml"
        else:
            problem = f"project '{key}' is not declared in mesh.yaml projects (keys are <domain unit>-<use case>)"
            fix = f"use one of: {choices(here)}"
        issues.append(doc.issue((SECTION, "project_topics", key), problem, fix))
    if notifications.deployed and env.promotion.mode is not PromotionMode.PIPELINE:
        issues.append(
            doc.issue(
                (SECTION, "deployed"),
                f"environment '{env.name}' is deployed directly (promotion.mode: {env.promotion.mode.value}), so no "
                "pipeline deploys and smoke-tests it and these addresses would never be told",
                "remove notifications.deployed, or let the pipeline deploy the environment (promotion.mode: pipeline)",
            )
        )
    return issues
