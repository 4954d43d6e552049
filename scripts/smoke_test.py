"""Post-deploy smoke test of one environment of the mesh (SageMaker Unified Studio, DataZone V2).

Run by the pipeline's CodeBuild step after each environment deploys, from the repository root::

    python -m scripts.smoke_test --mesh-dir environments --environment dev \\
        [--domain-id dzd_abc123] [--role-arn arn:aws:iam::111122223333:role/acme-dev-smus-smoke-test]

What is expected (domain name, domain units, stacks and the projects in each) is computed from
the mesh configuration by the same code that synthesized the stacks, so nothing is passed
through long environment variables. ``--domain-id`` and ``--role-arn`` fall back to the
``DOMAIN_ID`` and ``SMOKE_TEST_ROLE_ARN`` environment variables (the pipeline passes the
domain stack's output).

DataZone authorization is separate from IAM: ``ListProjects`` answers for the caller's own
DataZone identity, and the smoke-test role is no project member, so projects are verified
through CloudFormation, which created them (stack status and each ``AWS::DataZone::Project``
resource), and the domain and its unit tree through ``GetDomain`` and
``ListDomainUnitsForParent``, which the role's IAM policy allows on its domain.

The account's Lake Formation settings are read back with ``GetDataLakeSettings``: every
administrator and read-only administrator the mesh writes is there, and so are its parameters
(CROSS_ACCOUNT_VERSION where the environment produces shares). Another writer of the settings
(DataZone, the organisation, an old deployment) could have replaced them after the deploy.

The account baseline (``<org>-<env>-baseline``, issue 25): its stack's status, its
``Custom::AccountBaseline`` created, and the two account-wide settings that resource keeps on, read
back: S3 Block Public Access at account level (all four flags, S3 Control GetPublicAccessBlock)
and EBS encryption by default (GetEbsEncryptionByDefault, regional). Anyone with the rights can
switch either off after the deploy (the handler does not watch them), so the check is worth it.
GuardDuty, Security Hub, Access Analyzer and Config are checked by their stack's status only: each
is an ordinary CloudFormation resource, and reading their state needs wider read rights.

Exit code 0 when every check passes, 1 when any fails (or the configuration is invalid),
2 on bad usage (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mesh_config import ConfigError, MeshConfig, load_mesh
from mesh_config.account_parts import account_parts, has_baseline_stack
from mesh_config.data_products import asset_name
from mesh_config.naming import cloudformation_execution_role_name
from mesh_config.organization import BaselinePart
from mesh_config.placement import has_governance_stack
from mesh_config.regions import partition_of

# The pipeline hits several environments back to back; standard mode retries
# ThrottlingException with backoff instead of failing the deploy on a transient 429.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
ROLE_SESSION_NAME = "smus-smoke-test"
# Keeps a FAIL line readable when a domain holds many units/projects.
MAX_NAMES_SHOWN = 20
# A stack that finished its last operation successfully; anything else (in progress, failed,
# rolled back) means the environment is not what the configuration describes.
HEALTHY_STACK_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
HEALTHY_RESOURCE_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
PROJECT_RESOURCE_TYPES = frozenset({"AWS::DataZone::Project"})
# The governance stack's custom resources: created means the handler reconciled them.
GOVERNANCE_RESOURCE_TYPES = frozenset({"Custom::DataZoneGlossary", "Custom::DataZoneFormType"})
# Data products: the catalogs' databases, the products stacks' tables (a healthy products stack
# also means its data-source run imported and published them), and the subscriptions.
CATALOG_RESOURCE_TYPES = frozenset({"AWS::Glue::Database"})
PRODUCT_RESOURCE_TYPES = frozenset({"AWS::Glue::Table"})
SUBSCRIPTION_RESOURCE_TYPES = frozenset({"Custom::DataZoneSubscription"})
ACCOUNT_BASELINE_RESOURCE_TYPES = frozenset({"Custom::AccountBaseline"})
# The account baseline's construct id (stacks/baseline_stack.py): the name the check shows.
ACCOUNT_BASELINE = "AccountBaseline"
# What the account baseline's handler sets (mesh_constructs/handlers/account_baseline.py).
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
NO_PUBLIC_ACCESS_BLOCK = "NoSuchPublicAccessBlockConfiguration"
RESOURCE_NOUNS = {
    PROJECT_RESOURCE_TYPES: "projects",
    GOVERNANCE_RESOURCE_TYPES: "glossaries and forms",
    CATALOG_RESOURCE_TYPES: "catalog databases",
    PRODUCT_RESOURCE_TYPES: "tables",
    SUBSCRIPTION_RESOURCE_TYPES: "subscriptions",
    ACCOUNT_BASELINE_RESOURCE_TYPES: "account baselines",
}

ClientFactory = Callable[[str, str, Mapping[str, str] | None], Any]


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class LakeFormationExpected:
    """What the mesh writes into the account's Lake Formation settings (the domain stack's
    ``LakeFormationSettings``): principals that must be there, and parameter values."""

    admins: tuple[str, ...]
    read_only_admins: tuple[str, ...] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """What one deployed environment must contain. ``stacks``: stack name -> names of the
    resources it must have created: projects, or the glossaries and forms of the governance
    stack (empty for the foundation and domain stacks)."""

    region: str
    domain_name: str
    units: tuple[str, ...] = field(default_factory=tuple)
    stacks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Stack name -> the resource types its names are counted among (default: projects).
    resource_types: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # None: the settings are not checked.
    lake_formation: LakeFormationExpected | None = None
    # The account whose S3 Block Public Access and EBS default encryption are read back; None: the
    # environment's baseline does not own them (organization.owns, or an earlier environment's account).
    account_settings: str | None = None


def expected_for(config: MeshConfig, environment: str) -> Expected:
    """Everything the stacks of ``environment`` create that this test can observe."""
    env = config.environment(environment)
    naming = config.naming(env)
    stacks: dict[str, tuple[str, ...]] = {naming.stack("foundation"): (), naming.stack("domain"): ()}
    for part, projects in config.project_stacks(env).items():
        stacks[naming.stack(part)] = tuple(naming.project(p.domain_unit, p.use_case) for p in projects)
    # layout.membership_stacks: the members stacks' status (memberships have no name to count).
    stacks |= {naming.stack(part): () for part in config.membership_stacks(env)}
    resource_types: dict[str, frozenset[str]] = {}
    if has_governance_stack(config.mesh):
        governance = naming.stack("governance")
        glossaries = [naming.glossary(g.scope) for g in config.mesh.glossaries]
        stacks[governance] = (*glossaries, *(f.name for f in config.mesh.metadata_forms))
        resource_types[governance] = GOVERNANCE_RESOURCE_TYPES
    if config.catalogs_in(env):
        stacks[naming.stack("catalogs")] = ()
        for part, catalogs in config.catalog_stacks(env).items():
            stacks[naming.stack(part)] = tuple(naming.catalog_database(c.business_unit, c.database) for c in catalogs)
            resource_types[naming.stack(part)] = CATALOG_RESOURCE_TYPES
        for part, products in config.product_stacks(env).items():
            tables = [asset_name(c.business_unit, t) for c, producer in products for t in c.tables_of(producer)]
            stacks[naming.stack(part)] = tuple(tables)
            resource_types[naming.stack(part)] = PRODUCT_RESOURCE_TYPES
    for part, subscriptions in config.subscription_stacks(env).items():
        stacks[naming.stack(part)] = tuple(f"{s.consumer} -> {s.target}" for s in subscriptions)
        resource_types[naming.stack(part)] = SUBSCRIPTION_RESOURCE_TYPES
    owns_settings = BaselinePart.ACCOUNT_BASELINE in account_parts(config, env)
    if has_baseline_stack(config, env):
        stacks[naming.stack("baseline")] = (ACCOUNT_BASELINE,) if owns_settings else ()
        if owns_settings:
            resource_types[naming.stack("baseline")] = ACCOUNT_BASELINE_RESOURCE_TYPES
    return Expected(
        region=env.region,
        domain_name=naming.domain(),
        units=tuple(naming.domain_unit(u.id) for u in config.mesh.domain_units),
        stacks=stacks,
        resource_types=resource_types,
        lake_formation=lake_formation_expected(config, environment),
        account_settings=env.account if owns_settings else None,
    )


def lake_formation_expected(config: MeshConfig, environment: str) -> LakeFormationExpected:
    """What stacks/domain_stack.py (``_lake_formation_settings``) declares, from the same config."""
    env = config.environment(environment)
    naming = config.naming(env)

    def role(name: str) -> str:
        return f"arn:{partition_of(env.region)}:iam::{env.account}:role/{name}"

    return LakeFormationExpected(
        admins=(
            role(cloudformation_execution_role_name(env.account, env.region)),
            role(naming.lake_formation_grants_role()),
        ),
        read_only_admins=(config.management_role_arn(env),) if config.tools_account(env) else (),
        parameters={"CROSS_ACCOUNT_VERSION": "4"} if config.shares_produced_by(env) else {},
    )


def describe_error(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code', 'Unknown')}: {err.get('Message', str(error))}"
    # BotoCoreError (no credentials, endpoint unreachable, ...) carries no error code.
    return f"{type(error).__name__}: {error}"


def _format_names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:MAX_NAMES_SHOWN])
    extra = len(names) - MAX_NAMES_SHOWN
    return f"{shown}, ... (+{extra} more)" if extra > 0 else shown or "none"


def _paginate(client: Any, method: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Yield every item of a list operation through its paginator."""
    if client.can_paginate(method):
        for page in client.get_paginator(method).paginate(**kwargs):
            yield from page.get(key, [])
        return
    # Older botocore releases may ship an operation before its paginator definition.
    call = getattr(client, method)
    token: str | None = None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return


