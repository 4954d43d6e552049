"""What breaks a mesh in operation, watched in one environment account: EventBridge rules that
send each failure to the alarm topic as it happens, a CloudWatch alarm on the account's Lambda
errors (the custom-resource handlers'), and a dashboard of all of it.

Watched (docs/monitoring.md says what each means and what to do):
- a mesh custom resource that failed (``Custom::*`` CREATE/UPDATE/DELETE_FAILED in a stack
  <org>-<env>-*): CloudFormation's "CloudFormation Resource Status Change" event (CloudFormation
  user guide, "Resource Status Change event detail");
- Lambda errors of the account (SUM of AWS/Lambda Errors over every function, a Metrics Insights
  query): the handlers raise on failure, so each failed invocation counts, retries included. The
  account is the environment's own (one account per environment), so its functions are the mesh's;
- a DataZone data-source run that failed and a subscription grant that failed ("Data Source Run
  Failed", "Subscription Grant Failed": EventBridge reference "Amazon DataZone events");
- Lake Formation access denials: CloudTrail's "AWS API Call via CloudTrail" for
  lakeformation.amazonaws.com with an AccessDenied* error code, and Glue calls refused with
  "Insufficient Lake Formation permission(s)". CloudTrail delivers these to EventBridge only where
  a trail logs the account's management events in this region (an organisation trail does); most
  of them are reads (Get*), which reach a rule only in the state
  ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (EventBridge user guide, "Receiving read-only
  management events").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sns as sns
from constructs import Construct

FAILED_STATUSES = ["CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"]
# The account's Lambda errors, one series (an alarm on a Metrics Insights query must return one).
LAMBDA_ERRORS_QUERY = 'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName)'
# The ten functions with most errors, for the dashboard: which handler failed.
LAMBDA_ERRORS_BY_FUNCTION = (
    'SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 10'
)
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class MeshAlarmsProps:
    """``stack_prefix``: <org>-<env>-, the names of the stacks whose custom resources are watched.
    ``topic``: the alarm topic; ``extra_topics``: existing topics told as well (a chat channel's)
    @default none. ``dashboard_name``: the dashboard's name. ``watched``: extra rules whose matches the
    dashboard counts (the DataZone notification rules) @default none."""

    stack_prefix: str
    topic: sns.ITopic
    dashboard_name: str
    extra_topics: Sequence[sns.ITopic] = ()
    watched: Sequence[tuple[str, events.Rule]] = ()


def _field(path: str) -> str:
    return events.EventField.from_path(path)


class MeshAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: MeshAlarmsProps) -> None:
        super().__init__(scope, construct_id)
        self._props = props
        self.rules: dict[str, events.Rule] = {}
        self._rule(
            "CustomResourceFailed",
            "a mesh custom resource failed (its handler raised or timed out)",
            events.EventPattern(
                source=["aws.cloudformation"],
                detail_type=["CloudFormation Resource Status Change"],
                detail={
                    "resource-type": [{"prefix": "Custom::"}],
                    "status-details": {"status": FAILED_STATUSES},
                    "stack-id": [{"wildcard": f"arn:*:cloudformation:*:*:stack/{props.stack_prefix}*"}],
                },
            ),
            events.RuleTargetInput.from_multiline_text(
                f"Mesh custom resource {_field('$.detail.logical-resource-id')} "
                f"({_field('$.detail.resource-type')}) is {_field('$.detail.status-details.status')}.\n"
                f"Reason: {_field('$.detail.status-details.status-reason')}\n"
                f"Stack: {_field('$.detail.stack-id')}\n"
                "What to do: docs/monitoring.md, 'A custom resource failed'."
            ),
        )
        self._rule(
            "DataSourceRunFailed",
            "a DataZone data-source run failed",
            events.EventPattern(source=["aws.datazone"], detail_type=["Data Source Run Failed"]),
            events.RuleTargetInput.from_multiline_text(
                f"A DataZone data-source run failed in domain {_field('$.detail.metadata.domain')} "
                f"(event {_field('$.id')}, {_field('$.time')}). The data source's owners are told with the error.\n"
                "What to do: docs/monitoring.md, 'A data-source run failed'."
            ),
        )
        self._rule(
            "SubscriptionGrantFailed",
            "a DataZone subscription grant failed",
            events.EventPattern(source=["aws.datazone"], detail_type=["Subscription Grant Failed"]),
            events.RuleTargetInput.from_multiline_text(
                f"A DataZone subscription grant failed in domain {_field('$.detail.metadata.domain')} "
                f"(grant {_field('$.detail.metadata.id')}, event {_field('$.id')}, {_field('$.time')}): the "
                "subscriber was accepted but cannot read the data.\n"
                "What to do: docs/monitoring.md, 'A subscription grant failed'."
            ),
        )
        denial = events.RuleTargetInput.from_multiline_text(
            f"{_field('$.detail.eventSource')} refused {_field('$.detail.eventName')} to "
            f"{_field('$.detail.userIdentity.arn')}: {_field('$.detail.errorCode')} "
            f"{_field('$.detail.errorMessage')} ({_field('$.time')}).\n"
            "What to do: docs/monitoring.md, 'Lake Formation denied access'."
        )
        for rule_id, what, pattern in (
            (
                "LakeFormationDenied",
                "Lake Formation refused a call (CloudTrail)",
                events.EventPattern(
                    source=["aws.lakeformation"],
                    detail_type=["AWS API Call via CloudTrail"],
                    detail={
                        "eventSource": ["lakeformation.amazonaws.com"],
                        "errorCode": [{"prefix": "AccessDenied"}],
                    },
                ),
            ),
            (
                "GlueDeniedByLakeFormation",
                "Glue refused a call for missing Lake Formation permissions (CloudTrail)",
                events.EventPattern(
                    source=["aws.glue"],
                    detail_type=["AWS API Call via CloudTrail"],
                    detail={
                        "eventSource": ["glue.amazonaws.com"],
                        "errorCode": [{"prefix": "AccessDenied"}],
                        "errorMessage": [{"wildcard": "*Lake Formation permission*"}],
                    },
                ),
            ),
        ):
            rule = self._rule(rule_id, what, pattern, denial)
            # The denied calls are mostly reads (GetTable, GetDataAccess), which reach rules only in this state.
            rule.node.default_child.state = ALL_MANAGEMENT_EVENTS  # type: ignore[union-attr]

        errors = cloudwatch.MathExpression(
            expression=LAMBDA_ERRORS_QUERY, period=PERIOD, label="Lambda errors (all functions of the account)"
        )
        self.handler_errors = cloudwatch.Alarm(
            self,
            "HandlerErrors",
            alarm_description=(
                "A Lambda function of the account failed: a mesh custom-resource handler (the deployment fails with "
                "its message) or the notification function. docs/monitoring.md, 'Handler errors'."
            ),
            metric=errors,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for topic in (props.topic, *props.extra_topics):
            self.handler_errors.add_alarm_action(actions.SnsAction(topic))

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=props.dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=[self.handler_errors], width=24, height=3),
            cloudwatch.GraphWidget(
                title="Lambda errors by function (custom-resource handlers, notifications)",
                left=[cloudwatch.MathExpression(expression=LAMBDA_ERRORS_BY_FUNCTION, period=PERIOD, label="")],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Failures seen (times each rule matched)",
                left=[self._matched(label, rule) for label, rule in self.rules.items()],
                width=12,
                stacked=True,
            ),
        )
        if props.watched:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="DataZone notifications (times each rule matched)",
                    left=[self._matched(label, rule) for label, rule in props.watched],
                    width=24,
                )
            )

    def _rule(
        self, rule_id: str, what: str, pattern: events.EventPattern, message: events.RuleTargetInput
    ) -> events.Rule:
        rule = events.Rule(self, rule_id, description=f"Mesh monitoring: {what}", event_pattern=pattern)
        for topic in (self._props.topic, *self._props.extra_topics):
            rule.add_target(targets.SnsTopic(topic, message=message))
        self.rules[rule_id] = rule
        return rule

    @staticmethod
    def _matched(label: str, rule: events.Rule) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Events",
            metric_name="TriggeredRules",
            dimensions_map={"RuleName": rule.rule_name},
            statistic="Sum",
            period=PERIOD,
            label=label,
        )
