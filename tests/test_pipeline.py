"""The deployment pipeline: order, approvals, broadening check, smoke tests, V2, cross-account keys."""

from __future__ import annotations

import pytest

from tests.synth import ROOT, synth_app


@pytest.fixture(scope="session")
def pipeline(example_app) -> dict:
    template = example_app.templates()["acme-mesh-pipeline"]
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return {"template": template, "pipeline": resource["Properties"]}


def stage(pipeline: dict, name: str) -> dict:
    return next(s for s in pipeline["pipeline"]["Stages"] if s["Name"] == name)


def actions(pipeline: dict, name: str, category: str | None = None) -> list[dict]:
    found = stage(pipeline, name)["Actions"]
    return [a for a in found if category is None or a["ActionTypeId"]["Category"] == category]


def test_pipeline_is_v2_and_deploys_environments_in_promotion_order(pipeline):
    assert pipeline["pipeline"]["PipelineType"] == "V2"
    names = [s["Name"] for s in pipeline["pipeline"]["Stages"]]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    env_stages = [n for n in names if n in ("dev", "staging", "prod")]
    assert env_stages == ["dev", "staging", "prod"]
    assert names.index("dev") < names.index("staging") < names.index("prod")


def test_source_is_a_codeconnections_connection_on_the_configured_branch(pipeline):
    (source,) = actions(pipeline, "Source")
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    config = source["Configuration"]
    assert config["FullRepositoryId"] == "data-platform/smus-data-mesh"
    assert config["BranchName"] == "main"
    assert config["ConnectionArn"].startswith("arn:aws:codeconnections:eu-west-1:444444444444:connection/")


def test_no_approval_before_dev_and_one_before_staging_and_prod(pipeline):
    assert actions(pipeline, "dev", "Approval") == []
    (staging,) = actions(pipeline, "staging", "Approval")
    assert "Senior Data Engineer" in staging["Configuration"]["CustomData"]
    prod_approvals = actions(pipeline, "prod", "Approval")
    manual = [a for a in prod_approvals if a["Name"].startswith("Approve-")]
    assert len(manual) == 1
    text = manual[0]["Configuration"]["CustomData"]
    assert all(who in text for who in ("Product Owner", "Data Platform Manager", "IT Operations Manager"))
    assert "NotificationArn" in manual[0]["Configuration"]


def test_approvals_come_before_the_first_deployment_of_their_stage(pipeline):
    for name in ("staging", "prod"):
        approval_order = max(a["RunOrder"] for a in actions(pipeline, name, "Approval"))
        deploy_order = min(a["RunOrder"] for a in actions(pipeline, name, "Deploy"))
        assert approval_order < deploy_order


def test_permission_broadening_is_checked_before_prod_only(pipeline):
    def broadening(name: str) -> list[dict]:
        return [a for a in actions(pipeline, name, "Build") if "Broadening" in a["Name"]]

    assert broadening("dev") == [] and broadening("staging") == []
    assert len(broadening("prod")) == 1


def test_every_environment_is_smoke_tested_after_deployment(pipeline):
    for name in ("dev", "staging", "prod"):
        smoke = [a for a in actions(pipeline, name, "Build") if a["Name"].startswith("SmokeTest")]
        assert len(smoke) == 1
        deploy_order = max(a["RunOrder"] for a in actions(pipeline, name, "Deploy"))
        assert smoke[0]["RunOrder"] > deploy_order
        assert "DOMAIN_ID" in smoke[0]["Configuration"]["EnvironmentVariables"]