def list_unit_names(client: Any, domain_id: str, root_unit_id: str) -> list[str]:
    """Names of every domain unit below the root, at any depth."""
    names: list[str] = []
    # Iterative breadth-first walk so a deep tree cannot hit the recursion limit;
    # ``seen`` guards against the service ever returning a unit under two parents.
    pending = deque([root_unit_id])
    seen = {root_unit_id}
    while pending:
        parent = pending.popleft()
        for unit in _paginate(
            client,
            "list_domain_units_for_parent",
            "items",
            domainIdentifier=domain_id,
            parentDomainUnitIdentifier=parent,
        ):
            names.append(unit["name"])
            if unit["id"] not in seen:
                seen.add(unit["id"])
                pending.append(unit["id"])
    return names


def _presence_check(name: str, kind: str, expected: Sequence[str], found: Sequence[str]) -> CheckResult:
    found_set = set(found)
    missing = [n for n in expected if n not in found_set]
    found_sorted = sorted(found_set)
    if missing:
        return CheckResult(
            name,
            False,
            f"missing {len(missing)} of {len(expected)} expected {kind}: {_format_names(missing)}; "
            f"found {len(found_sorted)}: {_format_names(found_sorted)}",
        )
    return CheckResult(
        name,
        True,
        f"all {len(expected)} expected {kind} present (found {len(found_sorted)}: {_format_names(found_sorted)})",
    )


