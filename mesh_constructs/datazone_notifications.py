"""DataZone events -> the people who act: EventBridge rules on ``aws.datazone`` and the formatting
Lambda (``handlers/notify.py``) that names what happened and publishes it to the right topics.

Rules (detail-types from the EventBridge reference "Amazon DataZone events";
DataZone sends them to the default bus of the domain's account, best effort):
``Subscription Request Created`` -> the producing project's owners; ``Subscription Request
Accepted`` / ``Rejected`` -> the requesting project's owners; ``Data Source Run Failed`` -> the
owners of the data source's project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge
from mesh_constructs.datazone_handler import ASSET_EXCLUDE, HANDLERS, PACKAGE_DIR, RUNTIME
from mesh_constructs.handlers import notify

# What the function reads (mesh_constructs/iam_resource_types.py: none of them has a domain
# resource type, so IAM evaluates them against "*").
READS = (
    "datazone:GetDataSource",
    "datazone:GetDataSourceRun",
    "datazone:GetProject",
    "datazone:GetSubscriptionRequestDetails",
    "datazone:ListProjectMemberships",
)
DATAZONE_SOURCE = "aws.datazone"


@dataclass(frozen=True)
class DataZoneNotificationsProps:
    """``group_topics``: Identity Center group id -> the topic of its people; a project's owners are
    the groups ListProjectMemberships shows as PROJECT_OWNER when the event comes, so owners added in
    the portal are told too and the function's environment stays small whatever the number of
    projects. ``project_topics``: project name -> a team's own topic, told as well. ``fallback``:
    where an event nobody is routed for goes (the alarm topic). ``key``: the mesh topics' key."""

    project_topics: Mapping[str, sns.ITopic]
    group_topics: Mapping[str, sns.ITopic]
    fallback: sns.ITopic
    key: kms.IKey


class DataZoneNotifications(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DataZoneNotificationsProps) -> None:
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.DESTROY
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Names DataZone events and publishes them to the mesh's notification topics",
        )
        log_group.grant_write(role)
        reads = iam.PolicyStatement(actions=list(READS), resources=["*"])
        role.add_to_policy(reads)
        acknowledge(
            role,
            "DataZone's GetProject, GetSubscriptionRequestDetails, ListProjectMemberships, GetDataSource and "
            "GetDataSourceRun have no IAM resource type (Service Authorization Reference): IAM evaluates them "
            "against '*' only; the statement holds these five reads and nothing else.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        topics = {props.fallback, *props.group_topics.values(), *props.project_topics.values()}
        # Not Topic.grant_publish: on an encrypted topic it adds kms:GenerateDataKey* as well.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"], resources=[t.topic_arn for t in sorted(topics, key=lambda t: t.node.path)]
            )
        )
        # Publishing to an encrypted topic: SNS generates the data key as the publisher (SNS developer
        # guide, "Encryption at rest"); named actions, not grant_encrypt's ReEncrypt* / GenerateDataKey*.
        role.add_to_policy(
            iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[props.key.key_arn])
        )
        routes = {
            "projects": {name: [t.topic_arn] for name, t in sorted(props.project_topics.items())},
            "groups": {group: t.topic_arn for group, t in sorted(props.group_topics.items())},
            "fallback": props.fallback.topic_arn,
        }
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            handler=f"{HANDLERS}.notify.on_event",
            code=lambda_.Code.from_asset(str(PACKAGE_DIR), exclude=ASSET_EXCLUDE),
            role=role,
            timeout=Duration.minutes(1),
            memory_size=256,
            description="Turns DataZone subscription and data-source events into notifications",
            log_group=log_group,
            environment={"ROUTES": Stack.of(self).to_json_string(routes)},
        )
        # W3005: CDK's DependsOn on the role's policy, which the Role GetAtt already implies.
        self.function.node.default_child.add_metadata(  # type: ignore[union-attr]
            "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
        )
        self.rules: dict[str, events.Rule] = {}
        for rule_id, detail_types, what in (
            ("SubscriptionRequested", [notify.REQUEST_CREATED], "a new subscription request"),
            ("SubscriptionDecided", [notify.REQUEST_ACCEPTED, notify.REQUEST_REJECTED], "a subscription decision"),
            ("DataSourceRunFailed", [notify.RUN_FAILED], "a failed data-source run"),
        ):
            rule = events.Rule(
                self,
                rule_id,
                description=f"DataZone: {what} -> the project owners' notification topics",
                event_pattern=events.EventPattern(source=[DATAZONE_SOURCE], detail_type=detail_types),
            )
            # EventBridge retries a failed asynchronous invocation; Lambda retries errors twice more.
            rule.add_target(targets.LambdaFunction(self.function, retry_attempts=4, max_event_age=Duration.hours(2)))
            self.rules[rule_id] = rule
