"""TableQuality on its own: without a schedule or a score, only the ruleset and its role."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Template

from mesh_constructs.table_quality import TableQuality, TableQualityProps


def _template(**props: object) -> Template:
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    TableQuality(
        stack,
        "Q",
        TableQualityProps(
            database_name="db", table_name="t", ruleset_name="db.t", ruleset="Rules = [\n    RowCount > 0\n]", **props
        ),  # type: ignore[arg-type]
    )
    return Template.from_stack(stack)


def test_rules_without_a_schedule_have_no_schedule_and_no_alarm():
    template = _template()
    template.resource_count_is("AWS::Glue::DataQualityRuleset", 1)
    template.resource_count_is("AWS::Scheduler::Schedule", 0)
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    template.resource_count_is("AWS::IAM::Role", 1)  # the evaluation role only


def test_a_score_without_a_topic_is_an_alarm_without_action():
    template = _template(schedule="cron(0 6 * * ? *)", min_score=80)
    template.has_resource_properties("AWS::Scheduler::Schedule", {"ScheduleExpressionTimezone": "UTC"})
    (alarm,) = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["Threshold"] == 80 and "AlarmActions" not in alarm["Properties"]
