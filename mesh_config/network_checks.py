"""Rules on an environment's network the model alone cannot see: one form (a named VPC or a created
one), and for a created VPC a range AWS accepts that holds three subnets in three distinct zones of
the environment's region, apart from the other environments' created VPCs."""

from __future__ import annotations

import ipaddress
from itertools import combinations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.network import (
    AZ_ID,
    AZ_NAME,
    LARGEST_PREFIX,
    PRIVATE_RANGES,
    PUBLIC_SUBNET_PREFIX,
    SMALLEST_PREFIX,
    ZONES,
    CreatedNetwork,
    Egress,
    Endpoints,
    zone_id_prefix,
)
from mesh_config.regions import region_problem
from mesh_config.yaml_source import YamlDocument

_CREATE = ("network", "create")


def check_network_form(env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    """Exactly one of the two forms, each complete."""
    network = env.network
    named = network.vpc_id is not None or bool(network.subnet_ids)
    if network.create is not None and named:
        given = " and ".join(k for k in ("vpc_id", "subnet_ids") if getattr(network, k))
        return [
            doc.issue(
                ("network",),
                f"network has both create and {given}: the mesh would not know whether to create a VPC or use yours",
                "keep create to let the mesh create the VPC, or remove it to keep naming an existing VPC "
                "with vpc_id and subnet_ids",
            )
        ]
    if network.create is not None:
        return check_created_network(network.create, env.region, doc)
    if network.vpc_id is None and not network.subnet_ids:
        return [
            doc.issue(
                ("network",),
                "network names no VPC and does not ask for one",
                "name the projects' VPC with vpc_id and subnet_ids (one private subnet per Availability Zone), or "
                "let the mesh create one: network: {create: {cidr: 10.20.0.0/16}} (docs/network.md)",
            )
        ]
    if network.vpc_id is None:
        return [
            doc.issue(
                ("network", "subnet_ids"),
                "subnet_ids are given without the vpc_id they belong to",
                "add vpc_id: the VPC of these subnets",
            )
        ]
    if not network.subnet_ids:
        return [
            doc.issue(
                ("network", "vpc_id"),
                "vpc_id is given without subnet_ids: the blueprints need the private subnets to place projects in",
                "add subnet_ids: the VPC's private subnets, one per Availability Zone (three with RedshiftServerless)",
            )
        ]
    return []


def check_created_network(create: CreatedNetwork, region: str, doc: YamlDocument) -> list[ConfigIssue]:
    return [*_range_issues(create, doc), *_zone_issues(create, region, doc), *_egress_issues(create, doc)]


def _range_issues(create: CreatedNetwork, doc: YamlDocument) -> list[ConfigIssue]:
    path = (*_CREATE, "cidr")
    try:
        network = ipaddress.IPv4Network(create.cidr, strict=False)
    except ValueError as e:
        return [doc.issue(path, f"'{create.cidr}' is not an IPv4 range: {e}", "write it as 10.20.0.0/16")]
    issues = []
    if str(network) != create.cidr:
        issues.append(
            doc.issue(
                path,
                f"'{create.cidr}' has bits set after its /{network.prefixlen} prefix: AWS refuses such a VPC range",
                f"write the range's first address: {network}",
            )
        )
    if not LARGEST_PREFIX <= network.prefixlen <= SMALLEST_PREFIX:
        issues.append(
            doc.issue(
                path,
                f"a VPC range is /{LARGEST_PREFIX} to /{SMALLEST_PREFIX} (AWS VPC limits); '{create.cidr}' is "
                f"/{network.prefixlen}",
                f"choose a prefix from /{LARGEST_PREFIX} to /{SMALLEST_PREFIX}, e.g. {network.network_address}/"
                f"{max(LARGEST_PREFIX, min(network.prefixlen, 20))}",
            )
        )
        return issues
    if not any(network.subnet_of(r) for r in PRIVATE_RANGES):
        issues.append(
            doc.issue(
                path,
                f"'{create.cidr}' is not a private range: the VPC would hide the internet addresses it overlaps",
                "choose a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10",
            )
        )
    prefix = create.private_prefix
    if prefix > SMALLEST_PREFIX or prefix < network.prefixlen or 2 ** (prefix - network.prefixlen) < ZONES:
        issues.append(
            doc.issue(
                (*_CREATE, "subnet_prefix") if create.subnet_prefix is not None else path,
                f"three /{prefix} private subnets do not fit in the /{network.prefixlen} VPC {network}"
                + (f" (AWS's smallest subnet is /{SMALLEST_PREFIX})" if prefix > SMALLEST_PREFIX else ""),
                f"give the VPC a larger range (a prefix of /{min(prefix, SMALLEST_PREFIX) - 2} or less)"
                if prefix > SMALLEST_PREFIX
                else f"set subnet_prefix to /{network.prefixlen + 2} or more (smaller subnets), or give the VPC a "
                f"larger range (a prefix of /{prefix - 2} or less)",
            )
        )
        return issues
    if create.egress is Egress.NAT_GATEWAY:
        public = create.public_subnets()
        if public[-1].broadcast_address > network.broadcast_address:
            issues.append(
                doc.issue(
                    (*_CREATE, "subnet_prefix") if create.subnet_prefix is not None else path,
                    f"with egress: nat_gateway the VPC also holds three /{PUBLIC_SUBNET_PREFIX} public subnets after "
                    f"the private ones, and {network} has no room left after three /{prefix} subnets",
                    "choose a larger subnet_prefix (smaller private subnets) or a larger VPC range",
                )
            )
    return issues


def _zone_issues(create: CreatedNetwork, region: str, doc: YamlDocument) -> list[ConfigIssue]:
    if create.availability_zones is None:
        return []
    path = (*_CREATE, "availability_zones")
    zones = create.availability_zones
    issues = []
    if len({z.lower() for z in zones}) != len(zones):
        issues.append(
            doc.issue(
                path,
                f"availability_zones lists a zone twice ({', '.join(zones)}): Redshift Serverless needs subnets in "
                f"{ZONES} distinct zones",
                f"list {ZONES} different zones of {region}",
            )
        )
    ids = [bool(AZ_ID.match(z)) for z in zones]
    if any(ids) and not all(ids):
        issues.append(
            doc.issue(
                path,
                "availability_zones mixes AZ IDs (euw1-az1) and zone names (eu-west-1a): a name maps to a different "
                "zone in each account, so a name and an ID may be the same zone",
                "use AZ IDs only (recommended: the same zones in every account) or names only",
            )
        )
    if region_problem(region) is not None:
        return issues  # the region is reported; its zones cannot be checked against it
    expected_id = zone_id_prefix(region)
    for index, zone in enumerate(zones):
        name, zone_id = AZ_NAME.match(zone), AZ_ID.match(zone)
        if name is not None and name["region"] != region:
            issues.append(
                doc.issue(
                    (*path, index),
                    f"zone '{zone}' is in {name['region']}, not in the environment's region {region}",
                    f"use a zone of {region}, e.g. {region}{'abc'[index]}",
                )
            )
        if zone_id is not None and zone_id["region"] != expected_id:
            issues.append(
                doc.issue(
                    (*path, index),
                    f"AZ ID '{zone}' is not of the environment's region {region}, whose AZ IDs start with "
                    f"{expected_id}-",
                    f"use an AZ ID of {region}, e.g. {expected_id}-az{index + 1} (EC2 console > Settings > Zones, or "
                    "aws ec2 describe-availability-zones)",
                )
            )
    return issues


def _egress_issues(create: CreatedNetwork, doc: YamlDocument) -> list[ConfigIssue]:
    if create.endpoints is Endpoints.NONE and create.egress is Egress.NONE:
        return [
            doc.issue(
                (*_CREATE, "endpoints"),
                "endpoints: none with egress: none leaves the projects no way to any AWS service but S3",
                "keep endpoints: blueprints (the default), or add egress: nat_gateway",
            )
        ]
    return []


def check_network_overlaps(envs: list[tuple[EnvironmentConfig, YamlDocument]]) -> list[ConfigIssue]:
    """Created VPCs apart from each other, so that they can later be peered or attached to one
    transit gateway (a named VPC's range is not known offline)."""
    created = []
    for env, doc in envs:
        create = env.network.create
        if create is None:
            continue
        try:
            created.append((env, doc, ipaddress.IPv4Network(create.cidr, strict=False)))
        except ValueError:
            continue  # reported by check_created_network
    issues = []
    for (first, _, a), (second, doc, b) in combinations(created, 2):
        if a.overlaps(b):
            issues.append(
                doc.issue(
                    (*_CREATE, "cidr"),
                    f"the VPC range {b} of '{second.name}' overlaps {a} of '{first.name}': the two networks could "
                    "never be peered or routed to each other",
                    f"choose a range apart from {a}, e.g. {_next_range(a, b.prefixlen)}",
                )
            )
    return issues


def _next_range(taken: ipaddress.IPv4Network, prefix: int) -> ipaddress.IPv4Network:
    """The first /prefix range after ``taken`` (aligned to its own size)."""
    size = 2 ** (32 - prefix)
    start = -(-(int(taken.broadcast_address) + 1) // size) * size
    return ipaddress.IPv4Network((start % 2**32, prefix))
