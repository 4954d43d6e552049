"""Post-deploy smoke test for a SageMaker Unified Studio (DataZone V2) domain.

Run by the CDK Pipelines CodeBuild step after each environment deploys::

    python -m scripts.smoke_test --region eu-west-1 --domain-id dzd_abc123 \\
        --domain-name acme-dev --units sales,finance --projects sales-analytics \\
        [--role-arn arn:aws:iam::111122223333:role/smoke-test]

Every option falls back to an environment variable (see ``build_parser``) so the
pipeline can pass stack outputs through ``env`` without templating a command line.
Exit code 0 when every check passes, 1 when any fails, 2 on bad usage (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# The pipeline hits several environments back to back; standard mode retries
# ThrottlingException with backoff instead of failing the deploy on a transient 429.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
ROLE_SESSION_NAME = "smus-smoke-test"
# Keeps a FAIL line readable when a domain holds many units/projects.
MAX_NAMES_SHOWN = 20

ClientFactory = Callable[[str, str, Mapping[str, str] | None], Any]


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class Expected:
    domain_name: str
    units: tuple[str, ...] = field(default_factory=tuple)
    projects: tuple[str, ...] = field(default_factory=tuple)


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


def _paginate(client: Any, method: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Yield every item of a DataZone list operation (all use ``items``/``nextToken``)."""
    if client.can_paginate(method):
        for page in client.get_paginator(method).paginate(**kwargs):
            yield from page.get("items", [])
        return
    # Older botocore releases may ship the operation before its paginator definition.
    call = getattr(client, method)
    token: str | None = None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        yield from page.get("items", [])
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
            domainIdentifier=domain_id,
            parentDomainUnitIdentifier=parent,
        ):
            names.append(unit["name"])
            if unit["id"] not in seen:
                seen.add(unit["id"])
                pending.append(unit["id"])
    return names


def list_project_names(client: Any, domain_id: str) -> list[str]:
    return [p["name"] for p in _paginate(client, "list_projects", domainIdentifier=domain_id)]


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


def run_checks(client: Any, domain_id: str, expected: Expected) -> list[CheckResult]:
    """Run every check against ``client`` and return all results; never raises on AWS errors."""
    results: list[CheckResult] = []

    root_unit_id: str | None = None
    try:
        domain = client.get_domain(identifier=domain_id)
    except (ClientError, BotoCoreError) as error:
        results.append(CheckResult("domain", False, f"GetDomain({domain_id}) failed: {describe_error(error)}"))
    else:
        status = domain.get("status")
        results.append(CheckResult("domain status", status == "AVAILABLE", f"expected 'AVAILABLE', found {status!r}"))
        name = domain.get("name")
        results.append(
            CheckResult(
                "domain name", name == expected.domain_name, f"expected {expected.domain_name!r}, found {name!r}"
            )
        )
        root_unit_id = domain.get("rootDomainUnitId")

    if root_unit_id is None:
        # Without the root unit there is no tree to walk; still a FAIL so the step cannot pass silently.
        results.append(CheckResult("domain units", False, "not checked: root domain unit id unknown"))
    else:
        try:
            unit_names = list_unit_names(client, domain_id, root_unit_id)
        except (ClientError, BotoCoreError) as error:
            results.append(
                CheckResult("domain units", False, f"ListDomainUnitsForParent failed: {describe_error(error)}")
            )
        else:
            results.append(_presence_check("domain units", "units", expected.units, unit_names))

    # Independent of GetDomain: a failure there should not hide what the project listing says.
    try:
        project_names = list_project_names(client, domain_id)
    except (ClientError, BotoCoreError) as error:
        results.append(CheckResult("projects", False, f"ListProjects failed: {describe_error(error)}"))
    else:
        results.append(_presence_check("projects", "projects", expected.projects, project_names))

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


def _split(value: str | None) -> tuple[str, ...]:
    # dict.fromkeys dedupes while keeping the order the operator wrote.
    return tuple(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def _env(name: str) -> str | None:
    # CodeBuild exports unset pipeline variables as empty strings; treat those as absent.
    return os.environ.get(name) or None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Post-deploy smoke test for a SageMaker Unified Studio domain.")
    parser.add_argument("--region", default=_env("AWS_REGION"), help="AWS region (env AWS_REGION)")
    parser.add_argument(
        "--domain-id", default=_env("DOMAIN_ID"), help="domain id from the stack output (env DOMAIN_ID)"
    )
    parser.add_argument(
        "--domain-name", default=_env("EXPECTED_DOMAIN_NAME"), help="expected domain name (env EXPECTED_DOMAIN_NAME)"
    )
    parser.add_argument(
        "--units",
        default=_env("EXPECTED_UNITS"),
        help="comma-separated expected domain unit names (env EXPECTED_UNITS)",
    )
    parser.add_argument(
        "--projects",
        default=_env("EXPECTED_PROJECTS"),
        help="comma-separated expected project names (env EXPECTED_PROJECTS)",
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
    missing = [
        flag
        for flag, value in (
            ("--region", args.region),
            ("--domain-id", args.domain_id),
            ("--domain-name", args.domain_name),
        )
        if not value
    ]
    if missing:
        parser.error(f"missing required value(s): {', '.join(missing)} (pass the option or set its env var)")

    expected = Expected(domain_name=args.domain_name, units=_split(args.units), projects=_split(args.projects))
    print(f"Smoke test: domain {args.domain_id} in {args.region}")

    credentials: Mapping[str, str] | None = None
    if args.role_arn:
        try:
            sts = client_factory("sts", args.region, None)
            credentials = sts.assume_role(RoleArn=args.role_arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        except (ClientError, BotoCoreError) as error:
            print(CheckResult("assume role", False, f"{args.role_arn}: {describe_error(error)}").line())
            print("Result: FAILED (could not assume role; no checks run)")
            return 1
        print(CheckResult("assume role", True, args.role_arn).line())

    try:
        client = client_factory("datazone", args.region, credentials)
    except BotoCoreError as error:
        print(CheckResult("datazone client", False, describe_error(error)).line())
        return 1

    results = run_checks(client, args.domain_id, expected)
    for result in results:
        print(result.line())
    failed = sum(not r.passed for r in results)
    print(f"Result: {'PASSED' if not failed else 'FAILED'} ({len(results) - failed}/{len(results)} checks passed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
