"""The role CloudFormation deploys with (the CDK bootstrap's execution role)."""

from __future__ import annotations

from aws_cdk import Fn, Stack


def cloudformation_execution_role_arn(stack: Stack) -> str:
    """ARN of the CloudFormation execution role created by ``cdk bootstrap``.

    The synthesizer returns it with a ``${AWS::Partition}`` placeholder, which only
    ``Fn::Sub`` resolves inside a template.
    """
    return Fn.sub(stack.resolve(stack.synthesizer.cloud_formation_execution_role_arn))
