"""Glue Data Quality on one catalog table: its ruleset, the role evaluations run as, the schedule
that starts them, and the alarm on their score.

- ``AWS::Glue::DataQualityRuleset`` with the table as TargetTable (provider schema in cfn-lint:
  Name is create-only, Ruleset ≤ 65 536 characters).
- The evaluation role, trusted by glue.amazonaws.com: Glue reads of the table, Lake Formation
  credential vending (lakeformation:GetDataAccess), publishing the results
  (glue:PublishDataQuality on the ruleset), CloudWatch metrics in the "Glue Data Quality" namespace
  only, and its logs (the named groups /aws-glue/data-quality/output, error, logs-v2, after the
  /aws-glue/jobs/<kind> groups of Glue jobs: not verified against a run). Lake Formation grants
  it SELECT and DESCRIBE on the table (the stack's quality grant set): the evaluation reads the
  data as this role.
- An EventBridge Scheduler schedule whose universal target calls
  glue:StartDataQualityRulesetEvaluationRun (``arn:aws:scheduler:::aws-sdk:glue:<action>``,
  EventBridge Scheduler user guide, "Using universal targets") with CloudWatchMetricsEnabled, as a
  role that may start this ruleset's runs and pass the evaluation role, nothing more.
- A CloudWatch alarm on the score, 100 * passed / (passed + failed) of the evaluation's
  ``glue.data.quality.rules.passed`` / ``.failed`` metrics (namespace "Glue Data Quality",
  dimensions CatalogId, Database, Table, Ruleset: AWS Glue developer guide, "Setting up alerts,
  deployments, and scheduling", and the AWS Glue Data Quality workshop's alarm walkthrough), below
  the YAML's min_score; to the environment's alarm topic when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding

_COLON = ArnFormat.COLON_RESOURCE_NAME

METRICS_NAMESPACE = "Glue Data Quality"
PASSED, FAILED = "glue.data.quality.rules.passed", "glue.data.quality.rules.failed"
START_RUN = "glue:StartDataQualityRulesetEvaluationRun"
# Scheduler's universal target of an AWS SDK action: arn:aws:scheduler:::aws-sdk:<service>:<action>.
UNIVERSAL_TARGET = "glue:startDataQualityRulesetEvaluationRun"
LOG_GROUP_PREFIX = "/aws-glue/data-quality"
LOG_GROUPS = ("output", "error", "logs-v2")
# One evaluation a day at most is what a schedule of the mesh runs; the alarm looks at a day.
ALARM_PERIOD = Duration.days(1)


@dataclass(frozen=True)
class TableQualityProps:
    """``ruleset``: the DQDL document (mesh_config.dqdl.ruleset). ``schedule`` @default None: no
    schedule (runs are started by hand); else an EventBridge Scheduler ``cron(...)`` in
    ``timezone`` (IANA). ``min_score`` @default None: no alarm; else percent of rules that must pass.
    ``alarm_topic`` @default None: the alarm has no action."""

    database_name: str
    table_name: str
    ruleset_name: str
    ruleset: str
    description: str = ""
    schedule: str | None = None
    timezone: str = "UTC"
    min_score: int | None = None
    alarm_topic: sns.ITopic | None = None


class TableQuality(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: TableQualityProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.ruleset = glue.CfnDataQualityRuleset(
            self,
            "Ruleset",
            name=props.ruleset_name,
            description=props.description or None,
            ruleset=props.ruleset,
            target_table=glue.CfnDataQualityRuleset.DataQualityTargetTableProperty(
                database_name=props.database_name, table_name=props.table_name
            ),
        )
        ruleset_arn = stack.format_arn(service="glue", resource="dataQualityRuleset", resource_name=props.ruleset_name)
        table_arns = [
            stack.format_arn(service="glue", resource="catalog"),
            stack.format_arn(service="glue", resource="database", resource_name=props.database_name),
            stack.format_arn(
                service="glue", resource="table", resource_name=f"{props.database_name}/{props.table_name}"
            ),
        ]
        self.role = iam.Role(
            self,
            "EvaluationRole",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"Glue Data Quality evaluations of {props.database_name}.{props.table_name}",
        )
        # The log groups Glue writes a run's logs to, as for its jobs (output, error, logs-v2), under
        # the data-quality prefix.
        log_groups = [
            stack.format_arn(
                service="logs", resource="log-group", resource_name=f"{LOG_GROUP_PREFIX}/{kind}", arn_format=_COLON
            )
            for kind in LOG_GROUPS
        ]
        policy = iam.Policy(
            self,
            "EvaluationPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["glue:GetDatabase", "glue:GetPartitions", "glue:GetTable"], resources=table_arns
                ),
                iam.PolicyStatement(
                    actions=["glue:GetDataQualityRuleset", "glue:PublishDataQuality"], resources=[ruleset_arn]
                ),
                # Lake Formation vends the table's data to the role it granted SELECT to.
                iam.PolicyStatement(actions=["lakeformation:GetDataAccess"], resources=["*"]),
                iam.PolicyStatement(
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
                ),
                iam.PolicyStatement(
                    actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[*log_groups, *(f"{g}:*" for g in log_groups)],
                ),
            ],
        )
        self.role.attach_inline_policy(policy)
        acknowledge(
            policy,
            "lakeformation:GetDataAccess and cloudwatch:PutMetricData have no resource-level permissions (Service "
            "Authorization Reference): Lake Formation vends only what it granted the role (SELECT on this table), "
            "and the metrics are limited to the Glue Data Quality namespace by condition. The log streams are those "
            "of the evaluation runs' named log groups (output, error, logs-v2 under /aws-glue/data-quality).",
            "AwsSolutions-IAM5[Resource::*]",
            *(wildcard_resource_finding(self, f"{g}:*") for g in log_groups),
        )
        self.schedule: scheduler.CfnSchedule | None = None
        if props.schedule:
            self.schedule = self._schedule(props, ruleset_arn)
        self.alarm: cloudwatch.Alarm | None = None
        if props.min_score is not None:
            self.alarm = self._alarm(props, stack.account)

    def _schedule(self, props: TableQualityProps, ruleset_arn: str) -> scheduler.CfnSchedule:
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description=f"Starts the Glue Data Quality evaluations of {props.database_name}.{props.table_name}",
        )
        role.attach_inline_policy(
            iam.Policy(
                self,
                "SchedulerPolicy",
                statements=[
                    iam.PolicyStatement(actions=[START_RUN], resources=[ruleset_arn]),
                    iam.PolicyStatement(
                        actions=["iam:PassRole"],
                        resources=[self.role.role_arn],
                        conditions={"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}},
                    ),
                ],
            )
        )
        run = {
            "DataSource": {"GlueTable": {"DatabaseName": props.database_name, "TableName": props.table_name}},
            "Role": self.role.role_arn,
            "RulesetNames": [props.ruleset_name],
            "AdditionalRunOptions": {"CloudWatchMetricsEnabled": True},
        }
        return scheduler.CfnSchedule(
            self,
            "Schedule",
            description=f"Evaluates the data quality of {props.database_name}.{props.table_name}",
            schedule_expression=props.schedule,
            schedule_expression_timezone=props.timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=stack.format_arn(
                    service="scheduler",
                    region="",
                    account="",
                    resource="aws-sdk",
                    resource_name=UNIVERSAL_TARGET,
                    arn_format=_COLON,
                ),
                role_arn=role.role_arn,
                input=stack.to_json_string(run),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=2),
            ),
        )

    def _alarm(self, props: TableQualityProps, account: str) -> cloudwatch.Alarm:
        dimensions = {
            "CatalogId": account,
            "Database": props.database_name,
            "Table": props.table_name,
            "Ruleset": props.ruleset_name,
        }

        def metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map=dimensions,
                statistic="Sum",
                period=ALARM_PERIOD,
            )

        score = cloudwatch.MathExpression(
            expression="100 * passed / (passed + failed)",
            using_metrics={"passed": metric(PASSED), "failed": metric(FAILED)},
            label=f"Data quality score of {props.table_name} (%)",
            period=ALARM_PERIOD,
        )
        alarm = score.create_alarm(
            self,
            "ScoreAlarm",
            alarm_description=(
                f"The Glue Data Quality score of {props.database_name}.{props.table_name} fell below "
                f"{props.min_score}% (ruleset {props.ruleset_name}): see the evaluation's results in the Glue console "
                "or the asset's Data quality tab"
            ),
            threshold=props.min_score,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=1,
            # No evaluation in the period is no score, not a bad one.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if props.alarm_topic is not None:
            alarm.add_alarm_action(actions.SnsAction(props.alarm_topic))
        return alarm
