"""A private VPC for SMUS projects: three private subnets, VPC endpoints, flow logs, and an
optional NAT gateway per zone. Nothing in it can be reached from the internet.

Written with the L1 resources rather than ec2.Vpc: the L2 reads the account's Availability
Zones through a context lookup, which needs AWS credentials at synth, and cannot place a subnet by
AZ ID. Here every range and zone comes from the props, so the template is the same on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge

HTTPS = 443
# A security group has an allow-all egress rule unless another is given: this one matches no
# traffic (the rule CDK itself writes for allowAllOutbound: false), so the endpoints' network
# interfaces answer requests but open no connection of their own.
_NO_EGRESS = ec2.CfnSecurityGroup.EgressProperty(
    ip_protocol="icmp", cidr_ip="255.255.255.255/32", from_port=252, to_port=86, description="Disallow all traffic"
)

_ZONE_NAMES_REASON = (
    "W3010 by design: the zones are the configuration's (network.create.availability_zones, default <region>a/b/c), "
    "written as given so that synth needs no AWS credentials and a subnet never moves to another zone; AZ IDs "
    "avoid the warning"
)


@dataclass(frozen=True)
class PrivateNetworkProps:
    """Props of :class:`PrivateNetwork`.

    ``name``: prefix of the resources' Name tags (<org>-<env>). ``cidr``: the VPC's range.
    ``zones``: the Availability Zones of the private subnets, in order; AZ IDs when
    ``zones_are_ids``, otherwise names. ``private_subnets``: one range per zone.
    ``public_subnets``: one range per zone for a NAT gateway each; empty (the default): no
    internet gateway, no public subnet, no route out of the VPC. ``interface_endpoints``:
    attribute names of ``ec2.InterfaceVpcEndpointAwsService`` (STS, GLUE, ...), one endpoint each
    in every private subnet; the S3 gateway endpoint is always there. ``removal_policy``: of the
    VPC, its subnets and the flow logs (what projects' network interfaces and audits depend on).
    ``flow_log_retention_days``: how long CloudWatch Logs keeps the flow logs (a value it accepts).
    """

    name: str
    cidr: str
    zones: Sequence[str]
    private_subnets: Sequence[str]
    zones_are_ids: bool = False
    public_subnets: Sequence[str] = field(default_factory=tuple)
    interface_endpoints: Sequence[str] = field(default_factory=tuple)
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    flow_log_retention_days: int = 365


class PrivateNetwork(Construct):
    """The VPC. ``vpc_id`` and ``subnet_ids`` (the private subnets, in zone order) are what the
    blueprints take; ``endpoint_security_group`` admits HTTPS from the VPC's range only."""

    def __init__(self, scope: Construct, construct_id: str, props: PrivateNetworkProps) -> None:
        super().__init__(scope, construct_id)
        if len(props.zones) != len(props.private_subnets):
            raise ValueError("PrivateNetworkProps: one private subnet per zone")
        if props.public_subnets and len(props.public_subnets) != len(props.zones):
            raise ValueError("PrivateNetworkProps: one public subnet per zone, or none")

        # DNS hostnames and resolution: interface endpoints answer the services' public names
        # with their private addresses only when both are on (PrivateLink, "Private DNS").
        self.vpc = ec2.CfnVPC(self, "Vpc", cidr_block=props.cidr, enable_dns_hostnames=True, enable_dns_support=True)
        self.vpc.apply_removal_policy(props.removal_policy)
        Tags.of(self.vpc).add("Name", f"{props.name}-vpc")
        self.vpc_id: str = self.vpc.ref

        self.private_subnets: list[ec2.CfnSubnet] = []
        self.private_route_tables: list[ec2.CfnRouteTable] = []
        for index, (zone, cidr) in enumerate(zip(props.zones, props.private_subnets, strict=True), start=1):
            subnet = self._subnet(f"Private{index}", cidr, zone, props)
            Tags.of(subnet).add("Name", f"{props.name}-private-{zone}")
            table = ec2.CfnRouteTable(self, f"Private{index}RouteTable", vpc_id=self.vpc_id)
            Tags.of(table).add("Name", f"{props.name}-private-{zone}")
            ec2.CfnSubnetRouteTableAssociation(
                self, f"Private{index}RouteTableAssociation", subnet_id=subnet.ref, route_table_id=table.ref
            )
            self.private_subnets.append(subnet)
            self.private_route_tables.append(table)
        self.subnet_ids: list[str] = [s.ref for s in self.private_subnets]

        self.nat_gateways: list[ec2.CfnNatGateway] = []
        if props.public_subnets:
            self._egress(props)

        # Free, and the projects' main traffic (their bucket, the data lake): never through a NAT.
        self.s3_endpoint = ec2.CfnVPCEndpoint(
            self,
            "S3Endpoint",
            vpc_id=self.vpc_id,
            service_name=ec2.GatewayVpcEndpointAwsService.S3.name,
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.ref for t in self.private_route_tables],
        )

        self.endpoint_security_group = ec2.CfnSecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc_id=self.vpc_id,
            group_description=f"{props.name} VPC endpoints: HTTPS from inside the VPC only",
            security_group_ingress=[
                ec2.CfnSecurityGroup.IngressProperty(
                    ip_protocol="tcp",
                    from_port=HTTPS,
                    to_port=HTTPS,
                    cidr_ip=props.cidr,
                    description="HTTPS from the VPC's own range",
                )
            ],
            security_group_egress=[_NO_EGRESS],
        )
        Tags.of(self.endpoint_security_group).add("Name", f"{props.name}-vpc-endpoints")
        self.interface_endpoints: dict[str, ec2.CfnVPCEndpoint] = {}
        for service in props.interface_endpoints:
            aws_service: ec2.InterfaceVpcEndpointAwsService = getattr(ec2.InterfaceVpcEndpointAwsService, service)
            self.interface_endpoints[service] = ec2.CfnVPCEndpoint(
                self,
                f"Endpoint{service.title().replace('_', '')}",
                vpc_id=self.vpc_id,
                service_name=aws_service.name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[self.endpoint_security_group.attr_group_id],
            )

        self.flow_log_group, self.flow_log = self._flow_logs(props)

    def _subnet(self, construct_id: str, cidr: str, zone: str, props: PrivateNetworkProps) -> ec2.CfnSubnet:
        placement = {"availability_zone_id": zone} if props.zones_are_ids else {"availability_zone": zone}
        subnet = ec2.CfnSubnet(
            self, construct_id, vpc_id=self.vpc_id, cidr_block=cidr, map_public_ip_on_launch=False, **placement
        )
        subnet.apply_removal_policy(props.removal_policy)
        if not props.zones_are_ids:
            # cfn-lint reads the template, whoever runs it: the ignore is written into it.
            subnet.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3010"]}})
            acknowledge(subnet, _ZONE_NAMES_REASON, "CloudFormation-Validate::W3010")
        return subnet

    def _egress(self, props: PrivateNetworkProps) -> None:
        """A NAT gateway per zone, so that a zone's outage leaves the others their way out. The
        internet gateway serves only the NAT gateways' public subnets: nothing routes in to the
        private ones, and the public subnets give no public address to anything placed there."""
        gateway = ec2.CfnInternetGateway(self, "InternetGateway")
        Tags.of(gateway).add("Name", f"{props.name}-igw")
        attachment = ec2.CfnVPCGatewayAttachment(
            self, "InternetGatewayAttachment", vpc_id=self.vpc_id, internet_gateway_id=gateway.ref
        )
        public_table = ec2.CfnRouteTable(self, "PublicRouteTable", vpc_id=self.vpc_id)
        Tags.of(public_table).add("Name", f"{props.name}-public")
        to_internet = ec2.CfnRoute(
            self,
            "PublicDefaultRoute",
            route_table_id=public_table.ref,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.ref,
        )
        to_internet.node.add_dependency(attachment)
        for index, (zone, cidr) in enumerate(zip(props.zones, props.public_subnets, strict=True), start=1):
            subnet = self._subnet(f"Public{index}", cidr, zone, props)
            Tags.of(subnet).add("Name", f"{props.name}-public-{zone}")
            ec2.CfnSubnetRouteTableAssociation(
                self, f"Public{index}RouteTableAssociation", subnet_id=subnet.ref, route_table_id=public_table.ref
            )
            address = ec2.CfnEIP(self, f"Nat{index}Address", domain="vpc")
            address.node.add_dependency(attachment)
            nat = ec2.CfnNatGateway(self, f"Nat{index}", subnet_id=subnet.ref, allocation_id=address.attr_allocation_id)
            Tags.of(nat).add("Name", f"{props.name}-nat-{zone}")
            ec2.CfnRoute(
                self,
                f"Private{index}DefaultRoute",
                route_table_id=self.private_route_tables[index - 1].ref,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.ref,
            )
            self.nat_gateways.append(nat)

    def _flow_logs(self, props: PrivateNetworkProps) -> tuple[logs.CfnLogGroup, ec2.CfnFlowLog]:
        """Every accepted and rejected flow of the VPC into CloudWatch Logs (VPC User Guide, "Publish
        flow logs to CloudWatch Logs": the role the service assumes, scoped to the one log group)."""
        stack = Stack.of(self)
        group = logs.CfnLogGroup(self, "FlowLogs", retention_in_days=props.flow_log_retention_days)
        group.apply_removal_policy(props.removal_policy)
        role = iam.Role(
            self,
            "FlowLogsRole",
            description=f"{props.name}: VPC flow logs delivery into their log group",
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                # Confused-deputy guard from the same page: only this account's flow logs.
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
                    },
                },
            ),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[group.attr_arn],
            )
        )
        flow_log = ec2.CfnFlowLog(
            self,
            "FlowLog",
            resource_id=self.vpc_id,
            resource_type="VPC",
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.attr_arn,
            deliver_logs_permission_arn=role.role_arn,
        )
        # The flow log is created only once its role may write.
        flow_log.node.add_dependency(role.node.find_child("DefaultPolicy"))
        return group, flow_log
