"""The pipeline's notifications, in the tools account: a failed stage goes to every pipeline
environment's alarm recipients, and an environment deployed and smoke-tested goes to its
``notifications.deployed`` list (the reference design's "notify the QA team").

CodePipeline sends "CodePipeline Stage Execution State Change" and "CodePipeline Action Execution
State Change" to the tools account's default bus (EventBridge reference "AWS CodePipeline
events"); the rules match this pipeline by name and the smoke test by its action in the final
stage layout (an environment cut into prod.1, prod.2 runs it in its last stage).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets

from mesh_config import MeshConfig
from mesh_config.naming import deployed_topic_name, pipeline_alarm_topic_name, smoke_test_action_name
from mesh_constructs.notification_topics import NotificationKey, NotificationTopic, NotificationTopicProps
from stacks.pipeline_stage_split import StageLayout

SOURCE = "aws.codepipeline"


def _field(path: str) -> str:
    return events.EventField.from_path(path)


def add_pipeline_notifications(
    stack: Stack, config: MeshConfig, pipeline_name: str, layout: Sequence[StageLayout]
) -> dict[str, events.Rule]:
    """The rules (by construct id) for the environments that ask for notifications; none without any."""
    envs = [e for e in config.pipeline_environments() if e.notifications is not None]
    if not envs:
        return {}
    org = config.mesh.org
    key = NotificationKey(stack, "PipelineNotificationKey", f"Encrypts the {org} mesh pipeline's notifications").key
    rules: dict[str, events.Rule] = {}
    emails = sorted({m for e in envs for m in e.notifications.alarms.emails})  # type: ignore[union-attr]
    urls = sorted({u for e in envs for u in e.notifications.alarms.https_endpoints})  # type: ignore[union-attr]
    if emails or urls:
        topic = NotificationTopic(
            stack,
            "PipelineAlarmTopic",
            NotificationTopicProps(
                topic_name=pipeline_alarm_topic_name(org),
                display_name=f"{org} mesh pipeline alarms",
                key=key,
                emails=emails,
                https_endpoints=urls,
            ),
        ).topic
        rule = events.Rule(
            stack,
            "PipelineStageFailed",
            description="Mesh pipeline: a stage failed -> the environments' alarm recipients",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=["CodePipeline Stage Execution State Change"],
                detail={"pipeline": [pipeline_name], "state": ["FAILED"]},
            ),
        )
        rule.add_target(
            targets.SnsTopic(
                topic,
                message=events.RuleTargetInput.from_multiline_text(
                    f"Pipeline {_field('$.detail.pipeline')}: stage {_field('$.detail.stage')} FAILED "
                    f"(execution {_field('$.detail.execution-id')}, {_field('$.time')}).\n"
                    "What to do: docs/monitoring.md, 'A pipeline stage failed'."
                ),
            )
        )
        rules["PipelineStageFailed"] = rule
    for env in envs:
        recipients = env.notifications.deployed  # type: ignore[union-attr]
        if not recipients:
            continue
        action = smoke_test_action_name(env.name)
        stages = [s.name for s in layout for a in s.actions if a.name.endswith(action)]
        topic = NotificationTopic(
            stack,
            f"DeployedTopic-{env.name}",
            NotificationTopicProps(
                topic_name=deployed_topic_name(org, env.name),
                display_name=f"{org} mesh: {env.name} deployed",
                key=key,
                emails=recipients,
            ),
        ).topic
        rule = events.Rule(
            stack,
            f"Deployed-{env.name}",
            description=f"Mesh pipeline: {env.name} deployed and smoke-tested -> its deployed list",
            event_pattern=events.EventPattern(
                source=[SOURCE],
                detail_type=["CodePipeline Action Execution State Change"],
                detail={
                    "pipeline": [pipeline_name],
                    "stage": stages,
                    "action": [a.name for s in layout for a in s.actions if a.name.endswith(action)],
                    "state": ["SUCCEEDED"],
                },
            ),
        )
        rule.add_target(
            targets.SnsTopic(
                topic,
                message=events.RuleTargetInput.from_multiline_text(
                    f"{env.name} is deployed and its smoke test passed (pipeline {_field('$.detail.pipeline')}, "
                    f"execution {_field('$.detail.execution-id')}, {_field('$.time')}). It is ready for you."
                ),
            )
        )
        rules[f"Deployed-{env.name}"] = rule
    return rules
