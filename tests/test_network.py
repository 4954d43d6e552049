"""network.create: the VPC the mesh creates for an environment, its validation, and the domain's use of it."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from mesh_config import load_mesh
from mesh_config.blueprints import Blueprint
from mesh_config.network import ENDPOINT_CATALOG, CreatedNetwork, interface_endpoints, zone_id_prefix
from mesh_constructs.private_network import PrivateNetwork, PrivateNetworkProps
from tests.config_edits import assert_issue, edit_text, edit_yaml, load_issues
from tests.synth import ROOT, SynthesizedApp, of_type
from tests.test_cfn_lint import cfn_lint
from tests.test_nag import violations

DEV_NETWORK = """  create:
    cidr: 10.20.0.0/16   # three /18 private subnets; apart from the other environments' ranges
    availability_zones: [euw1-az1, euw1-az2, euw1-az3]   # AZ IDs: the same zones in every account
    egress: none   # nat_gateway: outbound internet (pip, git) through a NAT gateway per zone
"""
STAGING_NETWORK = "  vpc_id: vpc-1a2b3c4de5f60718\n"


def dev_network(env_dir: Path, text: str) -> list:
    edit_text(env_dir / "dev.yaml", DEV_NETWORK, text)
    return load_issues(env_dir)


# --- configuration ---------------------------------------------------------------------------


def test_the_bundled_dev_environment_asks_for_a_vpc_and_the_others_name_theirs():
    config = load_mesh(ROOT / "environments")
    networks = {e.name: e.network for e in config.environments}
    assert networks["dev"].create is not None and networks["dev"].vpc_id is None
    assert networks["dev"].create.zones("eu-west-1") == ["euw1-az1", "euw1-az2", "euw1-az3"]
    for name in ("staging", "prod"):
        assert networks[name].create is None and len(networks[name].subnet_ids) == 3


def test_private_subnets_split_the_range_and_nat_subnets_follow_them():
    create = CreatedNetwork(cidr="10.20.0.0/16")
    assert [str(s) for s in create.private_subnets()] == ["10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18"]
    assert create.public_subnets() == []
    nat = CreatedNetwork(cidr="10.20.0.0/16", subnet_prefix=20, egress="nat_gateway")
    assert [str(s) for s in nat.public_subnets()] == ["10.20.48.0/28", "10.20.48.16/28", "10.20.48.32/28"]
    assert CreatedNetwork(cidr="10.0.0.0/24").zones("us-east-1") == ["us-east-1a", "us-east-1b", "us-east-1c"]


@pytest.mark.parametrize(
    ("region", "prefix"),
    [("eu-west-1", "euw1"), ("us-east-1", "use1"), ("ap-southeast-2", "apse2"), ("us-gov-west-1", "usgw1")],
)
def test_az_id_prefixes_follow_aws_short_region_names(region, prefix):
    assert zone_id_prefix(region) == prefix


def test_both_forms_at_once_are_refused(env_dir):
    issues = dev_network(env_dir, DEV_NETWORK + STAGING_NETWORK)
    assert_issue(issues, "dev.yaml", "network", "both create and vpc_id")


def test_a_network_that_names_nothing_is_refused(env_dir):
    issues = dev_network(env_dir, "  create: null\n")
    assert_issue(issues, "dev.yaml", "network", "names no VPC and does not ask for one")


def test_subnets_without_their_vpc_are_refused(env_dir):
    edit_text(env_dir / "staging.yaml", STAGING_NETWORK, "")
    assert_issue(load_issues(env_dir), "staging.yaml", "network.subnet_ids", "without the vpc_id")


def test_every_range_problem_of_a_file_is_reported_at_once(env_dir):
    issues = dev_network(
        env_dir,
        "  create:\n    cidr: 8.8.8.1/24\n    subnet_prefix: 25\n"
        "    availability_zones: [euw1-az1, eu-west-1a, eu-west-1a]\n",
    )
    assert_issue(issues, "dev.yaml", "network.create.cidr", "bits set after its /24 prefix")
    assert_issue(issues, "dev.yaml", "network.create.cidr", "not a private range")
    assert_issue(issues, "dev.yaml", "network.create.subnet_prefix", "three /25 private subnets do not fit")
    assert_issue(issues, "dev.yaml", "network.create.availability_zones", "lists a zone twice")
    assert_issue(issues, "dev.yaml", "network.create.availability_zones", "mixes AZ IDs")


def test_a_range_aws_refuses_for_a_vpc_is_refused(env_dir):
    issue = assert_issue(
        dev_network(env_dir, "  create: {cidr: 10.0.0.0/12}\n"), "dev.yaml", "network.create.cidr", "/16 to /28"
    )
    assert "10.0.0.0/16" in issue.fix


def test_a_vpc_too_small_for_three_subnets_is_refused(env_dir):
    issue = assert_issue(
        dev_network(env_dir, "  create: {cidr: 10.0.0.0/27}\n"), "dev.yaml", "network.create.cidr", "do not fit"
    )
    assert "smallest subnet is /28" in issue.problem


def test_nat_subnets_need_room_after_the_private_ones(env_dir):
    issues = dev_network(env_dir, "  create: {cidr: 10.0.0.0/26, subnet_prefix: 28, egress: nat_gateway}\n")
    assert_issue(issues, "dev.yaml", "network.create.subnet_prefix", "no room left")


def test_zones_of_another_region_are_refused(env_dir):
    issues = dev_network(
        env_dir, "  create: {cidr: 10.20.0.0/16, availability_zones: [use1-az1, euw1-az2, euw1-az3]}\n"
    )
    issue = assert_issue(issues, "dev.yaml", "network.create.availability_zones[0]", "start with euw1-")
    assert "euw1-az1" in issue.fix
    issues = dev_network_again(
        env_dir, "  create: {cidr: 10.20.0.0/16, availability_zones: [eu-west-1a, eu-west-1b, us-east-1c]}\n"
    )
    assert_issue(issues, "dev.yaml", "network.create.availability_zones[2]", "is in us-east-1")


def dev_network_again(env_dir: Path, text: str) -> list:
    """Replace the network written by a previous dev_network call."""
    dev = env_dir / "dev.yaml"
    lines = dev.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  create:"))
    dev.write_text("".join([*lines[:start], text, *lines[start + 1 :]]), encoding="utf-8")
    return load_issues(env_dir)


def test_no_endpoints_and_no_egress_is_refused(env_dir):
    issues = dev_network(env_dir, "  create: {cidr: 10.20.0.0/16, endpoints: none}\n")
    assert_issue(issues, "dev.yaml", "network.create.endpoints", "no way to any AWS service")


def test_created_ranges_of_two_environments_must_not_overlap(env_dir):
    edit_yaml(env_dir / "staging.yaml", lambda data: data.update(network={"create": {"cidr": "10.20.128.0/17"}}))
    issue = assert_issue(load_issues(env_dir), "staging.yaml", "network.create.cidr", "overlaps 10.20.0.0/16 of 'dev'")
    assert "10.21.0.0/17" in issue.fix


def test_endpoints_follow_the_enabled_blueprints():
    create = CreatedNetwork(cidr="10.20.0.0/16")
    core = [e.service for e in interface_endpoints(create, [])]
    assert core == ["STS", "KMS", "CLOUDWATCH_LOGS", "DATAZONE", "SECRETS_MANAGER"]
    lake = {e.service for e in interface_endpoints(create, [Blueprint.TOOLING, Blueprint.DATA_LAKE])}
    assert {"GLUE", "ATHENA", "LAKE_FORMATION", "SAGEMAKER_API", "SAGEMAKER_STUDIO"} <= lake
    assert "REDSHIFT_SERVERLESS" not in lake and "EMR_SERVERLESS" not in lake
    assert interface_endpoints(CreatedNetwork(cidr="10.20.0.0/16", egress="nat_gateway", endpoints="none"), []) == []
    assert len({e.service for e in ENDPOINT_CATALOG}) == len(ENDPOINT_CATALOG)


# --- the synthesized network -----------------------------------------------------------------


def test_dev_network_has_three_private_subnets_in_three_zones_and_no_way_in(example_app: SynthesizedApp):
    template = example_app.templates()["acme-dev-network"]
    subnets = of_type(template, "AWS::EC2::Subnet")
    assert sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets.values()) == [
        "euw1-az1",
        "euw1-az2",
        "euw1-az3",
    ]
    assert sorted(s["Properties"]["CidrBlock"] for s in subnets.values()) == [
        "10.20.0.0/18",
        "10.20.128.0/18",
        "10.20.64.0/18",
    ]
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())
    for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::Route"):
        assert of_type(template, kind) == {}, kind


def test_dev_network_has_the_endpoints_of_its_blueprints(example_app: SynthesizedApp):
    template = example_app.templates()["acme-dev-network"]
    endpoints = of_type(template, "AWS::EC2::VPCEndpoint").values()
    names = {e["Properties"]["ServiceName"] for e in endpoints if e["Properties"]["VpcEndpointType"] == "Interface"}
    assert {
        "com.amazonaws.eu-west-1.sts",
        "com.amazonaws.eu-west-1.kms",
        "com.amazonaws.eu-west-1.logs",
        "com.amazonaws.eu-west-1.datazone",
        "com.amazonaws.eu-west-1.glue",
        "com.amazonaws.eu-west-1.athena",
        "com.amazonaws.eu-west-1.lakeformation",
        "com.amazonaws.eu-west-1.secretsmanager",
        "com.amazonaws.eu-west-1.sagemaker.api",
        "com.amazonaws.eu-west-1.sagemaker.runtime",
        "aws.sagemaker.eu-west-1.studio",
        "com.amazonaws.eu-west-1.redshift-serverless",
        "com.amazonaws.eu-west-1.emr-serverless",
        "com.amazonaws.eu-west-1.bedrock-runtime",
    } <= names
    # EmrOnEc2 is not enabled in the example.
    assert "com.amazonaws.eu-west-1.elasticmapreduce" not in names
    gateways = [e for e in endpoints if e["Properties"]["VpcEndpointType"] == "Gateway"]
    assert len(gateways) == 1 and len(gateways[0]["Properties"]["RouteTableIds"]) == 3
    for endpoint in endpoints:
        if endpoint["Properties"]["VpcEndpointType"] == "Interface":
            assert endpoint["Properties"]["PrivateDnsEnabled"] is True
            assert len(endpoint["Properties"]["SubnetIds"]) == 3


def test_endpoint_security_group_admits_https_from_the_vpc_only(example_app: SynthesizedApp):
    template = Template.from_json(example_app.templates()["acme-dev-network"])
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    assert len(groups) == 1
    (group,) = groups.values()
    assert group["Properties"]["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.20.0.0/16",
            "Description": "HTTPS from the VPC's own range",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    # No egress of its own: the one rule matches no traffic.
    assert [r["CidrIp"] for r in group["Properties"]["SecurityGroupEgress"]] == ["255.255.255.255/32"]


def test_dev_vpc_has_flow_logs_of_all_traffic(example_app: SynthesizedApp):
    template = Template.from_json(example_app.templates()["acme-dev-network"])
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceId": {"Ref": Match.string_like_regexp("^NetworkVpc")},
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {"Statement": [Match.object_like({"Principal": {"Service": "vpc-flow-logs.amazonaws.com"}})]}
            )
        },
    )


def test_dev_vpc_follows_the_environments_removal_rule(example_app: SynthesizedApp):
    # dev is deletion_protection: false (throw-away); the rule is stacks/removal.py's.
    template = example_app.templates()["acme-dev-network"]
    for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::Logs::LogGroup"):
        for resource in of_type(template, kind).values():
            assert resource["DeletionPolicy"] == "Delete", kind


def test_the_domain_stack_receives_the_created_vpc_and_subnets(example_app: SynthesizedApp):
    templates = example_app.templates()
    domain = templates["acme-dev-domain"]
    tooling = of_type(domain, "AWS::DataZone::EnvironmentBlueprintConfiguration")
    (params,) = next(iter(tooling.values()))["Properties"]["RegionalParameters"]
    vpc = params["Parameters"]["VpcId"]["Fn::GetStackOutput"]
    assert vpc["StackName"] == "acme-dev-network"
    subnets = json.dumps(params["Parameters"]["Subnets"])
    assert subnets.count('"StackName": "acme-dev-network"') == 3
    # staging names its VPC: as written.
    staging = of_type(templates["acme-staging-domain"], "AWS::DataZone::EnvironmentBlueprintConfiguration")
    (params,) = next(iter(staging.values()))["Properties"]["RegionalParameters"]
    assert params["Parameters"]["VpcId"] == "vpc-1a2b3c4de5f60718"
    assert "acme-staging-network" not in templates and "acme-prod-network" not in templates


def test_the_network_deploys_beside_the_foundation_before_the_domain(example_app: SynthesizedApp):
    stacks = {s.stack_name: s for s in example_app.stacks()}
    network = stacks["acme-dev-network"]
    assert [d.stack_name for d in network.dependencies if hasattr(d, "stack_name")] == []
    domain_needs = {d.stack_name for d in stacks["acme-dev-domain"].dependencies if hasattr(d, "stack_name")}
    assert {"acme-dev-network", "acme-dev-foundation"} <= domain_needs


# --- the construct with a NAT gateway --------------------------------------------------------


@pytest.fixture(scope="module")
def nat_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, dict, Path]:
    outdir = tmp_path_factory.mktemp("nat.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Nat", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    create = CreatedNetwork(cidr="10.30.0.0/20", egress="nat_gateway")
    PrivateNetwork(
        stack,
        "Network",
        PrivateNetworkProps(
            name="acme-sandbox",
            cidr=create.cidr,
            zones=create.zones("eu-west-1"),
            private_subnets=[str(s) for s in create.private_subnets()],
            public_subnets=[str(s) for s in create.public_subnets()],
            interface_endpoints=["STS"],
        ),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    report = outdir / "validation-report.json"
    findings = json.loads(report.read_text()) if report.exists() else {"pluginReports": []}
    return Template.from_stack(stack), findings, outdir / "Nat.template.json"


def test_nat_egress_adds_a_nat_gateway_per_zone_and_nothing_that_routes_in(nat_app):
    template, _, _ = nat_app
    template.resource_count_is("AWS::EC2::InternetGateway", 1)
    template.resource_count_is("AWS::EC2::NatGateway", 3)
    template.resource_count_is("AWS::EC2::Subnet", 6)
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert sorted(s["Properties"]["AvailabilityZone"] for s in subnets.values()) == sorted(
        ["eu-west-1a", "eu-west-1b", "eu-west-1c"] * 2
    )
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in subnets.values())
    routes = template.find_resources("AWS::EC2::Route")
    # One default route per private table to its zone's NAT gateway, one from the public table out.
    assert sum("NatGatewayId" in r["Properties"] for r in routes.values()) == 3
    assert sum("GatewayId" in r["Properties"] for r in routes.values()) == 1
    # Retained by default: the construct's default removal policy.
    template.has_resource("AWS::EC2::VPC", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_nat_network_is_nag_and_lint_clean(nat_app):
    _, report, template_file = nat_app
    assert violations(report) == []
    result = cfn_lint([template_file])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_network_page_names_every_endpoint_of_the_catalog():
    text = (ROOT / "docs" / "network.md").read_text(encoding="utf-8")
    missing = [e.name for e in ENDPOINT_CATALOG if f"`{e.name}`" not in text]
    assert missing == []


def test_a_schema_error_in_create_does_not_hide_the_range_rules(env_dir):
    issues = dev_network(env_dir, "  create: {cidr: 10.20.0.1/16, subnet_prefix: 12, egress: open}\n")
    paths = {i.path for i in issues}
    assert {"network.create.subnet_prefix", "network.create.egress"} <= paths
    assert_issue(issues, "dev.yaml", "network.create.cidr", "bits set after its /16 prefix")
