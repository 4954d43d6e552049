"""Construct behaviour, asserted on the synthesized CloudFormation with aws_cdk.assertions."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from mesh_constructs import (
    BlueprintEnablement,
    BlueprintEnablementProps,
    DataLakeBuckets,
    DataLakeBucketsProps,
    Designation,
    DomainUnitSpec,
    DomainUnitTree,
    DomainUnitTreeProps,
    LakeFormationSettings,
    LakeFormationSettingsProps,
    ProfileEnvironmentSpec,
    Project,
    ProjectProfile,
    ProjectProfileProps,
    ProjectProps,
    SmusDomain,
    SmusDomainProps,
)
from mesh_constructs.acknowledge import BUILTIN_VALIDATION_CONTEXT
from mesh_constructs.project_profile import DeploymentMode

ACCOUNT, REGION = "123456789012", "eu-west-1"
IDC = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"
DOMAIN_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
PROJECT_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"


def new_stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account=ACCOUNT, region=REGION))


def domain_template(**overrides) -> Template:
    stack = new_stack()
    SmusDomain(stack, "Domain", SmusDomainProps(name="acme-dev-unified-domain", idc_instance_arn=IDC, **overrides))
    return Template.from_stack(stack)


class TestSmusDomain:
    def test_is_a_v2_domain_with_identity_center_sign_on(self):
        domain_template().has_resource_properties(
            "AWS::DataZone::Domain",
            {
                "Name": "acme-dev-unified-domain",
                "DomainVersion": "V2",
                "SingleSignOn": {"Type": "IAM_IDC", "UserAssignment": "MANUAL", "IdcInstanceArn": IDC},
                "KmsKeyIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("DomainKey"), "Arn"]},
                "DomainExecutionRole": {"Fn::GetAtt": [Match.string_like_regexp("DomainExecutionRole"), "Arn"]},
                "ServiceRole": {"Fn::GetAtt": [Match.string_like_regexp("DomainServiceRole"), "Arn"]},
            },
        )

    def test_execution_role_trusts_datazone_with_tag_session_and_set_context(self):
        domain_template().has_resource_properties(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetContext"],
                            "Effect": "Allow",
                            "Principal": {"Service": "datazone.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                                "ForAllValues:StringLike": {"aws:TagKeys": "datazone*"},
                            },
                        }
                    ]
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            Match.array_with([Match.string_like_regexp("SageMakerStudioDomainExecutionRolePolicy")]),
                        ]
                    }
                ],
            },
        )

    def test_service_role_has_the_service_role_policy(self):
        domain_template().has_resource_properties(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {"Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
                        )
                    ]
                },
                "ManagedPolicyArns": [
                    {
                        "Fn::Join": [
                            "",
                            Match.array_with([Match.string_like_regexp("SageMakerStudioDomainServiceRolePolicy")]),
                        ]
                    }
                ],
            },
        )

    def test_key_rotates_and_lets_datazone_and_project_roles_use_it_only_through_datazone(self):
        template = domain_template()
        partition_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:role/datazone_*"]]}
        template.has_resource_properties(
            "AWS::KMS::Key",
            {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Sid": "AllowDataZoneThroughService",
                                    "Principal": {"AWS": "*"},
                                    "Condition": {
                                        "StringEquals": {
                                            "kms:ViaService": f"datazone.{REGION}.amazonaws.com",
                                            "kms:CallerAccount": ACCOUNT,
                                        }
                                    },
                                }
                            ),
                            Match.object_like(
                                {
                                    "Sid": "AllowSmusProjectRolesThroughDataZone",
                                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                    "Condition": {
                                        "StringEquals": {
                                            "aws:PrincipalAccount": ACCOUNT,
                                            "kms:ViaService": f"datazone.{REGION}.amazonaws.com",
                                        },
                                        "ArnLike": {"aws:PrincipalArn": partition_arn},
                                    },
                                }
                            ),
                        ]
                    )
                },
            },
        )

    def test_key_policy_adds_no_second_root_statement(self):
        (key,) = domain_template().find_resources("AWS::KMS::Key").values()
        root_statements = [
            s
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if "AWS" in s["Principal"] and s["Principal"] != {"AWS": "*"}
        ]
        # Only CDK's default statement, which delegates key administration to IAM.
        assert len(root_statements) == 1 and root_statements[0]["Action"] == "kms:*"

    def test_domain_roles_may_create_grants_only_for_aws_resources(self):
        template = domain_template()
        policies = template.find_resources("AWS::IAM::Policy")
        assert len(policies) == 2
        for policy in policies.values():
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            grant = next(s for s in statements if s["Action"] == "kms:CreateGrant")
            assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
            logical_id, attribute = grant["Resource"]["Fn::GetAtt"]
            assert logical_id.startswith("DomainKey") and attribute == "Arn"

    def test_domain_and_key_are_retained_by_default(self):
        template = domain_template()
        template.has_resource("AWS::DataZone::Domain", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
        template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})

    def test_destroy_is_an_explicit_choice(self):
        template = domain_template(removal_policy=cdk.RemovalPolicy.DESTROY)
        template.has_resource("AWS::DataZone::Domain", {"DeletionPolicy": "Delete"})

    def test_domain_waits_for_its_roles_policies(self):
        resources = domain_template().find_resources("AWS::DataZone::Domain")
        (domain,) = resources.values()
        assert any("ExecutionRoleDefaultPolicy" in d for d in domain["DependsOn"])


class TestDomainUnitTree:
    def make(self) -> tuple[Template, DomainUnitTree]:
        stack = new_stack()
        tree = DomainUnitTree(
            stack,
            "Units",
            DomainUnitTreeProps(
                domain_id="dzd_abc123",
                root_domain_unit_id="root123",
                root_owner_groups={"admins": "g-admins"},
                units=[
                    DomainUnitSpec(key="finance", name="finance-domain-unit", owner_groups={"leads": "g-leads"}),
                    DomainUnitSpec(key="finance-analytics", name="finance-analytics-domain-unit", parent="finance"),
                ],
            ),
        )
        tree.add_to_member_pool("finance-analytics", "analysts", "g-analysts")
        tree.add_to_member_pool("finance-analytics", "analysts", "g-analysts")  # idempotent
        tree.allow_project_creation("finance", "leads", "g-leads", ["profile1"])
        return Template.from_stack(stack), tree

    def test_units_hang_under_their_parents(self):
        template, _ = self.make()
        template.has_resource_properties(
            "AWS::DataZone::DomainUnit", {"Name": "finance-domain-unit", "ParentDomainUnitIdentifier": "root123"}
        )
        template.has_resource_properties(
            "AWS::DataZone::DomainUnit",
            {
                "Name": "finance-analytics-domain-unit",
                "ParentDomainUnitIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("Unitsfinance"), "Id"]},
            },
        )

    def test_children_may_be_listed_before_their_parents(self):
        stack = new_stack()
        tree = DomainUnitTree(
            stack,
            "Units",
            DomainUnitTreeProps(
                domain_id="dzd_abc123",
                root_domain_unit_id="root123",
                units=[
                    DomainUnitSpec(key="sales-ops", name="sales-ops-domain-unit", parent="sales"),
                    DomainUnitSpec(key="sales", name="sales-domain-unit"),
                ],
            ),
        )
        assert tree.ancestors("sales-ops") == ["sales-ops", "sales", "root"]
        Template.from_stack(stack).resource_count_is("AWS::DataZone::DomainUnit", 2)

    def test_owners_are_groups_on_units_and_root(self):
        template, _ = self.make()
        template.resource_count_is("AWS::DataZone::Owner", 2)
        template.has_resource_properties(
            "AWS::DataZone::Owner",
            {
                "EntityType": "DOMAIN_UNIT",
                "EntityIdentifier": "root123",
                "Owner": {"Group": {"GroupIdentifier": "g-admins"}},
            },
        )

    def test_owners_of_one_unit_are_created_one_after_another(self):
        stack = new_stack()
        DomainUnitTree(
            stack,
            "Units",
            DomainUnitTreeProps(
                domain_id="dzd_abc123",
                root_domain_unit_id="root123",
                root_owner_groups={"admins": "g-admins", "auditors": "g-auditors"},
                units=[
                    DomainUnitSpec(
                        key="finance",
                        name="finance-domain-unit",
                        owner_groups={"leads": "g-leads", "controllers": "g-controllers", "cfo": "g-cfo"},
                    ),
                    DomainUnitSpec(key="sales", name="sales-domain-unit", owner_groups={"sales": "g-sales"}),
                ],
            ),
        )
        owners = Template.from_stack(stack).find_resources("AWS::DataZone::Owner")
        by_group = {o["Properties"]["Owner"]["Group"]["GroupIdentifier"]: (lid, o) for lid, o in owners.items()}

        def depends(group: str) -> list[str]:
            return by_group[group][1].get("DependsOn", [])

        # AddEntityOwner collides when two owners of one unit are created concurrently.
        assert depends("g-controllers") == [by_group["g-leads"][0]]
        assert depends("g-cfo") == [by_group["g-controllers"][0]]
        assert depends("g-auditors") == [by_group["g-admins"][0]]
        # Owners of different units are not serialised against each other.
        assert depends("g-leads") == [] and depends("g-sales") == [] and depends("g-admins") == []

    def test_member_pool_is_granted_on_the_unit_and_every_ancestor_once(self):
        template, tree = self.make()
        assert tree.ancestors("finance-analytics") == ["finance-analytics", "finance", "root"]
        grants = template.find_resources(
            "AWS::DataZone::PolicyGrant", {"Properties": {"PolicyType": "ADD_TO_PROJECT_MEMBER_POOL"}}
        )
        assert len(grants) == 3
        targets = {str(g["Properties"]["EntityIdentifier"]) for g in grants.values()}
        assert "root123" in targets

    def test_project_creation_grant_names_the_profiles(self):
        template, _ = self.make()
        template.has_resource_properties(
            "AWS::DataZone::PolicyGrant",
            {
                "PolicyType": "CREATE_PROJECT_FROM_PROJECT_PROFILE",
                "Detail": {
                    "CreateProjectFromProjectProfile": {
                        "IncludeChildDomainUnits": True,
                        "ProjectProfiles": ["profile1"],
                    }
                },
                "Principal": {"Group": {"GroupIdentifier": "g-leads"}},
            },
        )


class TestBlueprintEnablement:
    def make(self) -> Template:
        stack = new_stack()
        BlueprintEnablement(
            stack,
            "Blueprints",
            BlueprintEnablementProps(
                domain_id="dzd_abc123",
                domain_arn=f"arn:aws:datazone:{REGION}:{ACCOUNT}:domain/dzd_abc123",
                domain_key_arn=DOMAIN_KEY_ARN,
                root_domain_unit_id="root123",
                blueprints=["Tooling", "DataLake", "LakehouseCatalog"],
                s3_location="s3://bucket/projects",
                s3_kms_key_arn=PROJECT_KEY_ARN,
                vpc_id="vpc-0123456789abcdef0",
                subnet_ids=["subnet-01234567", "subnet-89abcdef"],
            ),
        )
        return Template.from_stack(stack)

    def test_blueprints_are_enabled_one_after_another(self):
        configs = self.make().find_resources("AWS::DataZone::EnvironmentBlueprintConfiguration")
        by_name = {c["Properties"]["EnvironmentBlueprintIdentifier"]: (lid, c) for lid, c in configs.items()}
        assert by_name["Tooling"][1].get("DependsOn", []) == [] or all(
            "Policy" in d for d in by_name["Tooling"][1]["DependsOn"]
        )
        assert by_name["Tooling"][0] in by_name["DataLake"][1]["DependsOn"]
        assert by_name["DataLake"][0] in by_name["LakehouseCatalog"][1]["DependsOn"]

    def test_regional_parameters_carry_network_and_storage(self):
        template = self.make()
        template.has_resource_properties(
            "AWS::DataZone::EnvironmentBlueprintConfiguration",
            {
                "EnvironmentBlueprintIdentifier": "Tooling",
                "EnabledRegions": [REGION],
                "RegionalParameters": [
                    {
                        "Region": REGION,
                        "Parameters": {
                            "S3Location": "s3://bucket/projects",
                            "KmsKeyArn": PROJECT_KEY_ARN,
                            "VpcId": "vpc-0123456789abcdef0",
                            "Subnets": "subnet-01234567,subnet-89abcdef",
                        },
                    }
                ],
            },
        )
        template.has_resource_properties(
            "AWS::DataZone::EnvironmentBlueprintConfiguration",
            {
                "EnvironmentBlueprintIdentifier": "LakehouseCatalog",
                "RegionalParameters": [{"Region": REGION, "Parameters": {}}],
            },
        )

    def test_manage_access_role_trust_is_scoped_to_the_domain(self):
        self.make().has_resource_properties(
            "AWS::IAM::Role",
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "datazone.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                                "ArnEquals": {
                                    "aws:SourceArn": f"arn:aws:datazone:{REGION}:{ACCOUNT}:domain/dzd_abc123"
                                },
                            },
                        }
                    ]
                }
            },
        )

    def test_provisioning_and_manage_access_roles_use_the_domain_key(self):
        policies = self.make().find_resources("AWS::IAM::Policy")
        for role in ("ProvisioningRole", "ManageAccessRole"):
            (policy,) = [p for lid, p in policies.items() if role in lid]
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            assert {
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Effect": "Allow",
                "Resource": DOMAIN_KEY_ARN,
            } in statements
            assert {
                "Action": "kms:CreateGrant",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                "Effect": "Allow",
                "Resource": DOMAIN_KEY_ARN,
            } in statements

    def test_project_contributors_may_create_environments_from_each_blueprint(self):
        template = self.make()
        grants = template.find_resources(
            "AWS::DataZone::PolicyGrant", {"Properties": {"PolicyType": "CREATE_ENVIRONMENT_FROM_BLUEPRINT"}}
        )
        assert len(grants) == 3


class TestProjectProfile:
    def test_environments_reference_blueprints_in_this_account(self):
        stack = new_stack()
        ProjectProfile(
            stack,
            "Profile",
            ProjectProfileProps(
                domain_id="dzd_abc123",
                domain_unit_id="root123",
                name="sql-analytics-dev-profile",
                environments=[
                    ProfileEnvironmentSpec(
                        name="Tooling",
                        blueprint_id="bp-tooling",
                        parameter_overrides={"enableSpaces": ("false", False)},
                    ),
                    ProfileEnvironmentSpec(
                        name="OnDemand Workflows", blueprint_id="bp-wf", deployment_mode=DeploymentMode.ON_DEMAND
                    ),
                ],
            ),
        )
        Template.from_stack(stack).has_resource_properties(
            "AWS::DataZone::ProjectProfile",
            {
                "Name": "sql-analytics-dev-profile",
                "Status": "ENABLED",
                "DomainUnitIdentifier": "root123",
                "EnvironmentConfigurations": [
                    {
                        "Name": "Tooling",
                        "EnvironmentBlueprintId": "bp-tooling",
                        "DeploymentMode": "ON_CREATE",
                        "DeploymentOrder": 0,
                        "AwsAccount": {"AwsAccountId": ACCOUNT},
                        "AwsRegion": {"RegionName": REGION},
                        "ConfigurationParameters": {
                            "ParameterOverrides": [{"Name": "enableSpaces", "Value": "false", "IsEditable": False}]
                        },
                    },
                    {
                        "Name": "OnDemand Workflows",
                        "EnvironmentBlueprintId": "bp-wf",
                        "DeploymentMode": "ON_DEMAND",
                        "AwsAccount": {"AwsAccountId": ACCOUNT},
                        "AwsRegion": {"RegionName": REGION},
                    },
                ],
            },
        )


class TestProject:
    def make(self, **overrides) -> Template:
        stack = new_stack()
        Project(
            stack,
            "finance-customer360",
            ProjectProps(
                domain_id="dzd_abc123",
                domain_unit_id="unit123",
                project_profile_id="profile123",
                name="finance-customer360-dev-project",
                members={
                    "leads": ("g-leads", Designation.OWNER),
                    "analysts": ("g-analysts", Designation.CONTRIBUTOR),
                },
                **overrides,
            ),
        )
        return Template.from_stack(stack)

    def test_project_is_created_in_its_unit_from_its_profile_and_retained(self):
        template = self.make()
        template.has_resource(
            "AWS::DataZone::Project",
            {
                "Properties": {
                    "Name": "finance-customer360-dev-project",
                    "DomainUnitId": "unit123",
                    "ProjectProfileId": "profile123",
                },
                "DeletionPolicy": "Retain",
            },
        )

    def test_each_group_gets_its_designation(self):
        template = self.make()
        for group, designation in [
            ("g-leads", "PROJECT_OWNER"),
            ("g-analysts", "PROJECT_CONTRIBUTOR"),
        ]:
            template.has_resource_properties(
                "AWS::DataZone::ProjectMembership",
                {
                    "Designation": designation,
                    "Member": {"GroupIdentifier": group},
                    "ProjectIdentifier": Match.any_value(),
                },
            )

    def test_memberships_sharing_a_project_carry_e3019_acknowledgments_only_for_the_builtin_validation(self):
        def acknowledged_and_ignored(context: dict) -> tuple[set[str], set[str]]:
            app = cdk.App(context=context)
            stack = cdk.Stack(app, "S", env=cdk.Environment(account=ACCOUNT, region=REGION))
            Project(
                stack,
                "p",
                ProjectProps(
                    domain_id="dzd_abc123",
                    domain_unit_id="unit123",
                    project_profile_id="profile123",
                    name="p",
                    members={"leads": ("g-leads", Designation.OWNER), "analysts": ("g-a", Designation.CONTRIBUTOR)},
                ),
            )
            template = app.synth().get_stack_by_name("S").template
            ignored = {
                key
                for key, r in template["Resources"].items()
                if "E3019" in r.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
            }
            acknowledged = {
                c.node.path
                for c in app.node.find_all()
                for entry in c.node.metadata
                if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
                and "CloudFormation-Validate::E3019" in entry.data
            }
            return acknowledged, ignored

        acknowledged, ignored = acknowledged_and_ignored({})
        assert acknowledged == {"S/p/Member-leads", "S/p/Member-analysts"} and len(ignored) == 2
        # An app synthesized without the built-in validation keeps cfn-lint's metadata only.
        acknowledged, ignored = acknowledged_and_ignored({BUILTIN_VALIDATION_CONTEXT: False})
        assert acknowledged == set() and len(ignored) == 2


class TestFoundationConstructs:
    def test_buckets_are_encrypted_versioned_tls_only_and_logged(self):
        stack = new_stack()
        layers = {p: f"acme-dev-{p}-{ACCOUNT}" for p in ("raw", "curated", "published", "artifacts")}
        DataLakeBuckets(
            stack, "Lake", DataLakeBucketsProps(layers=layers, access_logs_name=f"acme-dev-access-logs-{ACCOUNT}")
        )
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::S3::Bucket", 5)
        template.has_resource(
            "AWS::S3::Bucket",
            {
                "Properties": {
                    "BucketName": f"acme-dev-curated-{ACCOUNT}",
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            Match.object_like(
                                {"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})}
                            )
                        ]
                    },
                    "LoggingConfiguration": Match.object_like({"LogFilePrefix": "curated/"}),
                    "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True}),
                },
                "DeletionPolicy": "Retain",
            },
        )
        template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                    )
                }
            },
        )

    def test_project_storage_has_its_own_key_that_smus_project_roles_may_use(self):
        stack = new_stack()
        layers = {p: f"acme-dev-{p}-{ACCOUNT}" for p in ("raw", "artifacts")}
        lake = DataLakeBuckets(
            stack,
            "Lake",
            DataLakeBucketsProps(
                layers=layers, access_logs_name=f"acme-dev-access-logs-{ACCOUNT}", project_storage_layer="artifacts"
            ),
        )
        template = Template.from_stack(stack)
        keys = template.find_resources("AWS::KMS::Key")
        assert len(keys) == 2
        project_key_id = stack.get_logical_id(lake.project_storage_key.node.default_child)

        def key_of(bucket: str) -> str:
            (found,) = [
                b
                for b in template.find_resources("AWS::S3::Bucket").values()
                if b["Properties"].get("BucketName") == bucket
            ]
            rule = found["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            return rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]

        assert key_of(f"acme-dev-artifacts-{ACCOUNT}") == project_key_id
        assert key_of(f"acme-dev-raw-{ACCOUNT}") != project_key_id
        statement = next(
            s
            for s in keys[project_key_id]["Properties"]["KeyPolicy"]["Statement"]
            if s.get("Sid") == "AllowSmusProjectRolesThroughS3AndDataZone"
        )
        assert statement["Principal"] == {"AWS": "*"}
        assert set(statement["Action"]) >= {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
        assert statement["Condition"]["StringEquals"] == {
            "aws:PrincipalAccount": ACCOUNT,
            "kms:ViaService": [f"s3.{REGION}.amazonaws.com", f"datazone.{REGION}.amazonaws.com"],
        }
        assert statement["Condition"]["ArnLike"]["aws:PrincipalArn"]["Fn::Join"][1][-1] == (
            f":iam::{ACCOUNT}:role/datazone_usr_role_*"
        )

    def test_lake_formation_settings_are_merged_by_a_custom_resource_not_replaced(self):
        stack = new_stack()
        LakeFormationSettings(
            stack, "Settings", LakeFormationSettingsProps(admin_arns=["arn:aws:iam::123456789012:role/x"])
        )
        template = Template.from_stack(stack)
        template.resource_count_is("AWS::LakeFormation::DataLakeSettings", 0)
        template.has_resource_properties(
            "Custom::LakeFormationSettings",
            {"CatalogId": ACCOUNT, "Admins": ["arn:aws:iam::123456789012:role/x"], "ReadOnlyAdmins": []},
        )
