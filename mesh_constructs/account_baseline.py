"""The account-wide settings CloudFormation has no resource type for: S3 Block Public Access at
account level and EBS encryption by default (mesh_constructs/handlers/account_baseline.py says how,
and why a Delete leaves them on)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.handler_role import HandlerRole

# None of these has a resource type (Service Authorization Reference, as cfn-lint ships it): IAM
# evaluates them against "*".
BASELINE_ACTIONS = (
    "s3:GetAccountPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    "ec2:GetEbsEncryptionByDefault",
    "ec2:EnableEbsEncryptionByDefault",
)


class AccountBaseline(Construct):
    """``Custom::AccountBaseline`` of the stack's account and region."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Turns on S3 account-level Block Public Access and EBS encryption by default",
        )
        identity = HandlerRole(self, "HandlerIdentity", role)
        self.handler = DataZoneHandler(
            self,
            "Handler",
            DataZoneHandlerProps(
                module="account_baseline",
                identity=identity,
                actions=(),
                statements=[iam.PolicyStatement(actions=list(BASELINE_ACTIONS), resources=["*"])],
                description="Keeps S3 account-level Block Public Access and EBS encryption by default on",
                timeout_minutes=5,
            ),
        )
        acknowledge(
            identity.policy,
            "s3:GetAccountPublicAccessBlock, s3:PutAccountPublicAccessBlock, ec2:GetEbsEncryptionByDefault and "
            "ec2:EnableEbsEncryptionByDefault have no resource-level permissions, so IAM evaluates them against "
            "'*'; the role has these four actions and nothing else (it cannot switch either setting off).",
            "AwsSolutions-IAM5[Resource::*]",
        )
        stack = Stack.of(self)
        self.resource = self.handler.resource(
            self,
            "Resource",
            "Custom::AccountBaseline",
            {"AccountId": stack.account, "Region": stack.region},
            RemovalPolicy.DESTROY,
        )