def check_domain(datazone: Any, domain_id: str, expected: Expected) -> list[CheckResult]:
    results: list[CheckResult] = []
    try:
        domain = datazone.get_domain(identifier=domain_id)
    except (ClientError, BotoCoreError) as error:
        return [
            CheckResult("domain", False, f"GetDomain({domain_id}) failed: {describe_error(error)}"),
            # Without the root unit there is no tree to walk; still a FAIL so the step cannot pass silently.
            CheckResult("domain units", False, "not checked: root domain unit id unknown"),
        ]
    status = domain.get("status")
    results.append(CheckResult("domain status", status == "AVAILABLE", f"expected 'AVAILABLE', found {status!r}"))
    name = domain.get("name")
    results.append(
        CheckResult("domain name", name == expected.domain_name, f"expected {expected.domain_name!r}, found {name!r}")
    )
    try:
        unit_names = list_unit_names(datazone, domain_id, domain["rootDomainUnitId"])
    except (ClientError, BotoCoreError) as error:
        results.append(CheckResult("domain units", False, f"ListDomainUnitsForParent failed: {describe_error(error)}"))
    else:
        results.append(_presence_check("domain units", "units", expected.units, unit_names))
    return results


def check_stack(
    cloudformation: Any,
    stack_name: str,
    projects: Sequence[str],
    resource_types: frozenset[str] = PROJECT_RESOURCE_TYPES,
) -> CheckResult:
    """The stack finished its last operation, and so did each of its ``projects`` (or other
    resources of ``resource_types``)."""
    noun = RESOURCE_NOUNS[resource_types]
    check = f"stack {stack_name}"
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        return CheckResult(check, False, f"DescribeStacks failed: {describe_error(error)}")
    status = stacks[0]["StackStatus"]
    if status not in HEALTHY_STACK_STATUSES:
        reason = stacks[0].get("StackStatusReason")
        return CheckResult(check, False, f"status {status}" + (f" ({reason})" if reason else ""))
    if not projects:
        return CheckResult(check, True, f"status {status}")
    try:
        resources = [
            r
            for r in _paginate(cloudformation, "list_stack_resources", "StackResourceSummaries", StackName=stack_name)
            if r["ResourceType"] in resource_types
        ]
    except (ClientError, BotoCoreError) as error:
        return CheckResult(check, False, f"ListStackResources failed: {describe_error(error)}")
    created = [r for r in resources if r["ResourceStatus"] in HEALTHY_RESOURCE_STATUSES and r.get("PhysicalResourceId")]
    if len(created) != len(projects):
        unhealthy = [f"{r['LogicalResourceId']} {r['ResourceStatus']}" for r in resources if r not in created]
        return CheckResult(
            check,
            False,
            f"status {status}, but {len(created)} of {len(projects)} expected {noun} are created "
            f"(expected: {_format_names(list(projects))}; not created: {_format_names(unhealthy)})",
        )
    return CheckResult(check, True, f"status {status}; {len(projects)} {noun} created: {_format_names(list(projects))}")


