"""<org>-<env>-monitoring: the environment's alarm topic, its alarms and dashboard, and the DataZone
event notifications to the people who act (mesh_config/notifications.py).

Only for an environment with a ``notifications`` section. It references no other stack (rules
match events by source and name patterns, the alarm reads the account's Lambda metrics), so it
deploys beside them and watches the first deployment of the others too.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_sns as sns
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.notifications import Notifications
from mesh_constructs.datazone_notifications import DataZoneNotifications, DataZoneNotificationsProps
from mesh_constructs.mesh_alarms import MeshAlarms, MeshAlarmsProps
from mesh_constructs.notification_topics import NotificationKey, NotificationTopic, NotificationTopicProps


class MonitoringStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        notifications: Notifications = env_config.notifications  # type: ignore[assignment]
        naming = config.naming(env_config)
        key = NotificationKey(self, "NotificationKey", f"Encrypts the {naming.org} {naming.env} mesh notifications").key
        alarms = notifications.alarms
        self.alarm_topic = NotificationTopic(
            self,
            "AlarmTopic",
            NotificationTopicProps(
                topic_name=naming.alarm_topic(),
                display_name=f"{naming.org} {naming.env} mesh alarms",
                key=key,
                emails=alarms.emails,
                https_endpoints=alarms.https_endpoints,
            ),
        ).topic
        extra = [sns.Topic.from_topic_arn(self, f"ExistingTopic{i}", arn) for i, arn in enumerate(alarms.topic_arns)]

        groups = config.mesh.identity_center.groups
        self.group_topics: dict[str, sns.ITopic] = {}
        for group, emails in sorted(notifications.groups.items()):
            self.group_topics[group] = NotificationTopic(
                self,
                f"GroupTopic-{group}",
                NotificationTopicProps(
                    topic_name=naming.group_topic(group),
                    display_name=f"{naming.org} {naming.env} data mesh: {group}",
                    key=key,
                    emails=emails,
                ),
            ).topic
        projects = {p.key: p for p in config.projects_in(env_config)}
        project_topics = {
            config.project_name(env_config, projects[project_key]): sns.Topic.from_topic_arn(
                self, f"ProjectTopic-{project_key}", arn
            )
            for project_key, arn in sorted(notifications.project_topics.items())
        }
        self.notifications = DataZoneNotifications(
            self,
            "DataZoneNotifications",
            DataZoneNotificationsProps(
                project_topics=project_topics,
                group_topics={groups[g]: t for g, t in self.group_topics.items()},
                fallback=self.alarm_topic,
                key=key,
            ),
        )
        self.alarms = MeshAlarms(
            self,
            "Alarms",
            MeshAlarmsProps(
                stack_prefix=naming.stack(""),
                topic=self.alarm_topic,
                extra_topics=extra,
                dashboard_name=naming.stack("mesh"),
                watched=list(self.notifications.rules.items()),
            ),
        )
        CfnOutput(
            self,
            "AlarmTopicArn",
            value=self.alarm_topic.topic_arn,
            description="Subscribe chat (AWS Chatbot) or paging tools here: every alarm of the environment",
        )
