"""The self-mutating CDK Pipeline: every pipeline environment's Stage, in promotion order."""

from __future__ import annotations

import json
import shlex
from itertools import groupby
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.layout_checks import synth_resources
from mesh_config.naming import (
    approval_action_name,
    approver_role_name,
    bootstrap_lookup_role_name,
    pipeline_name,
    plan_reader_role_name,
    plan_runner_role_name,
    smoke_test_runner_role_name,
)
from mesh_config.permission_sets import principal_arns
from mesh_config.pipeline import PipelineConfig
from mesh_config.regions import partition_of
from mesh_config.synth_compute import (
    COMPUTE_MEMORY_GB,
    SynthCompute,
    next_compute,
    synth_compute_for,
)
from mesh_constructs.access_log_bucket import access_log_bucket
from stacks.mesh_stage import MeshStage
from stacks.organization_stage import OrganizationStage, has_organization_stage, organization_targets
from stacks.pipeline_acknowledgments import (
    acknowledge_pipeline_findings,
    narrow_asset_role,
    narrow_auto_approve,
    narrow_cross_region_keys,
    narrow_security_check,
    use_connection_by_its_prefix,
)
from stacks.pipeline_notifications import add_pipeline_notifications
from stacks.pipeline_stage_split import (
    CODEPIPELINE_MAX_ACTIONS_PER_STAGE,
    OriginLayout,
    StageLayout,
    origins,
    split_pipeline_stages,
    stack_levels,
)
from stacks.sharing_stages import SharedDataStage, SharesStage, sharing_consumers, sharing_producers
from stacks.tools_account_trust import principals_matching

# The CLI the pipeline synthesizes and deploys with: the same one package.json pins.
CDK_CLI_VERSION = "2.1148.1"
# What the asset-publishing steps install (CDK Pipelines defaults to @latest); package.json pins the same.
CDK_ASSETS_VERSION = "4.7.3"
PYTHON_VERSION = "3.11"
NODE_VERSION = "22"
# Actions per pipeline stage before a stage is cut in two (stacks/pipeline_stage_split.py). Read at
# build time, so a test can lower it to split the small example.
MAX_ACTIONS_PER_STAGE = CODEPIPELINE_MAX_ACTIONS_PER_STAGE
APPROVAL = "Approval"  # an action's category as CloudFormation writes it
# The organisation stage's approval action (Approve-organization) and approver role name suffix.
ORGANIZATION_APPROVAL = "organization"


def gated_environments(config: MeshConfig) -> list[EnvironmentConfig]:
    """The pipeline's environments whose promotion waits for a manual approval."""
    return [env for env in config.pipeline_environments() if env.promotion.manual_approval]


def synth_guard(compute: SynthCompute) -> str:
    """The command prefix that runs a synth command under scripts/guarded_synth.py."""
    larger = next_compute(compute)
    return f"python3 scripts/guarded_synth.py --compute {compute.value} --memory-gb {COMPUTE_MEMORY_GB[compute]}" + (
        f" --next {larger.value}" if larger else ""
    )


class PipelineStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, mesh_dir: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._mesh_dir = mesh_dir
        self._org = config.mesh.org
        settings: PipelineConfig = config.mesh.pipeline  # type: ignore[assignment]
        self.source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        self.pipeline_name = pipeline_name(config.mesh.org)
        self.synth_compute = settings.synth_compute or synth_compute_for(
            synth_resources(config.mesh, config.pipeline_environments())
        )
        guard = synth_guard(self.synth_compute)
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=self.pipeline_name,
            pipeline_type=codepipeline.PipelineType.V2,
            self_mutation=True,
            cross_account_keys=True,
            enable_key_rotation=True,
            cli_version=CDK_CLI_VERSION,
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            # One CloudFormation action per stack instead of two (create + execute change set):
            # with change sets a 1000-project mesh needs 51+ actions in a stage, over
            # CodePipeline's limit of 50. Review happens before: approvals and the IAM check.
            use_change_sets=False,
            synth=pipelines.CodeBuildStep(
                "Synth",
                input=self.source,
                # The same gate as a developer's machine: unit, snapshot, cfn-lint and cdk-nag
                # tests must pass before anything is synthesized for deployment; then the change
                # plan against what each account runs refuses to replace or delete what holds
                # data, before any stage deploys. Each through the memory guard, so a mesh that
                # outgrows its compute fails saying which compute to set.
                commands=[
                    f"{guard} -- make test",
                    f"{guard} -- make synth",
                    f"{guard} -- .venv/bin/python -m mesh_plan --mesh-dir {shlex.quote(mesh_dir)} --target cdk.out "
                    "--baseline deployed --json cdk.out/change-plan.json",
                ],
                # What deploys is validated by CDK's built-in CloudFormation validation too (a local
                # `cdk synth` skips it for speed: app.py builtin_validation).
                env={"CDK_VALIDATION": "true"},
                # The synth only: the other steps do little and keep CodeBuild's default compute.
                build_environment=codebuild.BuildEnvironment(compute_type=codebuild.ComputeType[self.synth_compute]),
                primary_output_directory="cdk.out",
                role=self._plan_runner(config),
            ),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": {"python": PYTHON_VERSION, "nodejs": NODE_VERSION}}}}
                ),
            ),
        )
        self.approval_topic = self._approval_topic(settings)
        self.approver_roles: dict[str, iam.Role] = {}
        self.smoke_test_runners: dict[str, iam.Role] = {}
        self.stages: list[MeshStage] = []
        # The organisation's stacks first: the OUs and guardrails that govern every environment
        # account, and the access (permission sets) the environments depend on.
        self.organization: OrganizationStage | None = None
        if has_organization_stage(config):
            self.organization = OrganizationStage(self, config=config)
            self.pipeline.add_stage(self.organization, pre=self._organization_pre_steps(config, self.organization))
        # Consecutive environments of one wave deploy in parallel; the others one after another.
        # Direct-only environments (sandboxes) are not in the pipeline at all.
        for wave_name, group in groupby(config.pipeline_environments(), key=lambda e: e.promotion.wave):
            envs = list(group)
            if wave_name is None:
                for env in envs:
                    self._add_stage(config, env, self.pipeline)
            else:
                wave = self.pipeline.add_wave(wave_name)
                for env in envs:
                    self._add_stage(config, env, wave)

        # Sharing after the promotion chain: producers' grants, then every consumer in one wave.
        envs = config.pipeline_environments()
        for env in sharing_producers(config, envs):
            self.pipeline.add_stage(SharesStage(self, config=config, env_config=env))
        consumers = sharing_consumers(config, envs)
        if consumers:
            wave = self.pipeline.add_wave("shared-data")
            for env in consumers:
                wave.add_stage(SharedDataStage(self, config=config, env_config=env))

        # Build now (not at synth) so the generated roles exist and can be acknowledged.
        self.pipeline.build_pipeline()
        # Before anything names a stage: the approver roles and the auto-approver name actions of
        # the final layout.
        self._layout = split_pipeline_stages(self.pipeline.pipeline, MAX_ACTIONS_PER_STAGE, stack_levels(self.stages))
        # Failed stages and environments deployed and smoke-tested, to the configured recipients.
        self.notification_rules = add_pipeline_notifications(self, config, self.pipeline_name, self._layout)
        self._log_artifact_buckets()
        self._pin_broadening_check_cli()
        key_arns = narrow_cross_region_keys(self, self.pipeline)
        narrow_auto_approve(self, self.pipeline, self._broadening_check_action_arns())
        narrow_security_check(self, self.pipeline)
        narrow_asset_role(self, self.pipeline)
        use_connection_by_its_prefix(self.pipeline, settings.connection_arn)
        acknowledge_pipeline_findings(
            self, self.pipeline, replication_key_arns=key_arns, smoke_test_runners=self.smoke_test_runners
        )
        for env in config.pipeline_environments():
            if env.promotion.manual_approval:
                self._grant_approval(env)
        if self.organization is not None and gated_environments(config):
            self._grant_organization_approval(config)

    def _plan_runner(self, config: MeshConfig) -> iam.Role:
        """The synth step's role, named: the environments' plan reader roles trust exactly it."""
        runner = iam.Role(
            self,
            "ChangePlanRunner",
            role_name=plan_runner_role_name(config.mesh.org),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description="Synthesizes the mesh and runs its change plan against the deployed templates",
        )
        # When a reader cannot be assumed, the plan reads through the bootstrap's lookup role whether
        # the environment is deployed at all, and fails closed unless it is not (mesh_plan).
        roles = [
            self.format_arn(service="iam", region="", account=env.account, resource="role", resource_name=name)
            for env in config.pipeline_environments()
            for name in (
                plan_reader_role_name(config.mesh.org, env.name),
                bootstrap_lookup_role_name(env.account, env.region),
            )
        ]
        # The organisation's stacks: their accounts have no plan reader role, only the lookup role.
        roles += [
            self.format_arn(
                service="iam", region="", account=account, resource="role",
                resource_name=bootstrap_lookup_role_name(account, region),
            )
            for account, region in organization_targets(config)
        ]  # fmt: skip
        runner.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=list(dict.fromkeys(roles))))
        return runner

    def _add_stage(
        self, config: MeshConfig, env: EnvironmentConfig, target: pipelines.CodePipeline | pipelines.Wave
    ) -> None:
        stage = MeshStage(self, env.name, config=config, env_config=env)
        target.add_stage(stage, pre=self._pre_steps(env, stage), post=[self._smoke_test(config, env, stage)])
        self.stages.append(stage)

    def _approval_topic(self, settings: PipelineConfig) -> sns.Topic | None:
        if not settings.approval_notification_emails:
            return None
        key = kms.Key(
            self,
            "ApprovalNotificationsKey",
            description="Encrypts the mesh pipeline's approval notifications",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        topic = sns.Topic(
            self,
            "ApprovalNotifications",
            display_name="SMUS mesh promotion approvals",
            enforce_ssl=True,
            master_key=key,
        )
        for email in settings.approval_notification_emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def _pre_steps(self, env: EnvironmentConfig, stage: MeshStage) -> list[pipelines.Step]:
        steps: list[pipelines.Step] = []
        if env.promotion.confirm_permissions_broadening:
            steps.append(
                pipelines.ConfirmPermissionsBroadening(
                    "ConfirmPermissionsBroadening", stage=stage, notification_topic=self.approval_topic
                )
            )
        if env.promotion.manual_approval:
            approvers = ", ".join(env.promotion.approvers) or "an authorised approver"
            steps.append(
                pipelines.ManualApprovalStep(
                    approval_action_name(env.name),
                    comment=(
                        f"Promote the mesh to {env.name} (account {env.account}, {env.region}): review the "
                        f"diff of the stages before it and its smoke test. Approval required from: {approvers}, "
                        f"through role {approver_role_name(self._org, env.name)}."
                    ),
                    notification_topic=self.approval_topic,
                )
            )
        return steps

    def _organization_pre_steps(self, config: MeshConfig, stage: OrganizationStage) -> list[pipelines.Step]:
        """A change to the OUs, SCPs or tag policy reaches every account at once, production's too:
        it waits for an approval whenever any environment does, from their approvers; and its IAM
        (the log archive's key and bucket policies) is checked for broadening whenever any
        environment's is."""
        steps: list[pipelines.Step] = []
        if any(env.promotion.confirm_permissions_broadening for env in config.pipeline_environments()):
            steps.append(
                pipelines.ConfirmPermissionsBroadening(
                    "ConfirmPermissionsBroadening", stage=stage, notification_topic=self.approval_topic
                )
            )
        gated = gated_environments(config)
        if not gated:
            return steps
        approvers = ", ".join(sorted({a for env in gated for a in env.promotion.approvers})) or "an authorised approver"
        organization = config.mesh.organization
        return [
            *steps,
            pipelines.ManualApprovalStep(
                approval_action_name(ORGANIZATION_APPROVAL),
                comment=(
                    f"Change the organisation's OUs, service control policies or tag policy (management account "
                    f"{organization.management_account if organization else '?'}): they apply to every mesh "
                    f"account, {', '.join(e.name for e in gated)} included. Approval required from: {approvers}, "
                    f"through role {approver_role_name(self._org, ORGANIZATION_APPROVAL)}."
                ),
                notification_topic=self.approval_topic,
            ),
        ]

    def _grant_organization_approval(self, config: MeshConfig) -> None:
        """The organisation stage's approver role: trusted by every gated environment's approvers."""
        partition = partition_of(self.region)
        principals = sorted(
            {
                arn
                for env in gated_environments(config)
                for arn in principal_arns(env.promotion.approver_principals, partition, self.account)
            }
        )
        stage_name, action_name = self.approval_action(ORGANIZATION_APPROVAL)
        role = iam.Role(
            self,
            "Approver-organization",
            role_name=approver_role_name(self._org, ORGANIZATION_APPROVAL),
            description="Approves changes to the mesh's organisation stage; assumed by the environments' approvers",
            assumed_by=principals_matching(principals),
            max_session_duration=Duration.hours(1),
        )
        self._allow_approval(role, stage_name, action_name)
        self.approver_roles[ORGANIZATION_APPROVAL] = role

    def _grant_approval(self, env: EnvironmentConfig) -> None:
        """An approver role per gated stage: trusted by the principals the config names, and the only
        role of this stack with codepipeline:PutApprovalResult on that stage's approval action."""
        stage_name, action_name = self.approval_action(env.name)
        role = iam.Role(
            self,
            f"Approver-{env.name}",
            role_name=approver_role_name(self._org, env.name),
            description=f"Approves promotions of the mesh into {env.name}; assumed by its named approvers",
            assumed_by=principals_matching(
                principal_arns(env.promotion.approver_principals, partition_of(self.region), self.account)
            ),
            max_session_duration=Duration.hours(1),
        )
        self._allow_approval(role, stage_name, action_name)
        self.approver_roles[env.name] = role

    def _allow_approval(self, role: iam.Role, stage_name: str, action_name: str) -> None:
        """``role`` alone may decide one approval action, and read the pipeline to find it."""
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["codepipeline:PutApprovalResult"],
                resources=[
                    self.format_arn(
                        service="codepipeline", resource=self.pipeline_name, resource_name=f"{stage_name}/{action_name}"
                    )
                ],
            )
        )
        # To find the pending approval and its token: read-only views of this pipeline only.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "codepipeline:GetPipeline",
                    "codepipeline:GetPipelineState",
                    "codepipeline:GetPipelineExecution",
                    "codepipeline:ListPipelineExecutions",
                    "codepipeline:ListActionExecutions",
                ],
                resources=[self.pipeline.pipeline.pipeline_arn],
            )
        )

    def _action_arn(self, stage_name: str, action_name: str) -> str:
        return self.format_arn(
            service="codepipeline", resource=self.pipeline_name, resource_name=f"{stage_name}/{action_name}"
        )

    def _broadening_check_action_arns(self) -> list[str]:
        return [
            self._action_arn(stage.name, action.name)
            for stage in self._layout
            for action in stage.actions
            if action.category == APPROVAL and "ConfirmPermissionsBroadening" in action.name
        ]

    def approval_action(self, env_name: str) -> tuple[str, str]:
        """(stage name, action name) of an environment's manual approval, in the final layout."""
        for stage in self._layout:
            for action in stage.actions:
                if action.name.endswith(approval_action_name(env_name)) and (action.category == APPROVAL):
                    return stage.name, action.name
        raise KeyError(env_name)

    def stage_layout(self) -> list[StageLayout]:
        """Every pipeline stage as deployed: name, and its actions with their RunOrders."""
        return list(self._layout)

    def origin_layout(self) -> list[OriginLayout]:
        """Per environment (or wave, sharing stage, ...): its pipeline stages, actions per stage and
        sequential depth."""
        return origins(self._layout)

    def _pin_broadening_check_cli(self) -> None:
        """The permissions-broadening check's CodeBuild project runs `npm install -g aws-cdk` (no
        version; CDK Pipelines offers no option for it) with a role that reads every stage: pin it
        to the CLI the rest of the pipeline uses."""
        check = self.pipeline.node.try_find_child("PipelinesSecurityCheck")
        if check is None:  # no environment asks for the check
            return
        project = check.node.find_child("CDKSecurityCheck").node.default_child
        source = self.resolve(project.source)  # type: ignore[union-attr]
        unpinned = '"npm install -g aws-cdk"'
        pinned = f'"npm install -g aws-cdk@{CDK_CLI_VERSION}"'
        spec = json.dumps(source["buildSpec"])
        if json.dumps(unpinned)[1:-1] not in spec:
            raise ValueError("the broadening check's build spec changed: update _pin_broadening_check_cli")
        project.add_property_override(  # type: ignore[union-attr]
            "Source.BuildSpec", json.loads(spec.replace(json.dumps(unpinned)[1:-1], json.dumps(pinned)[1:-1]))
        )

    def _log_artifact_buckets(self) -> None:
        """Version and access-log the artifact bucket and every cross-region replication bucket
        (CDK Pipelines creates them without either); each region gets its own log bucket, since
        server access logs are delivered only within a region."""
        buckets: list[tuple[Stack, s3.IBucket]] = [(self, self.pipeline.pipeline.artifact_bucket)]
        for support in self.pipeline.pipeline.cross_region_support.values():
            buckets.append((support.stack, support.replication_bucket))
        for stack, bucket in buckets:
            logs = access_log_bucket(stack, "ArtifactAccessLogs", removal_policy=RemovalPolicy.RETAIN)
            logs.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="S3ServerAccessLogsPolicy",
                    principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                    actions=["s3:PutObject"],
                    resources=[logs.arn_for_objects("artifacts/*")],
                    conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
                )
            )
            cfn_bucket: s3.CfnBucket = bucket.node.default_child  # type: ignore[assignment]
            cfn_bucket.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(status="Enabled")
            cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
                destination_bucket_name=logs.bucket_name, log_file_prefix="artifacts/"
            )

    def _smoke_test(self, config: MeshConfig, env: EnvironmentConfig, stage: MeshStage) -> pipelines.Step:
        naming = config.naming(env)
        role_arn = self.format_arn(
            service="iam", region="", account=env.account, resource="role", resource_name=naming.smoke_test_role()
        )
        # A named role: the target account's smoke-test role trusts exactly this one.
        runner = iam.Role(
            self,
            f"SmokeTestRunner-{env.name}",
            role_name=smoke_test_runner_role_name(self._org, env.name),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"Runs the post-deploy smoke test of {env.name}",
        )
        runner.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn]))
        self.smoke_test_runners[env.name] = runner
        # The expected domain, units, stacks and projects come from the same configuration the
        # stage was synthesized from (scripts/smoke_test.py reads it), not from variables.
        return pipelines.CodeBuildStep(
            f"SmokeTest-{env.name}",
            input=self.source,
            commands=[
                "pip install --quiet --require-hashes -r scripts/requirements.lock",
                f"python -m scripts.smoke_test --mesh-dir {shlex.quote(self._mesh_dir)} --environment {env.name}",
            ],
            env={"SMOKE_TEST_ROLE_ARN": role_arn},
            env_from_cfn_outputs={"DOMAIN_ID": stage.domain.domain_id_output},
            role=runner,
        )
