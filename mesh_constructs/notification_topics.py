"""Encrypted SNS topics that CloudWatch alarms and EventBridge rules can publish to.

One KMS key per stack encrypts its topics. SNS encrypts with the key on the publisher's behalf, so
the key policy lets the publishing services use it (CloudWatch for alarms, EventBridge for rules;
SNS developer guide, "Key management: enable compatibility between event sources from AWS services
and encrypted topics"), CloudWatch's conditioned on this account; the topic policy allows
CloudWatch's alarms of this account to publish (EventBridge targets add their own statement) and
refuses anything but TLS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

# What a publisher needs of the key of an encrypted topic (SNS developer guide, "Key management").
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]


class NotificationKey(Construct):
    """``key``: the KMS key of a stack's notification topics, usable by the publishing services."""

    def __init__(self, scope: Construct, construct_id: str, description: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=description,
            enable_key_rotation=True,
            # Holds no data at rest worth keeping: messages are delivered, not stored.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=KEY_ACTIONS,
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        # Unconditioned: EventBridge's KMS requests carry no aws:SourceAccount / aws:SourceArn
        # (SNS developer guide, the same section; MDAA's grantCloudWatchAlarmsTopicAccess notes it), so
        # a condition would drop every event. The topic policy still admits only this account's rules.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEventBridgeRules",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=KEY_ACTIONS,
                resources=["*"],
            )
        )


@dataclass(frozen=True)
class NotificationTopicProps:
    """``topic_name``: fixed, so tools outside the stack can find it. ``emails`` / ``https_endpoints``:
    the subscriptions @default none."""

    topic_name: str
    display_name: str
    key: kms.IKey
    emails: Sequence[str] = field(default_factory=tuple)
    https_endpoints: Sequence[str] = field(default_factory=tuple)


class NotificationTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: NotificationTopicProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=props.topic_name,
            display_name=props.display_name[:100],
            master_key=props.key,
            enforce_ssl=True,
        )
        # The topic policy CDK writes (TLS only, EventBridge's statements) replaces SNS's default
        # one, so the account's alarms need their own statement.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        for email in props.emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        for url in props.https_endpoints:
            self.topic.add_subscription(subscriptions.UrlSubscription(url, protocol=sns.SubscriptionProtocol.HTTPS))
