"""The self-mutating CDK Pipeline: every environment's Stage, in promotion order."""

from __future__ import annotations

import shlex
from typing import Any

from aws_cdk import Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.pipeline import PipelineConfig
from mesh_constructs.acknowledge import acknowledge
from stacks.mesh_stage import MeshStage
from stacks.pipeline_acknowledgments import acknowledge_pipeline_findings

# The CLI the pipeline synthesizes and deploys with: the same one package.json pins.
CDK_CLI_VERSION = "2.1148.1"
PYTHON_VERSION = "3.11"
NODE_VERSION = "22"


class PipelineStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, mesh_dir: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._mesh_dir = mesh_dir
        settings: PipelineConfig = config.mesh.pipeline  # type: ignore[assignment]
        self.source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{config.mesh.org}-mesh",
            pipeline_type=codepipeline.PipelineType.V2,
            self_mutation=True,
            cross_account_keys=True,
            enable_key_rotation=True,
            cli_version=CDK_CLI_VERSION,
            # One CloudFormation action per stack instead of two (create + execute change set):
            # with change sets a 1000-project mesh needs 51+ actions in a stage, over
            # CodePipeline's limit of 50. Review happens before: approvals and the IAM check.
            use_change_sets=False,
            synth=pipelines.ShellStep(
                "Synth",
                input=self.source,
                # The same gate as a developer's machine: unit, snapshot, cfn-lint and cdk-nag
                # tests must pass before anything is synthesized for deployment.
                commands=["make test", "make synth"],
                primary_output_directory="cdk.out",
            ),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": {"python": PYTHON_VERSION, "nodejs": NODE_VERSION}}}}
                ),
            ),
        )
        self.approval_topic = self._approval_topic(settings)
        self.stages: list[MeshStage] = []
        for env in config.environments:
            stage = MeshStage(self, env.name, config=config, env_config=env)
            self.pipeline.add_stage(stage, pre=self._pre_steps(env, stage), post=[self._smoke_test(config, env, stage)])
            self.stages.append(stage)

        # Build now (not at synth) so the generated roles exist and can be acknowledged.
        self.pipeline.build_pipeline()
        acknowledge_pipeline_findings(self, self.pipeline)
        acknowledge(
            self.pipeline.pipeline.artifact_bucket,
            "Pipeline artifact bucket holds only build artefacts, KMS-encrypted with the rotated cross-account "
            "key and read by the pipeline's roles; audit it with CloudTrail S3 data events if required.",
            "AwsSolutions-S1",
        )

    def _approval_topic(self, settings: PipelineConfig) -> sns.Topic | None:
        if not settings.approval_notification_emails:
            return None
        topic = sns.Topic(self, "ApprovalNotifications", display_name="SMUS mesh promotion approvals", enforce_ssl=True)
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
                    f"Approve-{env.name}",
                    comment=(
                        f"Promote the mesh to {env.name} (account {env.account}, {env.region}): review the "
                        f"diff of the stages before it and its smoke test. Approval required from: {approvers}."
                    ),
                    notification_topic=self.approval_topic,
                )
            )
        return steps

    def _smoke_test(self, config: MeshConfig, env: EnvironmentConfig, stage: MeshStage) -> pipelines.Step:
        naming = config.naming(env)
        role_arn = self.format_arn(
            service="iam", region="", account=env.account, resource="role", resource_name=naming.smoke_test_role()
        )
        # The expected domain, units, stacks and projects come from the same configuration the
        # stage was synthesized from (scripts/smoke_test.py reads it), not from variables.
        return pipelines.CodeBuildStep(
            f"SmokeTest-{env.name}",
            input=self.source,
            commands=[
                "pip install --quiet -r scripts/requirements.txt",
                f"python -m scripts.smoke_test --mesh-dir {shlex.quote(self._mesh_dir)} --environment {env.name}",
            ],
            env={"SMOKE_TEST_ROLE_ARN": role_arn},
            env_from_cfn_outputs={"DOMAIN_ID": stage.domain.domain_id_output},
            role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
        )
