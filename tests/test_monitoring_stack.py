"""The monitoring stack and the pipeline's notifications, asserted on the bundled example's
synthesized templates: rules' event patterns and targets, the alarm, the topics and their key."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from mesh_constructs.handlers import notify
from mesh_constructs.mesh_alarms import ALL_MANAGEMENT_EVENTS, LAMBDA_ERRORS_QUERY
from tests.synth import of_type

OPS_CHAT = "arn:aws:sns:eu-west-1:234567890123:ops-chat"
FINANCE_TEAM = "arn:aws:sns:eu-west-1:234567890123:finance-reporting-team"
FINANCE_LEADS_ID = "9067a1b2c3-1a2b3c4d-0002-4a5b-8c9d-0e1f2a3b4c5d"


def _template(app, name: str) -> dict:
    (stack,) = [s for s in app.stacks() if s.stack_name == name]
    return stack.template


@pytest.fixture(scope="module")
def staging(example_app) -> dict:
    return _template(example_app, "acme-staging-monitoring")


@pytest.fixture(scope="module")
def pipeline(example_app) -> dict:
    return _template(example_app, "acme-mesh-pipeline")


def _logical_id(template: dict, kind: str, prefix: str) -> str:
    (found,) = [k for k in of_type(template, kind) if k.startswith(prefix)]
    return found


def _rule(template: dict, prefix: str) -> dict:
    return template["Resources"][_logical_id(template, "AWS::Events::Rule", prefix)]["Properties"]


def test_only_environments_with_notifications_get_a_monitoring_stack(example_app):
    names = {s.stack_name for s in example_app.stacks()}
    assert {"acme-staging-monitoring", "acme-prod-monitoring"} <= names
    assert "acme-dev-monitoring" not in names


def test_the_alarm_topic_is_named_encrypted_and_subscribed(staging):
    template = Template.from_json(staging)
    key = _logical_id(staging, "AWS::KMS::Key", "NotificationKey")
    template.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": "acme-staging-mesh-alarms", "KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "data-platform-oncall@acme.example"}
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "https", "Endpoint": Match.string_like_regexp("^https://events.pagerduty")},
    )


def test_the_key_lets_this_accounts_alarms_and_eventbridge_publish(staging):
    (key,) = of_type(staging, "AWS::KMS::Key").values()
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    alarms, rules = statements["AllowAlarmsOfThisAccount"], statements["AllowEventBridgeRules"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": "234567890123"}}
    # EventBridge's KMS requests carry no aws:SourceAccount: a condition would drop every event.
    assert rules["Principal"] == {"Service": "events.amazonaws.com"} and "Condition" not in rules
    assert key["Properties"]["EnableKeyRotation"] is True


def test_each_group_with_addresses_gets_a_topic_of_its_people(staging):
    template = Template.from_json(staging)
    for group in ("finance-team-leads", "data-platform-admins"):
        template.has_resource_properties("AWS::SNS::Topic", {"TopicName": f"acme-staging-mesh-notify-{group}"})
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "finance-data-owners@acme.example"}
    )


@pytest.mark.parametrize(
    ("rule", "detail_types"),
    [
        ("DataZoneNotificationsSubscriptionRequested", [notify.REQUEST_CREATED]),
        ("DataZoneNotificationsSubscriptionDecided", [notify.REQUEST_ACCEPTED, notify.REQUEST_REJECTED]),
        ("DataZoneNotificationsDataSourceRunFailed", [notify.RUN_FAILED]),
    ],
)
def test_datazone_events_go_to_the_notification_function(staging, rule, detail_types):
    properties = _rule(staging, rule)
    assert properties["EventPattern"] == {"source": ["aws.datazone"], "detail-type": detail_types}
    function = _logical_id(staging, "AWS::Lambda::Function", "DataZoneNotificationsFunction")
    (target,) = properties["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 4


def test_the_function_routes_owner_groups_project_topics_and_the_fallback(staging):
    (function,) = [
        f for k, f in of_type(staging, "AWS::Lambda::Function").items() if k.startswith("DataZoneNotificationsFunction")
    ]
    assert function["Properties"]["Handler"] == "handlers.notify.on_event"
    value = function["Properties"]["Environment"]["Variables"]["ROUTES"]
    rendered = json.dumps(value)
    group_topic = _logical_id(staging, "AWS::SNS::Topic", "GroupTopicfinanceteamleads")
    alarm_topic = _logical_id(staging, "AWS::SNS::Topic", "AlarmTopic")
    assert FINANCE_LEADS_ID in rendered and group_topic in rendered
    assert "finance-reporting-stg-project" in rendered and FINANCE_TEAM in rendered
    assert alarm_topic in rendered


def test_the_function_may_publish_to_its_topics_and_read_datazone_only(staging):
    (policy,) = [
        p for k, p in of_type(staging, "AWS::IAM::Policy").items() if k.startswith("DataZoneNotificationsRole")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {a for a in actions if a.startswith("datazone:")} == {
        "datazone:GetDataSource",
        "datazone:GetDataSourceRun",
        "datazone:GetProject",
        "datazone:GetSubscriptionRequestDetails",
        "datazone:ListProjectMemberships",
    }
    (publish,) = [s for s in statements if s["Action"] == "sns:Publish"]
    assert FINANCE_TEAM in json.dumps(publish["Resource"])
    assert not any(a.endswith("*") for a in actions)


def test_a_failed_mesh_custom_resource_is_an_alarm(staging):
    properties = _rule(staging, "AlarmsCustomResourceFailed")
    assert properties["EventPattern"] == {
        "source": ["aws.cloudformation"],
        "detail-type": ["CloudFormation Resource Status Change"],
        "detail": {
            "resource-type": [{"prefix": "Custom::"}],
            "status-details": {"status": ["CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"]},
            "stack-id": [{"wildcard": "arn:*:cloudformation:*:*:stack/acme-staging-*"}],
        },
    }


@pytest.mark.parametrize(
    ("rule", "detail_type"),
    [
        ("AlarmsDataSourceRunFailed", "Data Source Run Failed"),
        ("AlarmsSubscriptionGrantFailed", "Subscription Grant Failed"),
    ],
)
def test_datazone_failures_are_alarms(staging, rule, detail_type):
    assert _rule(staging, rule)["EventPattern"] == {"source": ["aws.datazone"], "detail-type": [detail_type]}


def test_lake_formation_denials_are_read_from_cloudtrail_reads_included(staging):
    lake_formation = _rule(staging, "AlarmsLakeFormationDenied")
    assert lake_formation["EventPattern"]["detail"] == {
        "eventSource": ["lakeformation.amazonaws.com"],
        "errorCode": [{"prefix": "AccessDenied"}],
    }
    glue = _rule(staging, "AlarmsGlueDeniedByLakeFormation")
    assert glue["EventPattern"]["detail"]["errorMessage"] == [{"wildcard": "*Lake Formation permission*"}]
    assert lake_formation["State"] == glue["State"] == ALL_MANAGEMENT_EVENTS


def test_alarm_rules_notify_the_alarm_topic_and_the_existing_chat_topic(staging):
    alarm_topic = _logical_id(staging, "AWS::SNS::Topic", "AlarmTopic")
    for prefix in (
        "AlarmsCustomResourceFailed",
        "AlarmsDataSourceRunFailed",
        "AlarmsSubscriptionGrantFailed",
        "AlarmsLakeFormationDenied",
        "AlarmsGlueDeniedByLakeFormation",
    ):
        targets = _rule(staging, prefix)["Targets"]
        assert [t["Arn"] for t in targets] == [{"Ref": alarm_topic}, OPS_CHAT], prefix
        assert all("InputTransformer" in t for t in targets)


def test_handler_errors_alarm_on_the_accounts_lambda_errors(staging):
    (alarm,) = of_type(staging, "AWS::CloudWatch::Alarm").values()
    properties = alarm["Properties"]
    assert [m["Expression"] for m in properties["Metrics"]] == [LAMBDA_ERRORS_QUERY]
    assert properties["ComparisonOperator"] == "GreaterThanThreshold" and properties["Threshold"] == 0
    alarm_topic = _logical_id(staging, "AWS::SNS::Topic", "AlarmTopic")
    assert properties["AlarmActions"] == [{"Ref": alarm_topic}, OPS_CHAT]


def test_the_alarm_topic_lets_this_accounts_alarms_publish(staging):
    policies = json.dumps(list(of_type(staging, "AWS::SNS::TopicPolicy").values()))
    assert "AllowAlarmsOfThisAccount" in policies and "cloudwatch.amazonaws.com" in policies


def test_the_dashboard_shows_the_alarm_and_every_rule(staging):
    (dashboard,) = of_type(staging, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "acme-staging-mesh"
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "TriggeredRules" in body and "GROUP BY FunctionName" in body


def test_a_failed_pipeline_stage_notifies_the_alarm_recipients(pipeline):
    properties = _rule(pipeline, "PipelineStageFailed")
    assert properties["EventPattern"] == {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Stage Execution State Change"],
        "detail": {"pipeline": ["acme-mesh"], "state": ["FAILED"]},
    }
    topic = _logical_id(pipeline, "AWS::SNS::Topic", "PipelineAlarmTopic")
    assert [t["Arn"] for t in properties["Targets"]] == [{"Ref": topic}]
    Template.from_json(pipeline).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "it-operations@acme.example"}
    )


def test_staging_deployed_and_smoke_tested_notifies_the_qa_team(pipeline):
    properties = _rule(pipeline, "Deployedstaging")
    assert properties["EventPattern"] == {
        "source": ["aws.codepipeline"],
        "detail-type": ["CodePipeline Action Execution State Change"],
        "detail": {
            "pipeline": ["acme-mesh"],
            "stage": ["staging"],
            "action": ["SmokeTest-staging"],
            "state": ["SUCCEEDED"],
        },
    }
    topic = _logical_id(pipeline, "AWS::SNS::Topic", "DeployedTopicstaging")
    assert [t["Arn"] for t in properties["Targets"]] == [{"Ref": topic}]
    Template.from_json(pipeline).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "qa-team@acme.example", "TopicArn": {"Ref": topic}}
    )
    assert not [k for k in of_type(pipeline, "AWS::Events::Rule") if k.startswith("Deployedprod")]


def test_the_smoke_test_action_the_rule_names_exists_in_the_pipeline(pipeline):
    (codepipeline,) = of_type(pipeline, "AWS::CodePipeline::Pipeline").values()
    actions = {(s["Name"], a["Name"]) for s in codepipeline["Properties"]["Stages"] for a in s["Actions"]}
    assert ("staging", "SmokeTest-staging") in actions
