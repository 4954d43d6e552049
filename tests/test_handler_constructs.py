"""The constructs behind the two review findings: handlers that wait longer than one Lambda are
polled by the Provider framework, and every grants handler of an account records its sets in the
account's grant registry."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps, polls
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity, DataZoneHandlerIdentityProps
from mesh_constructs.handlers.support import COMPLETE_INTERVAL, COMPLETE_TIMEOUT
from mesh_constructs.lake_formation_grants import (
    GlueDatabaseRef,
    LakeFormationGrant,
    LakeFormationGrantRegistry,
    LakeFormationGrantRegistryProps,
    LakeFormationGrants,
    LakeFormationGrantsProps,
    lake_formation_grants_handler,
)
from mesh_constructs.subscription import SUBSCRIPTION_ACTIONS

ACCOUNT = "123456789012"
REGISTRY = "acme-dev-lakeformation-grant-registry"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "T", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))


def _identity(stack: cdk.Stack) -> DataZoneHandlerIdentity:
    return DataZoneHandlerIdentity(
        stack, "Id", DataZoneHandlerIdentityProps("dzd_abc", "arn:aws:datazone:eu-west-1:1:domain/dzd_abc", "u1", "r")
    )


def test_the_handler_modules_that_wait_beyond_one_lambda_are_the_polling_ones():
    assert {m for m in ("subscription", "project_connections") if polls(m)} == {"subscription", "project_connections"}
    assert not any(
        polls(m) for m in ("glossary", "form_type", "data_source_runs", "ram_invitation", "lake_formation_grants")
    )


def test_a_polling_module_gets_an_is_complete_function_and_the_frameworks_hour():
    stack = _stack()
    handler = DataZoneHandler(
        stack,
        "H",
        DataZoneHandlerProps(
            module="subscription", identity=_identity(stack), actions=SUBSCRIPTION_ACTIONS, description="s"
        ),
    )
    assert handler.is_complete_function is not None
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"Handler": "handlers.subscription.is_complete"})
    template.has_resource_properties("AWS::Lambda::Function", {"Handler": "handlers.subscription.on_event"})
    attempts = COMPLETE_TIMEOUT // COMPLETE_INTERVAL
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "DefinitionString": Match.object_like(
                {
                    "Fn::Join": Match.array_with(
                        [
                            Match.array_with(
                                [
                                    Match.string_like_regexp(
                                        f'"IntervalSeconds":{COMPLETE_INTERVAL},"MaxAttempts":{attempts},"BackoffRate":1'
                                    )
                                ]
                            )
                        ]
                    )
                }
            ),
            "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
        },
    )


def test_a_module_without_is_complete_keeps_the_synchronous_provider():
    stack = _stack()
    handler = DataZoneHandler(
        stack,
        "H",
        DataZoneHandlerProps(
            module="glossary", identity=_identity(stack), actions=("datazone:GetGlossary",), description="g"
        ),
    )
    assert handler.is_complete_function is None
    Template.from_stack(stack).resource_count_is("AWS::StepFunctions::StateMachine", 0)


def test_the_registry_is_a_table_keyed_by_grant_and_set_with_point_in_time_recovery():
    stack = _stack()
    LakeFormationGrantRegistry(
        stack, "Registry", LakeFormationGrantRegistryProps(table_name=REGISTRY, removal_policy=cdk.RemovalPolicy.RETAIN)
    )
    Template.from_stack(stack).has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "TableName": REGISTRY,
                    "KeySchema": [
                        {"AttributeName": "Grant", "KeyType": "HASH"},
                        {"AttributeName": "GrantSet", "KeyType": "RANGE"},
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                }
            ),
        },
    )


def test_a_grant_set_names_the_registry_and_its_handler_may_read_and_write_only_that_table():
    stack = _stack()
    handler = lake_formation_grants_handler(
        stack, "acme-dev-lakeformation-grants", [GlueDatabaseRef("db")], "grants", REGISTRY
    )
    LakeFormationGrants(
        stack,
        "Grants",
        LakeFormationGrantsProps(
            name="acme-dev-team-grants", grants=[LakeFormationGrant("arn:r", "db", ("DESCRIBE",))], handler=handler
        ),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "Custom::LakeFormationGrants", {"Name": "acme-dev-team-grants", "Registry": REGISTRY}
    )
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": {"GRANT_REGISTRY_TABLE": REGISTRY}}}
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["dynamodb:BatchWriteItem", "dynamodb:Scan"],
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        f":dynamodb:eu-west-1:{ACCOUNT}:table/{REGISTRY}",
                                    ],
                                ]
                            },
                        }
                    ]
                )
            }
        },
    )
