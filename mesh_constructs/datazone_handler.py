"""The one pattern every custom resource of the mesh follows: a Python handler from
``mesh_constructs/handlers`` behind ``custom_resources.Provider``.

The Lambda asset is the ``handlers`` folder and nothing else; the function runs on the latest
Python runtime as the domain's DataZone handler identity, logs to a log group with a retention,
and the Provider framework reports to CloudFormation (handlers raise, never return FAILED).

A module that defines ``is_complete`` waits longer than one Lambda run (a subscription's grants,
project environments): a second function runs it, and the framework polls it every
``COMPLETE_INTERVAL`` seconds for at most ``COMPLETE_TIMEOUT`` (one hour, the framework's maximum)
through its waiter state machine. Whether a module polls is read from the module itself, so the
construct and the handler cannot disagree.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.handlers.support import COMPLETE_INTERVAL, COMPLETE_TIMEOUT

PACKAGE_DIR = Path(__file__).resolve().parent
HANDLERS = "handlers"
# Only the handlers folder (its .py files) goes into the asset.
ASSET_EXCLUDE = ["*", f"!{HANDLERS}", f"!{HANDLERS}/*.py"]
RUNTIME = lambda_.Runtime.PYTHON_3_14


class HandlerIdentity(Protocol):
    """What a handler's function runs as: a ``DataZoneHandlerIdentity`` (a DataZone user of the
    domain), or a ``HandlerRole`` for modules that call no DataZone API (Lake Formation's)."""

    @property
    def role(self) -> iam.IRole: ...

    @property
    def policy(self) -> iam.Policy: ...

    def allow(self, actions: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class DataZoneHandlerProps:
    """``module``: handler module in mesh_constructs/handlers (e.g. "glossary"). ``identity``: the
    domain's handler identity, which the function runs as; it is allowed ``actions`` (the DataZone
    actions the module calls) before the function exists. ``timeout_minutes`` @default 15 (a large
    glossary is thousands of calls at DataZone's rates; the handlers stop on their own a minute before it).
    ``statements``: rights beyond DataZone (e.g. Lake Formation), added to the identity's policy.
    ``environment``: the functions' environment variables @default none."""

    module: str
    identity: HandlerIdentity
    actions: Sequence[str]
    description: str
    timeout_minutes: int = 15
    statements: Sequence[iam.PolicyStatement] = ()
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR
    environment: Mapping[str, str] = field(default_factory=dict)


class DataZoneHandler(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DataZoneHandlerProps) -> None:
        super().__init__(scope, construct_id)
        if not (PACKAGE_DIR / HANDLERS / f"{props.module}.py").is_file():
            raise ValueError(f"no handler module {HANDLERS}/{props.module}.py")
        log_group = logs.LogGroup(self, "Logs", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY)
        # The identity's role is not a Lambda-created role: it gets its log rights here, for this
        # log group only (no AWSLambdaBasicExecutionRole).
        role = props.identity.role
        props.identity.allow(props.actions)
        if props.statements:
            props.identity.policy.add_statements(*props.statements)
        log_group.grant_write(role)
        code = lambda_.Code.from_asset(str(PACKAGE_DIR), exclude=ASSET_EXCLUDE)

        def function(construct_id: str, entry: str, logs_to: logs.ILogGroup, description: str) -> lambda_.Function:
            created = lambda_.Function(
                self,
                construct_id,
                runtime=RUNTIME,
                handler=f"{HANDLERS}.{props.module}.{entry}",
                code=code,
                role=role,
                timeout=Duration.minutes(props.timeout_minutes),
                memory_size=256,
                description=description,
                log_group=logs_to,
                environment=dict(props.environment) or None,
            )
            created.node.add_dependency(props.identity.policy)
            return created

        self.function = function("Function", "on_event", log_group, props.description)
        framework_logs = logs.LogGroup(
            self, "FrameworkLogs", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        # None unless the module polls (the handler module decides, see the module docstring).
        self.is_complete_function: lambda_.Function | None = None
        polling: dict[str, Any] = {}
        if polls(props.module):
            complete_logs = logs.LogGroup(
                self, "CompleteLogs", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY
            )
            complete_logs.grant_write(role)
            self.is_complete_function = function(
                "CompleteFunction", "is_complete", complete_logs, f"Waits for: {props.description}"[:256]
            )
            # The waiter's execution history (every poll, the final error) in a log group with a
            # retention, like the functions' logs.
            waiter_logs = logs.LogGroup(
                self, "WaiterLogs", retention=props.log_retention, removal_policy=RemovalPolicy.DESTROY
            )
            polling = {
                "is_complete_handler": self.is_complete_function,
                "query_interval": Duration.seconds(COMPLETE_INTERVAL),
                "total_timeout": Duration.seconds(COMPLETE_TIMEOUT),
                "disable_waiter_state_machine_logging": False,
                "waiter_state_machine_log_options": cr.LogOptions(destination=waiter_logs, level=sfn.LogLevel.ALL),
            }
        # The framework's functions get write rights on their log group only: the roles CDK would
        # create for them carry AWSLambdaBasicExecutionRole (every log group of the account).
        if self.is_complete_function is not None:
            polling["framework_complete_and_timeout_role"] = _framework_role(
                self, "FrameworkWaiterRole", framework_logs
            )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=framework_logs,
            **polling,
        )
        # The onEvent function keeps the role CDK creates for it: a role of our own would delete that
        # one, with its logical id, from every deployed stack (the change plan refuses deleting a
        # role). Its AWS managed policy goes instead: it may write only its own log group.
        _scope_framework_role(self.provider.node.find_child("framework-onEvent"), framework_logs)  # type: ignore[arg-type]
        # On the handler, not the provider: the framework's roles are created beside it.
        _acknowledge_framework(self, self.function, self.is_complete_function)
        if self.is_complete_function is not None:
            _acknowledge_waiter(self.provider)
        # cfn-lint W3005: CDK makes a function DependsOn its role although the Role GetAtt already
        # orders them; redundant, harmless, generated by CDK for every function.
        functions = [self.function, self.provider.node.find_child("framework-onEvent")]
        if self.is_complete_function is not None:
            functions += [
                self.is_complete_function,
                self.provider.node.find_child("framework-isComplete"),
                self.provider.node.find_child("framework-onTimeout"),
            ]
        for each in functions:
            each.node.default_child.add_metadata(  # type: ignore[union-attr]
                "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
            )

    def resource(
        self,
        scope: Construct,
        construct_id: str,
        resource_type: str,
        properties: dict[str, Any],
        removal_policy: RemovalPolicy,
    ) -> CustomResource:
        return CustomResource(
            scope,
            construct_id,
            service_token=self.provider.service_token,
            resource_type=resource_type,
            properties=properties,
            removal_policy=removal_policy,
        )


def polls(module: str) -> bool:
    """Whether the handler module waits through the framework's is_complete polling."""
    return callable(getattr(importlib.import_module(f"mesh_constructs.{HANDLERS}.{module}"), "is_complete", None))


def _framework_role(scope: Construct, construct_id: str, log_group: logs.ILogGroup) -> iam.Role:
    """A role for Provider framework functions (the framework adds their invoke rights): it may
    write to their log group and nothing else."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="CDK Provider framework functions of one custom-resource handler",
    )
    log_group.grant_write(role)
    return role


def _scope_framework_role(function: lambda_.Function, log_group: logs.ILogGroup) -> None:
    """CDK's role of a framework function without AWSLambdaBasicExecutionRole (every log group of
    the account), writing to ``log_group`` only."""
    role: iam.Role = function.role  # type: ignore[assignment]
    # The L1 property itself (not an override), so cdk-nag sees what the template will hold.
    role.node.default_child.managed_policy_arns = None  # type: ignore[union-attr]
    log_group.grant_write(role)


def _acknowledge_framework(
    scope: Construct, function: lambda_.IFunction, is_complete: lambda_.IFunction | None
) -> None:
    """The findings of CDK's Provider framework functions, each named exactly."""
    invoked = [function] if is_complete is None else [function, is_complete]
    acknowledge(
        scope,
        "The framework invokes the handler functions, in any of their versions (<function ARN>:*): these "
        "functions only.",
        *(wildcard_resource_finding(scope, f"{f.function_arn}:*") for f in invoked),
    )


def _acknowledge_waiter(provider: cr.Provider) -> None:
    """The findings of the Provider framework's waiter state machine (modules that poll)."""
    waiter = provider.node.find_child("waiter-state-machine")
    # cfn-lint W3005, as for the functions: CDK makes the state machine DependsOn its role, which
    # the RoleArn GetAtt already orders.
    waiter.node.default_child.add_metadata(  # type: ignore[union-attr]
        "cfn-lint", {"config": {"ignore_checks": ["W3005"]}}
    )
    framework = [provider.node.find_child(n) for n in ("framework-isComplete", "framework-onTimeout")]
    acknowledge(
        waiter,
        "The waiter state machine (CDK's Provider framework) invokes the framework's isComplete and onTimeout "
        "functions, in any of their versions (<function ARN>:*): these two functions only.",
        *(wildcard_resource_finding(waiter, f"{f.function_arn}:*") for f in framework),  # type: ignore[attr-defined]
    )
    acknowledge(
        waiter,
        "CDK's Provider framework grants its waiter role, on *, what Step Functions logging asks for: the "
        "vended log-delivery actions (logs:*LogDelivery, ListLogDeliveries, PutResourcePolicy, "
        "DescribeResourcePolicies, DescribeLogGroups), which have no resource-level permissions, and "
        "CreateLogStream / PutLogEvents, which the framework does not scope. Execution history goes to the "
        "WaiterLogs group only; the role's other right invokes the two framework functions.",
        "AwsSolutions-IAM5[Resource::*]",
    )
    acknowledge(
        waiter,
        "CDK's Provider framework offers no tracing setting for its waiter state machine, which only calls the "
        "isComplete function every 30 s; every execution is logged (level ALL) to the waiter's log group, and "
        "the handler functions log each poll.",
        "AwsSolutions-SF2",
    )
