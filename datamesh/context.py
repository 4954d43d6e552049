"""One environment of the mesh as the management application sees it: its account, region and
domain, taken from the same environments/ configuration the CDK app deploys, and the domain id
from the domain stack's output (never typed twice).

The application runs with the caller's tools-account credentials and assumes the
environment's management role (<org>-<env>-datamesh-admin | -readonly); the assumed credentials
refresh themselves, so a long-running console keeps working past the role's one-hour sessions."""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import ClientError

from datamesh.aws_access import CLI_CONFIG, CONSOLE_CONFIG, assume_role_refused
from datamesh.errors import MeshError, NotFound, did_you_mean, from_aws
from mesh_config import EnvironmentConfig, MeshConfig, load_mesh

ClientFactory = Callable[[str, str], Any]  # (service, region) -> client


def assumed_session(
    session: boto3.Session,
    role_arn: str,
    session_name: str,
    config: Config = CLI_CONFIG,
    region: str | None = None,
) -> boto3.Session:
    """A session on ``role_arn``'s credentials, assumed from ``session`` and refreshed before expiry,
    through STS in ``region`` (the environment's: a profile need not name a region)."""
    sts = session.client("sts", region_name=region or session.region_name, config=config)

    def fetch() -> dict[str, str]:
        try:
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
        except Exception as error:
            raise (assume_role_refused(error, role_arn) or from_aws(error, f"assuming {role_arn}")) from error
        return {
            "access_key": credentials["AccessKeyId"],
            "secret_key": credentials["SecretAccessKey"],
            "token": credentials["SessionToken"],
            "expiry_time": credentials["Expiration"].isoformat(),
        }

    core = botocore.session.get_session()
    core.set_default_client_config(config)
    # botocore's own refreshable credentials; boto3 has no public setter, hence the attribute.
    core._credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "assume-role")
    return boto3.Session(botocore_session=core, region_name=session.region_name)


def session_clients(profile: str | None, role_arn: str | None = None, config: Config = CLI_CONFIG) -> ClientFactory:
    """Clients of the caller's profile, or of ``role_arn`` assumed from it. Nothing is asked of AWS
    before the first client is made, so a page that can do without AWS opens without it."""
    # "profile": the profile's session; "acting": the assumed role's (or the profile's), kept once
    # made: a failed assumption is tried again on the next request, from the same profile session.
    opened: dict[str, boto3.Session] = {}

    def session(region: str) -> boto3.Session:
        if "profile" not in opened:
            core = botocore.session.Session(profile=profile)
            # Also bounds the clients botocore makes itself to resolve credentials (SSO, AssumeRole).
            core.set_default_client_config(config)
            opened["profile"] = boto3.Session(botocore_session=core)
        if "acting" not in opened:
            acting = opened["profile"]
            if role_arn is not None:
                acting = assumed_session(acting, role_arn, f"datamesh-{getpass.getuser()}"[:64], config, region)
            opened["acting"] = acting
        return opened["acting"]

    # Clients are thread-safe, a boto3 session is not: the console serves requests from a thread
    # pool, so clients are made once each, under a lock (boto3 guide, "Multithreading").
    made: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client(service: str, region: str) -> Any:
        with lock:
            if (service, region) not in made:
                try:
                    opened_now = session(region)
                    made_now = opened_now.client(service, region_name=region, config=config)
                    found = opened_now.get_credentials() is not None
                except MeshError:
                    raise
                except Exception as error:  # a profile gone from the config files, say
                    raise from_aws(error, f"opening AWS profile {profile or '(default)'}") from error
                if not found:
                    # Found none: the next request looks again (after `aws sso login`, say).
                    return made_now
                made[service, region] = made_now
            return made[service, region]

    return client


def console_clients(profile: str | None, role_arn: str | None = None) -> ClientFactory:
    """The console's clients: bounded so that a page answers within seconds (aws_access.py)."""
    return session_clients(profile, role_arn, CONSOLE_CONFIG)


def pick_environment(config: MeshConfig, name: str | None) -> EnvironmentConfig:
    """The named environment, or the first of the promotion order."""
    names = [e.name for e in config.environments]
    if name is None:
        return config.environments[0]
    if name not in names:
        raise NotFound(f"unknown environment '{name}': use one of {', '.join(names)}{did_you_mean(name, names)}")
    return config.environment(name)


def open_context(
    config: MeshConfig,
    env_name: str | None,
    clients_for: Callable[[str | None, str | None], ClientFactory],
    profile: str | None,
    assume: bool = True,
) -> MeshContext:
    """The environment's context, through its management role when the mesh has a tools account
    (``assume``) and with the profile's own credentials otherwise."""
    env = pick_environment(config, env_name)
    return MeshContext(config, env, clients_for(profile, acting_role(config, env, assume)))


def acting_role(config: MeshConfig, env: EnvironmentConfig, assume: bool) -> str | None:
    """The management role the application assumes in ``env``, None for the profile's own credentials."""
    return config.management_role_arn(env) if assume and config.tools_account(env) else None


@dataclass
class MeshContext:
    config: MeshConfig
    env: EnvironmentConfig
    clients: ClientFactory
    _outputs: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, mesh_dir: str, env_name: str | None, clients: ClientFactory) -> MeshContext:
        config = load_mesh(mesh_dir)
        return cls(config, pick_environment(config, env_name), clients)

    def client(self, service: str) -> Any:
        return self.clients(service, self.env.region)

    @property
    def datazone(self) -> Any:
        return self.client("datazone")

    @property
    def outputs(self) -> dict[str, str]:
        """The outputs of <org>-<env>-domain (DomainId, RootDomainUnitId, PortalUrl...)."""
        if self._outputs is None:
            stack = self.config.naming(self.env).stack("domain")
            try:
                stacks = self.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
            except Exception as error:
                missing = isinstance(error, ClientError) and "does not exist" in str(error)
                if missing:
                    where = f"account {self.env.account} ({self.env.region})"
                    raise NotFound(f"stack {stack} does not exist in {where}: is {self.env.name} deployed?") from error
                raise from_aws(error, f"reading the domain id of {self.env.name} from stack {stack}") from error
            self._outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
            if "DomainId" not in self._outputs:
                raise MeshError(f"stack {stack} has no DomainId output: is {self.env.name} deployed?")
        return self._outputs

    @property
    def domain_id(self) -> str:
        return self.outputs["DomainId"]

    @property
    def root_domain_unit_id(self) -> str:
        return self.outputs["RootDomainUnitId"]
