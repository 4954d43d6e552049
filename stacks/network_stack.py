"""<org>-<env>-network: the VPC of an environment whose network.create asks the mesh for one.

Beside the foundation stack, at the first level of the environment's deployment: the domain stack
(which already waits for the foundation) reads the VPC and subnet ids from it, so the environment's
chain of deployments gets no longer. A stack of its own rather than part of the foundation: the
VPC's lifetime is not the buckets', and a network team can read, review and protect it alone.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.network import interface_endpoints, uses_zone_ids
from mesh_constructs.private_network import PrivateNetwork, PrivateNetworkProps
from stacks.removal import stateful_removal_policy


def has_network_stack(env_config: EnvironmentConfig) -> bool:
    return env_config.network.create is not None


class NetworkStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        create = env_config.network.create
        assert create is not None  # has_network_stack
        naming = config.naming(env_config)
        zones = create.zones(env_config.region)
        self.network = PrivateNetwork(
            self,
            "Network",
            PrivateNetworkProps(
                name=f"{naming.org}-{naming.env}",
                cidr=create.cidr,
                zones=zones,
                zones_are_ids=uses_zone_ids(zones),
                private_subnets=[str(s) for s in create.private_subnets()],
                public_subnets=[str(s) for s in create.public_subnets()],
                interface_endpoints=[e.service for e in interface_endpoints(create, config.blueprints_in(env_config))],
                # The VPC holds no data, but the projects' network interfaces live in its subnets:
                # retained like the domain, so that no configuration change deletes it under them.
                removal_policy=stateful_removal_policy(env_config),
            ),
        )
        self.vpc_id = self.network.vpc_id
        self.subnet_ids = self.network.subnet_ids
        CfnOutput(self, "VpcId", value=self.vpc_id, description="the VPC of the environment's projects")
        CfnOutput(self, "SubnetIds", value=Fn.join(",", self.subnet_ids), description="its private subnets")
