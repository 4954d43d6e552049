"""cdk-nag findings on the policies CDK Pipelines generates: narrowed where we can, otherwise
acknowledged one by one, each with the reason that is true for that role.

Every generated policy has an explicit list of the findings it is expected to raise. A finding
that is not on its list stays unacknowledged and fails the synth, so a new wildcard introduced
by a CDK upgrade or a new step is seen, not hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import ArnFormat, Fn, RemovalPolicy, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import IConstruct, IValidation

from mesh_constructs.acknowledge import acknowledge, render_for_nag, wildcard_resource_finding


@dataclass(frozen=True)
class Expected:
    finding: str
    reason: str


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_findings(stack: Stack, policy: iam.CfnPolicy) -> list[str]:
    """The AwsSolutions-IAM5 finding ids a policy raises, rendered as cdk-nag renders them."""
    document = stack.resolve(policy.policy_document)
    findings: list[str] = []
    for statement in document.get("Statement", []):
        for action in _as_list(statement.get("Action", [])):
            if "*" in action:
                findings.append(f"AwsSolutions-IAM5[Action::{action}]")
        for resource in _as_list(statement.get("Resource", [])):
            rendered = render_for_nag(resource)
            if "*" in rendered:
                findings.append(f"AwsSolutions-IAM5[Resource::{rendered}]")
    return list(dict.fromkeys(findings))


@jsii.implements(IValidation)
class _StillComplete:
    """Fails the synth if a statement reaches the original document after it was frozen."""

    def __init__(self, stack: Stack, original: Any, frozen: dict) -> None:
        self._stack, self._original, self._frozen = stack, original, frozen

    def validate(self) -> list[str]:
        if self._stack.resolve(self._original) == self._frozen:
            return []
        return ["a statement was added to this generated policy after it was narrowed; narrow it later"]


def rewrite_policy(policy: iam.CfnPolicy, rewrite: Callable[[dict], dict]) -> None:
    """Edit a generated policy. Call it once every grant exists (after build_pipeline)."""
    stack = Stack.of(policy)
    original = policy.policy_document
    frozen = stack.resolve(original)
    policy.policy_document = rewrite(frozen)
    policy.node.add_validation(_StillComplete(stack, original, frozen))


def _descendant(scope: IConstruct, construct_id: str) -> IConstruct | None:
    """The first construct below ``scope`` with this id (CDK Pipelines nests them in generated paths)."""
    return next((c for c in scope.node.find_all() if c.node.id == construct_id), None)


def _kms_on_any_key(statement: dict) -> bool:
    actions = _as_list(statement.get("Action", []))
    return "*" in _as_list(statement.get("Resource", [])) and all(a.startswith("kms:") for a in actions)


def narrow_cross_region_keys(stack: Stack, pipeline: pipelines.CodePipeline) -> list[str]:
    """CDK grants the pipeline role KMS actions on ``*`` for the replication keys of its
    cross-region support stacks, whose ARNs it cannot know. Narrow that to keys of the tools
    account in those regions that carry the replication key's alias (``kms:ResourceAliases``
    applies to cryptographic operations). Returns the key ARN patterns granted."""
    support = pipeline.pipeline.cross_region_support
    if not support:
        return []
    aliases = sorted(
        c.alias_name for s in support.values() for c in s.stack.node.find_all() if isinstance(c, kms.Alias)
    )
    keys = sorted(
        stack.format_arn(service="kms", region=region, resource="key", resource_name="*") for region in support
    )

    def rewrite(document: dict) -> dict:
        statements = []
        for statement in document["Statement"]:
            if not _kms_on_any_key(statement):
                statements.append(statement)
                continue
            rest = [r for r in _as_list(statement["Resource"]) if r != "*"]
            if rest:
                statements.append({**statement, "Resource": rest if len(rest) > 1 else rest[0]})
            statements.append(
                {
                    **statement,
                    "Resource": keys if len(keys) > 1 else keys[0],
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}},
                }
            )
        return {**document, "Statement": statements}

    policy = pipeline.pipeline.role.node.find_child("DefaultPolicy").node.default_child
    rewrite_policy(policy, rewrite)  # type: ignore[arg-type]
    return [render_for_nag(stack.resolve(k)) for k in keys]


def narrow_auto_approve(stack: Stack, pipeline: pipelines.CodePipeline, action_arns: list[str]) -> None:
    """CDK's auto-approve Lambda (which passes the permissions-broadening check when nothing
    broadens) may PutApprovalResult on any approval of a pipeline tagged SECURITY_CHECK. Limit it
    to the broadening checks' own actions, so the approver roles are the only principals of this
    stack that can approve a promotion. And it logs to its own log group only (see
    ``_own_log_group_only``)."""
    function = _descendant(pipeline, "CDKPipelinesAutoApprove")
    if function is None:
        return
    role = function.node.find_child("ServiceRole")
    _own_log_group_only(function, role)  # type: ignore[arg-type]
    policy = role.node.find_child("DefaultPolicy").node.default_child

    def rewrite(document: dict) -> dict:
        statements = []
        for statement in document["Statement"]:
            if "codepipeline:PutApprovalResult" in _as_list(statement.get("Action", [])):
                statement = {**statement, "Resource": action_arns}
            statements.append(statement)
        return {**document, "Statement": statements}

    rewrite_policy(policy, rewrite)  # type: ignore[arg-type]


def _own_log_group_only(function: lambda_.Function, role: iam.Role) -> None:
    """CDK gives the function's role AWSLambdaBasicExecutionRole, which lets it create and write
    every log group of the account. Instead: a log group of its own, the function's LoggingConfig
    pointing at it, and write rights on that group only (as the handlers' roles have).

    CDK's managed group (``/aws/lambda/<function>``, feature flag useCdkManagedLogGroup) cannot
    serve: its name refers to the function, which depends on the role's policy, so the policy
    cannot name it. It is removed; it was RETAINed, so an account keeps its past logs. The new
    group keeps its retention (two years) and removal policy. The L2 role cannot detach a
    managed policy, hence the L1 property."""
    function.node.try_remove_child("LogGroup")
    log_group = logs.LogGroup(
        function, "Logs", retention=logs.RetentionDays.TWO_YEARS, removal_policy=RemovalPolicy.RETAIN
    )
    cfn_function: lambda_.CfnFunction = function.node.default_child  # type: ignore[assignment]
    cfn_function.logging_config = lambda_.CfnFunction.LoggingConfigProperty(log_group=log_group.log_group_name)
    log_group.grant_write(role)
    cfn_role: iam.CfnRole = role.node.default_child  # type: ignore[assignment]
    cfn_role.managed_policy_arns = None


def _broadening_checked_deploy_roles(pipeline: pipelines.CodePipeline) -> list[str]:
    """The CDK deploy roles of the stacks in stages that a ConfirmPermissionsBroadening step gates:
    the only roles the check's `cdk diff` needs (it reads their deployed templates)."""
    return sorted(
        {
            stack.assume_role_arn
            for wave in pipeline.waves
            for stage in wave.stages
            if any(isinstance(step, pipelines.ConfirmPermissionsBroadening) for step in stage.pre)
            for stack in stage.stacks
            if stack.assume_role_arn
        }
    )


def narrow_security_check(stack: Stack, pipeline: pipelines.CodePipeline) -> None:
    """CDK's permissions-broadening check may sts:AssumeRole any role of any account tagged as a
    CDK deploy role (``Resource: *`` with an iam:ResourceTag condition). Limit it to the deploy
    roles of the stages it checks, keeping the tag condition."""
    check = _descendant(pipeline, "CDKSecurityCheck")
    roles = _broadening_checked_deploy_roles(pipeline)
    if check is None or not roles:
        return
    policy = check.node.find_child("Role").node.find_child("DefaultPolicy").node.default_child
    # The deploy role ARNs carry ${AWS::Partition} (the stage's synthesizer writes them so).
    resources = [stack.resolve(Fn.sub(arn)) for arn in roles]

    def rewrite(document: dict) -> dict:
        statements = []
        for statement in document["Statement"]:
            if _as_list(statement.get("Action", [])) == ["sts:AssumeRole"] and statement.get("Resource") == "*":
                statement = {**statement, "Resource": resources if len(resources) > 1 else resources[0]}
            statements.append(statement)
        return {**document, "Statement": statements}

    rewrite_policy(policy, rewrite)  # type: ignore[arg-type]


def _asset_projects(pipeline: pipelines.CodePipeline) -> list[codebuild.CfnProject]:
    # CDK Pipelines' asset projects sit in its own "Assets" scope (the CodePipeline stage of the
    # same name is deeper, under the inner Pipeline).
    assets = pipeline.node.try_find_child("Assets")
    if assets is None:
        return []
    return [c for c in assets.node.find_all() if isinstance(c, codebuild.CfnProject)]


def _asset_log_arns(stack: Stack, project: codebuild.CfnProject) -> list[str]:
    name = f"/aws/codebuild/{project.ref}"
    group = stack.format_arn(
        service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    return [group, f"{group}:*"]


def _asset_report_arn(stack: Stack, project: codebuild.CfnProject) -> str:
    return stack.format_arn(service="codebuild", resource="report-group", resource_name=f"{project.ref}-*")


CODESTAR_USE_CONNECTION = "codestar-connections:UseConnection"


def use_connection_by_its_prefix(pipeline: pipelines.CodePipeline, connection_arn: str) -> None:
    """CDK grants the source action ``codestar-connections:UseConnection`` whatever the connection's
    ARN. Connections made since July 2024 have ``codeconnections`` ARNs, and IAM matches a resource
    only under its own service prefix ("When specifying a resource in the IAM policy, the service
    prefix needs to match that of the resource", Developer Tools console guide, Identity and access
    management for CodeConnections): that grant would allow nothing, and the Source stage fail. So
    the action takes the prefix of the ARN the YAML gives."""
    service = connection_arn.split(":")[2]
    if service == "codestar-connections":
        return
    for role in (c for c in pipeline.pipeline.node.find_all() if c.node.id == "CodePipelineActionRole"):
        if "/Source/" not in role.node.path:
            continue
        policy = role.node.find_child("DefaultPolicy").node.default_child

        def rewrite(document: dict) -> dict:
            statements = []
            for statement in document["Statement"]:
                actions = _as_list(statement.get("Action", []))
                if CODESTAR_USE_CONNECTION in actions:
                    renamed = [f"{service}:UseConnection" if a == CODESTAR_USE_CONNECTION else a for a in actions]
                    statement = {**statement, "Action": renamed[0] if len(renamed) == 1 else renamed}
                statements.append(statement)
            return {**document, "Statement": statements}

        rewrite_policy(policy, rewrite)  # type: ignore[arg-type]


def narrow_asset_role(stack: Stack, pipeline: pipelines.CodePipeline) -> None:
    """CDK Pipelines' asset-publishing role (the Assets stage publishes the custom-resource
    handlers' Lambda code) gets CodeBuild log, report and build rights on every project of the
    account. Limit them to the asset projects themselves."""
    projects = _asset_projects(pipeline)
    role = _descendant(pipeline, "FileRole")
    if not projects or role is None:
        return
    policy = role.node.find_child("DefaultPolicy").node.default_child
    logs = [stack.resolve(a) for p in projects for a in _asset_log_arns(stack, p)]
    reports = [stack.resolve(_asset_report_arn(stack, p)) for p in projects]
    builds = [stack.resolve(p.attr_arn) for p in projects]

    def rewrite(document: dict) -> dict:
        statements = []
        for statement in document["Statement"]:
            actions = _as_list(statement.get("Action", []))
            if all(a.startswith("logs:") for a in actions):
                statement = {**statement, "Resource": logs}
            elif "codebuild:CreateReport" in actions:
                statement = {**statement, "Resource": reports}
            elif "codebuild:StartBuild" in actions:
                statement = {**statement, "Resource": builds}
            statements.append(statement)
        return {**document, "Statement": statements}

    rewrite_policy(policy, rewrite)  # type: ignore[arg-type]


def _project_logical_id(stack: Stack, scope: IConstruct) -> str:
    projects = [c for c in scope.node.find_all() if isinstance(c, codebuild.CfnProject)]
    (project,) = projects
    return stack.get_logical_id(project)


def _codebuild_findings(stack: Stack, project_id: str) -> list[Expected]:
    reason = (
        "CodeBuild writes the log streams of its own project's log group and the reports of its own "
        "report groups; stream and report names are generated per build."
    )
    # The stack's partition as CDK renders it (a literal from the region, or <AWS::Partition>): a
    # literal "aws" would leave these findings unacknowledged, and the synth failing, elsewhere.
    partition = render_for_nag(stack.resolve(stack.partition))
    region, account = stack.region, stack.account
    return [
        Expected(
            f"AwsSolutions-IAM5[Resource::arn:{partition}:logs:{region}:{account}:log-group:/aws/codebuild/"
            f"<{project_id}>:*]",
            reason,
        ),
        Expected(
            f"AwsSolutions-IAM5[Resource::arn:{partition}:codebuild:{region}:{account}:report-group/<{project_id}>-*]",
            reason,
        ),
    ]


ARTIFACT_KEY_REASON = (
    "CDK's Key.grantEncryptDecrypt / grantDecrypt action groups (GenerateDataKey*, ReEncrypt*), on the "
    "pipeline's artifact key only."
)


def _artifact_findings(bucket_id: str, *, write: bool, kms_reason: str = ARTIFACT_KEY_REASON) -> list[Expected]:
    """``kms_reason``: for a role whose KMS wildcards reach more than the artifact key."""
    objects = Expected(
        f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",
        "Pipeline artifacts are objects with generated keys in the pipeline's own artifact bucket.",
    )
    s3_actions = ["s3:GetObject*", "s3:GetBucket*", "s3:List*"] + (["s3:DeleteObject*", "s3:Abort*"] if write else [])
    s3_reason = (
        "CDK's Bucket.grantRead"
        + ("Write" if write else "")
        + " action groups, on the pipeline's artifact bucket only."
    )
    return [
        objects,
        *(Expected(f"AwsSolutions-IAM5[Action::{a}]", s3_reason) for a in s3_actions),
        *(Expected(f"AwsSolutions-IAM5[Action::{a}]", kms_reason) for a in ("kms:GenerateDataKey*", "kms:ReEncrypt*")),
    ]


def _acknowledge_expected(stack: Stack, policy: iam.CfnPolicy, expected: Iterable[Expected]) -> None:
    """Acknowledge the expected findings this policy really raises; leave any other one failing."""
    actual = set(wildcard_findings(stack, policy))
    by_reason: dict[str, list[str]] = {}
    for item in expected:
        if item.finding in actual:
            by_reason.setdefault(item.reason, []).append(item.finding)
    for reason, findings in by_reason.items():
        acknowledge(policy, reason, *findings)


def acknowledge_pipeline_findings(
    stack: Stack,
    pipeline: pipelines.CodePipeline,
    *,
    replication_key_arns: list[str],
    smoke_test_runners: dict[str, iam.Role],
) -> None:
    bucket_id = stack.get_logical_id(pipeline.pipeline.artifact_bucket.node.default_child)  # type: ignore[arg-type]
    artifacts_rw = _artifact_findings(bucket_id, write=True)
    artifacts_ro = _artifact_findings(bucket_id, write=False)

    def policy_of(construct: IConstruct) -> iam.CfnPolicy:
        return construct.node.find_child("DefaultPolicy").node.default_child  # type: ignore[return-value]

    root = pipeline.pipeline
    # With cross-region support stacks, the pipeline role's KMS wildcards also reach their keys.
    root_kms_reason = (
        "CDK's Key.grantEncryptDecrypt action groups (GenerateDataKey*, ReEncrypt*), on the pipeline's artifact key "
        "and the replication keys of its cross-region support stacks only."
        if replication_key_arns
        else ARTIFACT_KEY_REASON
    )
    replication = [
        Expected(
            wildcard_resource_finding(stack, support.replication_bucket.arn_for_objects("*")),
            "Artifacts are replicated under generated keys to the cross-region support bucket of the regions "
            "where environments are deployed.",
        )
        for support in root.cross_region_support.values()
    ] + [
        Expected(
            f"AwsSolutions-IAM5[Resource::{arn}]",
            "Replication keys of the cross-region support stacks have ids unknown here; the grant is limited to "
            "keys of this account in those regions carrying the replication key's alias (kms:ResourceAliases).",
        )
        for arn in replication_key_arns
    ]
    _acknowledge_expected(
        stack,
        policy_of(root.role),
        [*_artifact_findings(bucket_id, write=True, kms_reason=root_kms_reason), *replication],
    )

    for action_role in (c for c in root.node.find_all() if c.node.id == "CodePipelineActionRole"):
        topic_reason = Expected(
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to the KMS-encrypted approval topic needs a data key of the topic's own key "
            "(CDK's Topic.grantPublish).",
        )
        expected = [*artifacts_rw] if "Source" in action_role.node.path else [topic_reason]
        if action_role.node.try_find_child("DefaultPolicy") is not None:
            _acknowledge_expected(stack, policy_of(action_role), expected)

    synth = pipeline.synth_project
    _acknowledge_expected(
        stack, policy_of(synth.role), [*artifacts_rw, *_codebuild_findings(stack, _project_logical_id(stack, synth))]
    )

    mutation = pipeline.self_mutation_project
    _acknowledge_expected(
        stack,
        policy_of(mutation.role),
        [
            *artifacts_ro,
            *_codebuild_findings(stack, _project_logical_id(stack, mutation)),
            Expected(
                "AwsSolutions-IAM5[Resource::*]",
                "Self-mutation reads the status of the stacks it updates (cloudformation:DescribeStacks) and lists "
                "bootstrap buckets (s3:ListBucket), read-only, as CDK Pipelines' UpdatePipeline step requires.",
            ),
            Expected(
                f"AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
                "Self-mutation assumes only roles tagged as CDK bootstrap deploy / publishing roles "
                "(iam:ResourceTag/aws-cdk:bootstrap-role condition); their names depend on the bootstrap qualifier.",
            ),
        ],
    )

    check = _descendant(pipeline, "CDKSecurityCheck")
    approve = _descendant(pipeline, "CDKPipelinesAutoApprove")
    if check is not None and approve is not None:
        approve_id = stack.get_logical_id(approve.node.default_child)  # type: ignore[arg-type]
        # It also notifies through the approval topic: its KMS wildcards reach that topic's key too.
        check_kms_reason = (
            "CDK's Key.grantEncryptDecrypt action groups (GenerateDataKey*, ReEncrypt*) on the pipeline's artifact "
            "key, and GenerateDataKey* on the approval topic's key to publish its notification (Topic.grantPublish); "
            "no other key."
        )
        _acknowledge_expected(
            stack,
            policy_of(check.node.find_child("Role")),
            [
                *_artifact_findings(bucket_id, write=False, kms_reason=check_kms_reason),
                *_codebuild_findings(stack, _project_logical_id(stack, check)),
                Expected(
                    f"AwsSolutions-IAM5[Resource::<{approve_id}.Arn>:*]",
                    "Invokes the versions of its own auto-approve function.",
                ),
            ],
        )

    asset_role = _descendant(pipeline, "FileRole")
    if asset_role is not None:
        asset_reason = (
            "Asset publishing writes the log streams and reports of the asset projects only; stream and report "
            "names are generated per build."
        )
        _acknowledge_expected(
            stack,
            policy_of(asset_role),
            [
                *artifacts_ro,
                *(
                    Expected(wildcard_resource_finding(stack, arn), asset_reason)
                    for project in _asset_projects(pipeline)
                    for arn in (*_asset_log_arns(stack, project), _asset_report_arn(stack, project))
                ),
            ],
        )

    for env_name, runner in smoke_test_runners.items():
        step_scope = next(
            c
            for c in pipeline.node.find_all()
            if c.node.id == f"SmokeTest-{env_name}" and isinstance(c.node.default_child, codebuild.CfnProject)
        )
        _acknowledge_expected(
            stack,
            policy_of(runner),
            [*artifacts_ro, *_codebuild_findings(stack, _project_logical_id(stack, step_scope))],
        )
