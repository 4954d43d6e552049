"""Smoke-test script against botocore Stubber, which validates every request and
response against the real DataZone/STS service models."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from scripts import smoke_test
from scripts.smoke_test import CheckResult, Expected, main, run_checks

REGION = "eu-west-1"
DOMAIN_ID = "dzd_abc123def456"
ROOT_UNIT = "root-unit-1"
ROLE_ARN = "arn:aws:iam::111122223333:role/smoke-test"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
EXPECTED = Expected(
    domain_name="acme-dev",
    units=("sales", "finance", "finance-reporting"),
    projects=("sales-analytics", "finance-bi"),
)
ENV_VARS = (
    "AWS_REGION",
    "DOMAIN_ID",
    "EXPECTED_DOMAIN_NAME",
    "EXPECTED_UNITS",
    "EXPECTED_PROJECTS",
    "SMOKE_TEST_ROLE_ARN",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # CodeBuild-style variables on the developer's machine must not leak into CLI tests.
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def _client(service: str = "datazone"):
    return boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def client():
    return _client()


def _domain(status: str = "AVAILABLE", name: str = "acme-dev") -> dict:
    return {
        "id": DOMAIN_ID,
        "name": name,
        "status": status,
        "rootDomainUnitId": ROOT_UNIT,
        "domainExecutionRole": "arn:aws:iam::111122223333:role/dz-exec",
    }


def _project(name: str, pid: str) -> dict:
    return {"domainId": DOMAIN_ID, "id": pid, "name": name, "createdBy": "user-1", "createdAt": NOW}


def _units_params(parent: str, token: str | None = None) -> dict:
    params = {"domainIdentifier": DOMAIN_ID, "parentDomainUnitIdentifier": parent}
    if token:
        params["nextToken"] = token
    return params


def _projects_params(token: str | None = None) -> dict:
    params = {"domainIdentifier": DOMAIN_ID}
    if token:
        params["nextToken"] = token
    return params


def stub_domain(stubber: Stubber, **kwargs) -> None:
    stubber.add_response("get_domain", _domain(**kwargs), {"identifier": DOMAIN_ID})


def stub_units(stubber: Stubber, root_second_page: list[dict] | None = None) -> None:
    """Root has two pages (sales | finance); finance has a child; leaves have none. Breadth-first order."""
    second = root_second_page if root_second_page is not None else [{"id": "du-finance", "name": "finance"}]
    stubber.add_response(
        "list_domain_units_for_parent",
        {"items": [{"id": "du-sales", "name": "sales"}], "nextToken": "units-page-2"},
        _units_params(ROOT_UNIT),
    )
    stubber.add_response("list_domain_units_for_parent", {"items": second}, _units_params(ROOT_UNIT, "units-page-2"))
    stubber.add_response("list_domain_units_for_parent", {"items": []}, _units_params("du-sales"))
    if any(u["id"] == "du-finance" for u in second):
        stubber.add_response(
            "list_domain_units_for_parent",
            {"items": [{"id": "du-finance-reporting", "name": "finance-reporting"}]},
            _units_params("du-finance"),
        )
        stubber.add_response("list_domain_units_for_parent", {"items": []}, _units_params("du-finance-reporting"))


def stub_projects(stubber: Stubber, second_page: list[dict] | None = None) -> None:
    second = second_page if second_page is not None else [_project("finance-bi", "prj2")]
    stubber.add_response(
        "list_projects",
        {"items": [_project("sales-analytics", "prj1")], "nextToken": "projects-page-2"},
        _projects_params(),
    )
    stubber.add_response("list_projects", {"items": second}, _projects_params("projects-page-2"))


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def test_all_checks_pass_across_pages_and_nested_units(client):
    with Stubber(client) as stubber:
        stub_domain(stubber)
        stub_units(stubber)
        stub_projects(stubber)
        results = run_checks(client, DOMAIN_ID, EXPECTED)
        stubber.assert_no_pending_responses()

    assert [r.name for r in results] == ["domain status", "domain name", "domain units", "projects"]
    assert all(r.passed for r in results), [r.line() for r in results]
    assert "finance-reporting" in by_name(results)["domain units"].detail


def test_domain_not_available_fails(client):
    with Stubber(client) as stubber:
        stub_domain(stubber, status="CREATING")
        stub_units(stubber)
        stub_projects(stubber)
        results = by_name(run_checks(client, DOMAIN_ID, EXPECTED))

    assert not results["domain status"].passed
    assert "expected 'AVAILABLE', found 'CREATING'" in results["domain status"].detail
    assert results["domain name"].passed


def test_wrong_domain_name_fails(client):
    with Stubber(client) as stubber:
        stub_domain(stubber, name="acme-prod")
        stub_units(stubber)
        stub_projects(stubber)
        results = by_name(run_checks(client, DOMAIN_ID, EXPECTED))

    assert not results["domain name"].passed
    assert "expected 'acme-dev', found 'acme-prod'" in results["domain name"].detail


def test_missing_unit_fails_and_is_named(client):
    with Stubber(client) as stubber:
        stub_domain(stubber)
        # finance (and so its child) never got created
        stub_units(stubber, root_second_page=[])
        stub_projects(stubber)
        results = by_name(run_checks(client, DOMAIN_ID, EXPECTED))
        stubber.assert_no_pending_responses()

    units = results["domain units"]
    assert not units.passed
    assert "missing 2 of 3 expected units: 'finance', 'finance-reporting'" in units.detail
    assert "found 1: 'sales'" in units.detail
    assert results["projects"].passed


def test_missing_project_fails_and_is_named(client):
    with Stubber(client) as stubber:
        stub_domain(stubber)
        stub_units(stubber)
        stub_projects(stubber, second_page=[_project("other", "prj3")])
        results = by_name(run_checks(client, DOMAIN_ID, EXPECTED))

    projects = results["projects"]
    assert not projects.passed
    assert "missing 1 of 2 expected projects: 'finance-bi'" in projects.detail
    assert "'other'" in projects.detail


def test_several_failures_are_all_reported(client, capsys):
    with Stubber(client) as stubber:
        stub_domain(stubber, status="CREATION_FAILED", name="wrong")
        stub_units(stubber, root_second_page=[])
        stub_projects(stubber, second_page=[])
        code = main(
            [
                "--region", REGION,
                "--domain-id", DOMAIN_ID,
                "--domain-name", "acme-dev",
                "--units", "sales, finance",
                "--projects", "sales-analytics,finance-bi",
            ],
            client_factory=lambda service, region, creds: client,
        )  # fmt: skip

    out = capsys.readouterr().out
    assert code == 1
    assert sum(line.startswith("FAIL  ") for line in out.splitlines()) == 4
    assert "FAIL  domain status: expected 'AVAILABLE', found 'CREATION_FAILED'" in out
    assert "FAIL  domain name: expected 'acme-dev', found 'wrong'" in out
    assert "FAIL  domain units: missing 1 of 2 expected units: 'finance'" in out
    assert "FAIL  projects: missing 1 of 2 expected projects: 'finance-bi'" in out
    assert "Result: FAILED (0/4 checks passed)" in out


def test_access_denied_becomes_fail_lines_not_traceback(client, capsys):
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "get_domain",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform datazone:GetDomain",
            http_status_code=403,
            expected_params={"identifier": DOMAIN_ID},
        )
        stubber.add_client_error(
            "list_projects",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform datazone:ListProjects",
            http_status_code=403,
        )
        code = main(
            ["--region", REGION, "--domain-id", DOMAIN_ID, "--domain-name", "acme-dev"],
            client_factory=lambda service, region, creds: client,
        )
        stubber.assert_no_pending_responses()

    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  domain: GetDomain(dzd_abc123def456) failed: AccessDeniedException: User is not authorized" in out
    assert "FAIL  domain units: not checked" in out
    assert "FAIL  projects: ListProjects failed: AccessDeniedException" in out
    assert "Traceback" not in out


def test_error_while_walking_units_is_reported(client):
    with Stubber(client) as stubber:
        stub_domain(stubber)
        stubber.add_client_error(
            "list_domain_units_for_parent",
            service_error_code="ResourceNotFoundException",
            service_message="Domain unit not found",
            http_status_code=404,
        )
        stub_projects(stubber)
        results = by_name(run_checks(client, DOMAIN_ID, EXPECTED))

    assert results["domain units"].detail == (
        "ListDomainUnitsForParent failed: ResourceNotFoundException: Domain unit not found"
    )
    assert results["projects"].passed


def test_next_token_loop_used_when_no_paginator(client, monkeypatch):
    monkeypatch.setattr(client, "can_paginate", lambda name: False)
    with Stubber(client) as stubber:
        stub_domain(stubber)
        stub_units(stubber)
        stub_projects(stubber)
        results = run_checks(client, DOMAIN_ID, EXPECTED)
        stubber.assert_no_pending_responses()

    assert all(r.passed for r in results), [r.line() for r in results]


def test_main_assumes_role_and_uses_its_credentials(capsys):
    sts, datazone = _client("sts"), _client()
    credentials = {
        "AccessKeyId": "ASIAEXAMPLEKEY123456",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": NOW,
    }
    calls: list[tuple] = []

    def factory(service, region, creds):
        calls.append((service, region, creds))
        return {"sts": sts, "datazone": datazone}[service]

    with Stubber(sts) as sts_stub, Stubber(datazone) as dz_stub:
        sts_stub.add_response(
            "assume_role",
            {"Credentials": credentials},
            {"RoleArn": ROLE_ARN, "RoleSessionName": "smus-smoke-test"},
        )
        stub_domain(dz_stub)
        stub_units(dz_stub)
        stub_projects(dz_stub)
        code = main(
            [
                "--region", REGION,
                "--domain-id", DOMAIN_ID,
                "--domain-name", "acme-dev",
                "--units", "sales,finance,finance-reporting",
                "--projects", "sales-analytics,finance-bi",
                "--role-arn", ROLE_ARN,
            ],
            client_factory=factory,
        )  # fmt: skip
        sts_stub.assert_no_pending_responses()
        dz_stub.assert_no_pending_responses()

    assert code == 0, capsys.readouterr().out
    assert calls[0] == ("sts", REGION, None)
    assert calls[1][0] == "datazone"
    assert calls[1][2]["AccessKeyId"] == "ASIAEXAMPLEKEY123456"
    assert "PASS  assume role" in capsys.readouterr().out


def test_main_reports_failed_assume_role(capsys):
    sts = _client("sts")
    created: list[str] = []

    def factory(service, region, creds):
        created.append(service)
        return sts

    with Stubber(sts) as stubber:
        stubber.add_client_error("assume_role", service_error_code="AccessDenied", service_message="not trusted")
        code = main(
            ["--region", REGION, "--domain-id", DOMAIN_ID, "--domain-name", "acme-dev", "--role-arn", ROLE_ARN],
            client_factory=factory,
        )

    assert code == 1
    assert created == ["sts"]
    assert f"FAIL  assume role: {ROLE_ARN}: AccessDenied: not trusted" in capsys.readouterr().out


def test_main_reads_environment_fallbacks(client, monkeypatch, capsys):
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("DOMAIN_ID", DOMAIN_ID)
    monkeypatch.setenv("EXPECTED_DOMAIN_NAME", "acme-dev")
    monkeypatch.setenv("EXPECTED_UNITS", "sales,finance-reporting")
    monkeypatch.setenv("EXPECTED_PROJECTS", "finance-bi")
    monkeypatch.setenv("SMOKE_TEST_ROLE_ARN", "")  # empty means "no role", as CodeBuild exports unset vars
    seen: list[tuple] = []

    def factory(service, region, creds):
        seen.append((service, region, creds))
        return client

    with Stubber(client) as stubber:
        stub_domain(stubber)
        stub_units(stubber)
        stub_projects(stubber)
        code = main([], client_factory=factory)

    assert code == 0, capsys.readouterr().out
    assert seen == [("datazone", REGION, None)]


def test_main_requires_region_domain_id_and_name(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--domain-id", DOMAIN_ID])
    assert exc.value.code == 2
    assert "--region, --domain-name" in capsys.readouterr().err


def test_default_client_factory_retries_throttling():
    client = smoke_test.default_client_factory(
        "datazone", REGION, {"AccessKeyId": "a", "SecretAccessKey": "b", "SessionToken": "c"}
    )
    assert client.meta.region_name == REGION
    # botocore's ``max_attempts`` counts retries, so it normalises to 1 initial call + 10 retries.
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}