def test_artifacts_are_encrypted_with_a_rotated_cross_account_key(pipeline):
    resources = pipeline["template"]["Resources"]
    store = pipeline["pipeline"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"
    key_id = store["EncryptionKey"]["Id"]["Fn::GetAtt"][0]
    assert resources[key_id]["Properties"]["EnableKeyRotation"] is True


def test_artifact_bucket_is_versioned_and_access_logged(pipeline):
    resources = pipeline["template"]["Resources"]
    bucket = resources[pipeline["pipeline"]["ArtifactStore"]["Location"]["Ref"]]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    logs = bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert resources[logs]["Type"] == "AWS::S3::Bucket"


def test_every_pipeline_topic_is_encrypted_with_a_rotated_key(pipeline):
    """The approval topic and the notification topics (a failed stage, an environment deployed)."""
    resources = pipeline["template"]["Resources"]
    topics = {k: r for k, r in resources.items() if r["Type"] == "AWS::SNS::Topic"}
    assert any(k.startswith("ApprovalNotifications") for k in topics) and len(topics) == 3
    for topic in topics.values():
        key = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
        assert resources[key]["Properties"]["EnableKeyRotation"] is True


def test_synth_runs_the_test_suite_and_self_mutation_uses_the_pinned_cli(pipeline):
    projects = [r for r in pipeline["template"]["Resources"].values() if r["Type"] == "AWS::CodeBuild::Project"]
    specs = [p["Properties"]["Source"]["BuildSpec"] for p in projects]
    synth = [s for s in specs if "make test" in s]
    assert synth and "make synth" in synth[0]
    assert synth[0].index("make test") < synth[0].index("make synth")
    assert any("aws-cdk@2.1148.1" in s for s in specs)


def _json_strings(value: object) -> list[str]:
    """Every string in a template value, Fn::Join parts included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def test_every_tool_a_build_step_installs_is_pinned_to_the_projects_version(pipeline):
    """Build steps hold roles that publish assets to and deploy into every environment: a floating
    `npm install -g` there (cdk-assets@latest, the broadening check's aws-cdk) is a supply-chain hole."""
    import json
    import re

    locked = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    specs = [
        text
        for r in pipeline["template"]["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
        for text in _json_strings(r["Properties"]["Source"]["BuildSpec"])
    ]
    installs = [m for text in specs for m in re.findall(r"npm (?:install|i) [^\\n\"]*", text)]
    assert len(installs) >= 3  # self-mutation, the broadening check, asset publishing
    for install in installs:
        for package in install.split()[2:]:
            if package.startswith("-"):
                continue
            name, _, version = package.rpartition("@")
            assert name in locked and version == locked[name], f"unpinned or unlocked tool in a build step: {install}"
    pip_installs = [m for text in specs for m in re.findall(r"pip install [^\\n\"]*", text)]
    assert all("--require-hashes" in m for m in pip_installs), pip_installs


def test_each_target_account_trusts_the_tools_account_for_the_smoke_test(example_app):
    template = example_app.templates()["acme-prod-domain"]
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    smoke = [r for r in roles if r["Properties"].get("RoleName") == "acme-prod-smus-smoke-test"]
    assert len(smoke) == 1
    principal = smoke[0]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    assert "444444444444" in str(principal)


def test_direct_mode_synthesizes_the_stages_without_a_pipeline(tmp_path):
    direct = synth_app(ROOT / "environments", tmp_path, direct="true")
    names = set(direct.templates())
    assert "acme-mesh-pipeline" not in names
    assert {"acme-dev-domain", "acme-staging-domain", "acme-prod-domain"} <= names


def test_every_stage_fits_codepipelines_50_action_limit_with_one_action_per_stack(pipeline):
    for stage_config in pipeline["pipeline"]["Stages"]:
        assert len(stage_config["Actions"]) <= 50
    deploys = actions(pipeline, "prod", "Deploy")
    assert deploys and all(a["Configuration"]["ActionMode"] == "CREATE_UPDATE" for a in deploys)


def test_synth_runs_the_change_plan_against_the_deployed_templates_before_any_stage(pipeline, example_app):
    resources = pipeline["template"]["Resources"]
    (synth,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::CodeBuild::Project" and "make test" in r["Properties"]["Source"]["BuildSpec"]
    ]
    spec = synth["Properties"]["Source"]["BuildSpec"]
    assert spec.index("make synth") < spec.index("-m mesh_plan")
    assert "--baseline deployed" in spec and "--target cdk.out" in spec
    # The synth step runs as the named plan runner, allowed only to assume the plan reader roles.
    runner_id = synth["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    assert resources[runner_id]["Properties"]["RoleName"] == "acme-mesh-change-plan"
    statements = [
        s
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": runner_id} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    assume = next(s for s in statements if s["Action"] == "sts:AssumeRole" and "mesh-plan-reader" in str(s["Resource"]))
    roles = [str(arn) for arn in assume["Resource"]]
    assert sum("mesh-plan-reader" in arn for arn in roles) == 3
    # ... and, to tell a first deployment from a broken trust, the bootstrap's lookup roles.
    assert sum("cdk-hnb659fds-lookup-role-" in arn for arn in roles) == 5
    # ... and the organisation's stacks through their accounts' lookup roles: the management account
    # (organisation, identity, trail) and the log-archive account, which have no plan reader role.
    assert sum("lookup-role-100000000000-eu-west-1" in arn for arn in roles) == 1
    assert sum("lookup-role-200000000000-eu-west-1" in arn for arn in roles) == 1
    assert len(roles) == 8
    # Each environment's reader role trusts exactly that runner and may only read templates (a nested
    # stack's found in its parent).
    dev = example_app.templates()["acme-dev-foundation"]["Resources"]
    (reader,) = [
        r
        for r in dev.values()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == "acme-dev-mesh-plan-reader"
    ]
    condition = reader["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition == {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444444444444:role/acme-mesh-change-plan"}}
    policies = [
        r for r in dev.values() if r["Type"] == "AWS::IAM::Policy" and "PlanReader" in str(r["Properties"]["Roles"])
    ]
    assert [s["Action"] for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]] == [
        ["cloudformation:DescribeStackResource", "cloudformation:GetTemplate"]
    ]
