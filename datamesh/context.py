"""One environment of the mesh as the management application sees it: its account, region and
domain, taken from the same environments/ configuration the CDK app deploys, and the domain id
from the domain stack's output (never typed twice)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from datamesh.errors import MeshError, from_aws
from mesh_config import EnvironmentConfig, MeshConfig, load_mesh

# Standard mode retries throttling with jittered backoff before an error reaches the caller.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
ClientFactory = Callable[[str, str], Any]  # (service, region) -> client


def session_clients(profile: str | None) -> ClientFactory:
    session = boto3.Session(profile_name=profile)

    def client(service: str, region: str) -> Any:
        return session.client(service, region_name=region, config=CLIENT_CONFIG)

    return client


@dataclass
class MeshContext:
    config: MeshConfig
    env: EnvironmentConfig
    clients: ClientFactory
    _domain_id: str | None = field(default=None, repr=False)

    @classmethod
    def load(cls, mesh_dir: str, env_name: str | None, clients: ClientFactory) -> MeshContext:
        config = load_mesh(mesh_dir)
        names = [e.name for e in config.environments]
        name = env_name or names[0]
        if name not in names:
            raise MeshError(f"unknown environment '{name}': use one of {', '.join(names)}")
        return cls(config, config.environment(name), clients)

    def client(self, service: str) -> Any:
        return self.clients(service, self.env.region)

    @property
    def datazone(self) -> Any:
        return self.client("datazone")

    @property
    def domain_id(self) -> str:
        """The domain id, from the ``DomainId`` output of <org>-<env>-domain."""
        if self._domain_id is None:
            stack = self.config.naming(self.env).stack("domain")
            try:
                stacks = self.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
            except Exception as error:
                raise from_aws(error, f"reading the domain id of {self.env.name} from stack {stack}") from error
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
            if "DomainId" not in outputs:
                raise MeshError(f"stack {stack} has no DomainId output: is {self.env.name} deployed?")
            self._domain_id = outputs["DomainId"]
        return self._domain_id