def check_lake_formation(lakeformation: Any, expected: LakeFormationExpected) -> list[CheckResult]:
    """The account's data-lake settings hold what the mesh wrote: its administrators, read-only
    administrators (a full administrator also counts: it can read everything) and parameters."""
    try:
        settings = lakeformation.get_data_lake_settings()["DataLakeSettings"]
    except (ClientError, BotoCoreError) as error:
        return [CheckResult("lake formation settings", False, f"GetDataLakeSettings failed: {describe_error(error)}")]
    admins = [p["DataLakePrincipalIdentifier"] for p in settings.get("DataLakeAdmins", [])]
    read_only = [p["DataLakePrincipalIdentifier"] for p in settings.get("ReadOnlyAdmins", [])]
    results = [_presence_check("lake formation admins", "administrators", expected.admins, admins)]
    if expected.read_only_admins:
        found = read_only + admins
        results.append(
            _presence_check(
                "lake formation read-only admins", "read-only administrators", expected.read_only_admins, found
            )
        )
    parameters = settings.get("Parameters", {})
    for name, value in sorted(expected.parameters.items()):
        found = parameters.get(name)
        results.append(CheckResult(f"lake formation {name}", found == value, f"expected {value!r}, found {found!r}"))
    return results


def check_account_settings(s3control: Any, ec2: Any, account: str) -> list[CheckResult]:
    """The account-wide settings the account baseline keeps on are still on."""
    results: list[CheckResult] = []
    name = "s3 account public access block"
    try:
        flags = s3control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == NO_PUBLIC_ACCESS_BLOCK:
            results.append(CheckResult(name, False, f"account {account} has no Block Public Access configuration"))
        else:
            results.append(CheckResult(name, False, f"GetPublicAccessBlock failed: {describe_error(error)}"))
    except BotoCoreError as error:
        results.append(CheckResult(name, False, f"GetPublicAccessBlock failed: {describe_error(error)}"))
    else:
        off = [f for f in PUBLIC_ACCESS_FLAGS if flags.get(f) is not True]
        detail = f"off: {', '.join(off)} (expected all four on)" if off else "all four flags on"
        results.append(CheckResult(name, not off, detail))
    name = "ebs encryption by default"
    try:
        enabled = ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    except (ClientError, BotoCoreError) as error:
        results.append(CheckResult(name, False, f"GetEbsEncryptionByDefault failed: {describe_error(error)}"))
    else:
        results.append(CheckResult(name, enabled is True, f"expected on, found {'on' if enabled else 'off'}"))
    return results


