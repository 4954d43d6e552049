"""`datamesh export`: which domain, with which credentials, written where, and validated.

The domain is the environment's when the folder already holds a mesh (its account and region, the
domain id from the domain stack's DomainId output unless --domain-id names another; a --region or
--org other than the mesh's is refused, not ignored), else the one named by --domain-id and --region.
Over an existing mesh, the sections the export does not read are kept as they were (kept_sections.py).

The export reads with the caller's own credentials (--profile), not through the environment's
management role: it reads more than day-to-day operations need (unit owners, project profiles,
blueprint configurations, form models), and adopting a domain is a one-off administrator task,
so the management roles keep exactly the actions the services call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from datamesh.context import ClientFactory, MeshContext, pick_environment
from datamesh.errors import MeshError, NotFound
from datamesh.export.domain_reader import DomainReader
from datamesh.export.mesh_export import MESH_FILE, Target, Written, slug, write_export
from mesh_config import ConfigError, EnvironmentConfig, MeshConfig, load_mesh
from mesh_config.formats import SLUG_PATTERN, Region
from mesh_config.loader import read_mesh_text

DOMAIN_ID = re.compile(r"^dzd[-_][a-zA-Z0-9_-]{1,36}$")
REGION: TypeAdapter[str] = TypeAdapter(Region)
MAX_ORG = 20


@dataclass(frozen=True)
class ExportRequest:
    directory: Path
    env: str
    domain_id: str | None = None
    region: str | None = None
    org: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ExportOutcome:
    written: Written
    domain_id: str
    problems: ConfigError | None  # what the loader reports on the written folder


def _org_from(domain_name: str, env: str) -> str:
    """<org>-<env>-unified-domain gives its org back; any other name its first words."""
    words = slug(domain_name, "mesh").removesuffix("-unified-domain").removesuffix(f"-{env}")
    return words[:MAX_ORG].rstrip("-") or "mesh"


def _is_region(value: str) -> bool:
    try:
        REGION.validate_python(value)
    except ValidationError:
        return False
    return True


def _refuse_other_settings(request: ExportRequest, existing: MeshConfig, env: EnvironmentConfig) -> None:
    """An existing mesh fixes the region and the org: an option naming others would be ignored, so it is refused."""
    env_file = request.directory / f"{env.name}.yaml"
    if request.region is not None and request.region != env.region:
        raise MeshError(
            f"--region {request.region} differs from region {env.region} in {env_file}: the domain of an existing "
            "mesh is read in its environment's region; omit --region, or export into another folder"
        )
    if request.org is not None and request.org != existing.mesh.org:
        raise MeshError(
            f"--org {request.org} differs from org {existing.mesh.org} in {request.directory / MESH_FILE}: an "
            "existing mesh keeps its org; omit --org, or export into another folder"
        )


def _stack_domain_id(context: MeshContext, profile: str | None) -> str:
    """The environment's domain id from its domain stack, read with the caller's own credentials, which
    must therefore reach the environment's account."""
    try:
        return context.domain_id
    except NotFound:
        env = context.env
        stack = context.config.naming(env).stack("domain")
        # DescribeStacks sees the stacks of the credentials' own account and region only.
        who, they = (f"profile '{profile}'", "the profile") if profile else ("the default credentials", "they")
        raise NotFound(
            f"stack {stack}, which gives {env.name}'s domain id, was not found with {who}: {they} must reach "
            f"account {env.account} ({env.name}'s account, {env.region}), or give the domain with --domain-id"
        ) from None


def run_export(
    request: ExportRequest, clients_for: Callable[[str | None, str | None], ClientFactory], profile: str | None
) -> ExportOutcome:
    if not re.fullmatch(SLUG_PATTERN, request.env):
        raise MeshError(f"--env '{request.env}' is not a valid environment name (e.g. dev, prod-staging)")
    if request.region is not None and not _is_region(request.region):
        raise MeshError(f"--region '{request.region}' is not an AWS region name (e.g. eu-west-1)")
    if request.domain_id is not None and not DOMAIN_ID.match(request.domain_id):
        raise MeshError(f"--domain-id '{request.domain_id}' is not a domain id (dzd_ or dzd- and up to 36 characters)")
    clients = clients_for(profile, None)
    existing: MeshConfig | None = None
    existing_text: str | None = None
    if (request.directory / MESH_FILE).exists():
        existing = load_mesh(request.directory)
        existing_text = read_mesh_text(request.directory)
        env = pick_environment(existing, request.env)
        _refuse_other_settings(request, existing, env)
        region = env.region
        domain_id = request.domain_id or _stack_domain_id(MeshContext(existing, env, clients), profile)
    else:
        if request.domain_id is None or request.region is None:
            raise MeshError(
                f"{request.directory} holds no mesh ({MESH_FILE}): name the domain with --domain-id and --region"
            )
        region, domain_id = request.region, request.domain_id
    # Refused before anything is read: a long read should not end in "already exists".
    planned = [request.directory / MESH_FILE] + ([] if existing else [request.directory / f"{request.env}.yaml"])
    present = [str(p) for p in planned if p.exists()]
    if present and not request.force:
        raise MeshError(
            f"{', '.join(present)} already exist(s): commit first, then run again with --force and review the change "
            "with git diff"
        )
    snapshot = DomainReader(clients("datazone", region), domain_id).read()
    if existing is not None:
        env_config = existing.environment(request.env)
        if snapshot.domain.account and snapshot.domain.account != env_config.account:
            raise MeshError(
                f"domain {domain_id} is in account {snapshot.domain.account}, but environment {request.env} is "
                f"account {env_config.account}: export it into another folder"
            )
        target = Target(
            request.env,
            existing.mesh.org,
            env_config.short,
            env_config.account,
            existing,
            request.directory,
            existing_text,
        )
    else:
        org = request.org or _org_from(snapshot.domain.name, request.env)
        if not re.fullmatch(SLUG_PATTERN, org):
            raise MeshError(f"--org '{org}' is not a valid organisation name (lower-case words joined by '-')")
        target = Target(request.env, org, request.env, snapshot.domain.account, directory=request.directory)
    written = write_export(snapshot, target, request.directory)
    try:
        load_mesh(request.directory)
        problems = None
    except ConfigError as error:
        problems = error
    return ExportOutcome(written, domain_id, problems)