def run_checks(
    datazone: Any,
    cloudformation: Any,
    domain_id: str,
    expected: Expected,
    lakeformation: Any = None,
    s3control: Any = None,
    ec2: Any = None,
) -> list[CheckResult]:
    """Run every check and return all results; AWS errors become FAIL results, never exceptions.
    ``lakeformation``: the client the settings are read with (when ``expected`` has some);
    ``s3control`` and ``ec2``: the account settings' (when ``expected.account_settings``)."""
    if expected.lake_formation is not None and lakeformation is None:
        raise ValueError("expected Lake Formation settings but no lakeformation client")
    if expected.account_settings is not None and (s3control is None or ec2 is None):
        raise ValueError("expected account settings but no s3control or ec2 client")
    results = check_domain(datazone, domain_id, expected)
    # Independent of GetDomain: a failure there should not hide what CloudFormation says.
    for stack_name, names in expected.stacks.items():
        types = expected.resource_types.get(stack_name, PROJECT_RESOURCE_TYPES)
        results.append(check_stack(cloudformation, stack_name, names, types))
    if expected.lake_formation is not None:
        results += check_lake_formation(lakeformation, expected.lake_formation)
    if expected.account_settings is not None:
        results += check_account_settings(s3control, ec2, expected.account_settings)
    return results


def default_client_factory(service: str, region: str, credentials: Mapping[str, str] | None) -> Any:
    keys: dict[str, str] = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    return boto3.client(service, region_name=region, config=CLIENT_CONFIG, **keys)


def _env(name: str) -> str | None:
    # CodeBuild exports unset pipeline variables as empty strings; treat those as absent.
    return os.environ.get(name) or None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Post-deploy smoke test of one environment of the SMUS data mesh.")
    parser.add_argument("--mesh-dir", default="environments", help="folder with mesh.yaml (default: environments)")
    parser.add_argument("--environment", required=True, help="environment name, as listed in mesh.yaml")
    parser.add_argument(
        "--domain-id", default=_env("DOMAIN_ID"), help="domain id from the domain stack's output (env DOMAIN_ID)"
    )
    parser.add_argument(
        "--role-arn",
        default=_env("SMOKE_TEST_ROLE_ARN"),
        help="role to assume in the target account before checking (env SMOKE_TEST_ROLE_ARN)",
    )
    return parser


def main(argv: Sequence[str] | None = None, client_factory: ClientFactory = default_client_factory) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.domain_id:
        parser.error("missing --domain-id (pass the option or set DOMAIN_ID)")
    try:
        config = load_mesh(Path(args.mesh_dir))
    except ConfigError as error:
        print(error.render())
        return 1
    names = [e.name for e in config.environments]
    if args.environment not in names:
        print(
            f"FAIL  environment: '{args.environment}' is not in {args.mesh_dir}/mesh.yaml (one of: {', '.join(names)})"
        )
        return 1
    expected = expected_for(config, args.environment)
    print(f"Smoke test: environment {args.environment}, domain {args.domain_id} in {expected.region}")

    credentials: Mapping[str, str] | None = None
    if args.role_arn:
        try:
            sts = client_factory("sts", expected.region, None)
            credentials = sts.assume_role(RoleArn=args.role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        except (ClientError, BotoCoreError) as error:
            print(CheckResult("assume role", False, f"{args.role_arn}: {describe_error(error)}").line())
            print("Result: FAILED (could not assume role; no checks run)")
            return 1
        print(CheckResult("assume role", True, args.role_arn).line())

    try:
        datazone = client_factory("datazone", expected.region, credentials)
        cloudformation = client_factory("cloudformation", expected.region, credentials)
        lakeformation = client_factory("lakeformation", expected.region, credentials)
        s3control = client_factory("s3control", expected.region, credentials)
        ec2 = client_factory("ec2", expected.region, credentials)
    except BotoCoreError as error:
        print(CheckResult("clients", False, describe_error(error)).line())
        return 1

    results = run_checks(datazone, cloudformation, args.domain_id, expected, lakeformation, s3control, ec2)
    for result in results:
        print(result.line())
    failed = sum(not r.passed for r in results)
    print(f"Result: {'PASSED' if not failed else 'FAILED'} ({len(results) - failed}/{len(results)} checks passed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
