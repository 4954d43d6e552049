"""Smoke-test script against botocore Stubber, which validates every request and response
against the real DataZone, CloudFormation and STS service models."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from mesh_config import load_mesh
from scripts import smoke_test
from scripts.smoke_test import (
    GOVERNANCE_RESOURCE_TYPES,
    CheckResult,
    Expected,
    check_stack,
    expected_for,
    main,
    run_checks,
)
from tests.config_edits import edit_text

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
DOMAIN_ID = "dzd_abc123def456"
ROOT_UNIT = "root-unit-1"
ROLE_ARN = "arn:aws:iam::111122223333:role/smoke-test"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
EXPECTED = Expected(
    region=REGION,
    domain_name="acme-dev",
    units=("sales", "finance", "finance-reporting"),
    stacks={
        "acme-dev-foundation": (),
        "acme-dev-projects-finance": ("finance-bi-dev-project", "finance-gl-dev-project"),
    },
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # CodeBuild-style variables on the developer's machine must not leak into CLI tests.
    for name in ("DOMAIN_ID", "SMOKE_TEST_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)


def _client(service: str):
    return boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def datazone():
    return _client("datazone")


@pytest.fixture
def cloudformation():
    return _client("cloudformation")


def stub_domain(stubber: Stubber, status: str = "AVAILABLE", name: str = "acme-dev") -> None:
    domain = {
        "id": DOMAIN_ID,
        "name": name,
        "status": status,
        "rootDomainUnitId": ROOT_UNIT,
        "domainExecutionRole": "arn:aws:iam::111122223333:role/dz-exec",
    }
    stubber.add_response("get_domain", domain, {"identifier": DOMAIN_ID})


def _units_params(parent: str, token: str | None = None) -> dict:
    params = {"domainIdentifier": DOMAIN_ID, "parentDomainUnitIdentifier": parent}
    if token:
        params["nextToken"] = token
    return params


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


def stub_stack(stubber: Stubber, name: str, status: str = "UPDATE_COMPLETE", reason: str | None = None) -> None:
    stack = {"StackName": name, "StackStatus": status, "CreationTime": NOW}
    if reason:
        stack["StackStatusReason"] = reason
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})


def _resource(logical_id: str, status: str = "CREATE_COMPLETE", kind: str = "AWS::DataZone::Project") -> dict:
    summary = {
        "LogicalResourceId": logical_id,
        "ResourceType": kind,
        "LastUpdatedTimestamp": NOW,
        "ResourceStatus": status,
    }
    if status != "CREATE_FAILED":
        summary["PhysicalResourceId"] = f"prj-{logical_id.lower()}"
    return summary


def stub_project_resources(stubber: Stubber, name: str, second_page: list[dict] | None = None) -> None:
    """Two pages, a membership in between: only AWS::DataZone::Project resources count."""
    second = second_page if second_page is not None else [_resource("financegl")]
    stubber.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                _resource("financebi"),
                _resource("financebiMember", kind="AWS::DataZone::ProjectMembership"),
            ],
            "NextToken": "page-2",
        },
        {"StackName": name},
    )
    stubber.add_response(
        "list_stack_resources", {"StackResourceSummaries": second}, {"StackName": name, "NextToken": "page-2"}
    )


def stub_healthy(dz: Stubber, cfn: Stubber) -> None:
    stub_domain(dz)
    stub_units(dz)
    stub_stack(cfn, "acme-dev-foundation")
    stub_stack(cfn, "acme-dev-projects-finance")
    stub_project_resources(cfn, "acme-dev-projects-finance")


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def test_all_checks_pass_across_pages_and_nested_units(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_healthy(dz, cfn)
        results = run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED)
        dz.assert_no_pending_responses()
        cfn.assert_no_pending_responses()

    assert [r.name for r in results] == [
        "domain status",
        "domain name",
        "domain units",
        "stack acme-dev-foundation",
        "stack acme-dev-projects-finance",
    ]
    assert all(r.passed for r in results), [r.line() for r in results]
    assert "finance-reporting" in by_name(results)["domain units"].detail
    assert "2 projects created" in by_name(results)["stack acme-dev-projects-finance"].detail


def test_domain_not_available_fails(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz, status="CREATING")
        stub_units(dz)
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance")
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))

    assert not results["domain status"].passed
    assert "expected 'AVAILABLE', found 'CREATING'" in results["domain status"].detail
    assert results["domain name"].passed


def test_wrong_domain_name_fails(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz, name="acme-prod")
        stub_units(dz)
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance")
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))

    assert not results["domain name"].passed
    assert "expected 'acme-dev', found 'acme-prod'" in results["domain name"].detail


def test_missing_unit_fails_and_is_named(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz)
        stub_units(dz, root_second_page=[])  # finance (and so its child) never got created
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance")
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))
        dz.assert_no_pending_responses()

    units = results["domain units"]
    assert not units.passed
    assert "missing 2 of 3 expected units: 'finance', 'finance-reporting'" in units.detail
    assert "found 1: 'sales'" in units.detail
    assert results["stack acme-dev-projects-finance"].passed


def test_project_that_failed_to_create_fails_its_stack_check(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz)
        stub_units(dz)
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance", second_page=[_resource("financegl", "CREATE_FAILED")])
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))

    check = results["stack acme-dev-projects-finance"]
    assert not check.passed
    assert "1 of 2 expected projects are created" in check.detail
    assert "'financegl CREATE_FAILED'" in check.detail
    assert "'finance-gl-dev-project'" in check.detail


def test_rolled_back_stack_fails_with_its_reason(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz)
        stub_units(dz)
        stub_stack(cfn, "acme-dev-foundation", "UPDATE_ROLLBACK_COMPLETE", reason="Bucket policy refused")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance")
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))
        cfn.assert_no_pending_responses()

    check = results["stack acme-dev-foundation"]
    assert not check.passed
    assert check.detail == "status UPDATE_ROLLBACK_COMPLETE (Bucket policy refused)"


def test_missing_stack_is_a_fail_line(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz)
        stub_units(dz)
        stub_stack(cfn, "acme-dev-foundation")
        cfn.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id acme-dev-projects-finance does not exist",
            http_status_code=400,
            expected_params={"StackName": "acme-dev-projects-finance"},
        )
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))

    assert results["stack acme-dev-projects-finance"].detail == (
        "DescribeStacks failed: ValidationError: Stack with id acme-dev-projects-finance does not exist"
    )


def test_access_denied_becomes_fail_lines_not_traceback(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        dz.add_client_error(
            "get_domain",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform datazone:GetDomain",
            http_status_code=403,
            expected_params={"identifier": DOMAIN_ID},
        )
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        cfn.add_client_error(
            "list_stack_resources",
            service_error_code="AccessDenied",
            service_message="not authorized to perform cloudformation:ListStackResources",
            http_status_code=403,
        )
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))
        dz.assert_no_pending_responses()
        cfn.assert_no_pending_responses()

    assert results["domain"].detail.startswith(f"GetDomain({DOMAIN_ID}) failed: AccessDeniedException")
    assert results["domain units"].detail == "not checked: root domain unit id unknown"
    assert results["stack acme-dev-foundation"].passed
    assert results["stack acme-dev-projects-finance"].detail.startswith("ListStackResources failed: AccessDenied")


def test_error_while_walking_units_is_reported(datazone, cloudformation):
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_domain(dz)
        dz.add_client_error(
            "list_domain_units_for_parent",
            service_error_code="ResourceNotFoundException",
            service_message="Domain unit not found",
            http_status_code=404,
        )
        stub_stack(cfn, "acme-dev-foundation")
        stub_stack(cfn, "acme-dev-projects-finance")
        stub_project_resources(cfn, "acme-dev-projects-finance")
        results = by_name(run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED))

    assert results["domain units"].detail == (
        "ListDomainUnitsForParent failed: ResourceNotFoundException: Domain unit not found"
    )
    assert results["stack acme-dev-projects-finance"].passed


def test_next_token_loop_used_when_no_paginator(datazone, cloudformation, monkeypatch):
    monkeypatch.setattr(datazone, "can_paginate", lambda name: False)
    with Stubber(datazone) as dz, Stubber(cloudformation) as cfn:
        stub_healthy(dz, cfn)
        results = run_checks(datazone, cloudformation, DOMAIN_ID, EXPECTED)
        dz.assert_no_pending_responses()

    assert all(r.passed for r in results), [r.line() for r in results]


def test_expectations_come_from_the_mesh_configuration():
    expected = expected_for(load_mesh(ROOT / "environments"), "staging")

    assert expected.region == "eu-west-1"
    assert expected.domain_name == "acme-staging-unified-domain"
    assert "finance-analytics-domain-unit" in expected.units
    assert list(expected.stacks)[:2] == ["acme-staging-foundation", "acme-staging-domain"]
    assert expected.stacks["acme-staging-projects-1"][:2] == (
        "finance-customer360-stg-project",
        "finance-reporting-stg-project",
    )


def test_governance_expectations_come_from_the_mesh_configuration():
    expected = expected_for(load_mesh(ROOT / "environments"), "staging")

    assert expected.stacks["acme-staging-governance"] == (
        "acme-enterprise-glossary", "finance-glossary", "sales-glossary", "ops-glossary", "DataProductOwner",
        "DataQuality", "DataClassification", "RefreshFrequency",
    )  # fmt: skip
    assert expected.resource_types["acme-staging-governance"] == GOVERNANCE_RESOURCE_TYPES


def test_a_glossary_that_failed_fails_the_governance_check(cloudformation):
    with Stubber(cloudformation) as cfn:
        stub_stack(cfn, "acme-dev-governance", "UPDATE_COMPLETE")
        cfn.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": [_resource("g0", kind="Custom::DataZoneGlossary"),
                                        _resource("g1", "CREATE_FAILED", kind="Custom::DataZoneGlossary")]},
            {"StackName": "acme-dev-governance"},
        )  # fmt: skip
        check = check_stack(cloudformation, "acme-dev-governance", ("a", "b"), GOVERNANCE_RESOURCE_TYPES)

    assert not check.passed
    assert "1 of 2 expected glossaries and forms are created" in check.detail and "g1 CREATE_FAILED" in check.detail


def stub_lake_formation(lf: Stubber, expected: Expected, drop: int = 0) -> None:
    """The account's settings as GetDataLakeSettings returns them: the mesh's principals (less the
    first ``drop`` administrators), one administrator set outside the mesh, the parameters."""
    lake = expected.lake_formation
    outside = {"DataLakePrincipalIdentifier": "arn:aws:iam::234567890123:role/OrgDataLakeAdmin"}
    settings = {
        "DataLakeAdmins": [outside, *({"DataLakePrincipalIdentifier": a} for a in lake.admins[drop:])],
        "ReadOnlyAdmins": [{"DataLakePrincipalIdentifier": r} for r in lake.read_only_admins],
        "Parameters": dict(lake.parameters),
    }
    lf.add_response("get_data_lake_settings", {"DataLakeSettings": settings}, {})


BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def stub_account_settings(s3: Stubber, ec2: Stubber, account: str, flags: dict | None = None, ebs: bool = True) -> None:
    s3.add_response(
        "get_public_access_block", {"PublicAccessBlockConfiguration": flags or BLOCK_ALL}, {"AccountId": account}
    )
    ec2.add_response("get_ebs_encryption_by_default", {"EbsEncryptionByDefault": ebs}, {})


def _staging_stubs(
    dz: Stubber, cfn: Stubber, lf: Stubber | None = None, s3: Stubber | None = None, ec2: Stubber | None = None
) -> None:
    """A healthy acme staging environment, as the bundled example describes it."""
    expected = expected_for(load_mesh(ROOT / "environments"), "staging")
    if lf is not None:
        stub_lake_formation(lf, expected)
    if s3 is not None and ec2 is not None:
        stub_account_settings(s3, ec2, expected.account_settings)
    dz.add_response(
        "get_domain",
        {"id": DOMAIN_ID, "name": expected.domain_name, "status": "AVAILABLE", "rootDomainUnitId": ROOT_UNIT,
         "domainExecutionRole": "arn:aws:iam::234567890123:role/x"},
        {"identifier": DOMAIN_ID},
    )  # fmt: skip
    dz.add_response(
        "list_domain_units_for_parent",
        {"items": [{"id": f"du-{i}", "name": name} for i, name in enumerate(expected.units)]},
        _units_params(ROOT_UNIT),
    )
    for i in range(len(expected.units)):
        dz.add_response("list_domain_units_for_parent", {"items": []}, _units_params(f"du-{i}"))
    for stack, names in expected.stacks.items():
        stub_stack(cfn, stack)
        if not names:
            continue
        if stack.endswith("-governance"):  # 4 glossaries, then forms
            kinds = ["Custom::DataZoneGlossary"] * 4 + ["Custom::DataZoneFormType"] * (len(names) - 4)
            resources = [_resource(f"g{i}", kind=kind) for i, kind in enumerate(kinds)]
            # Other resources of the stack (the handler identity, the functions) are not counted.
            resources.append(_resource("HandlerIdentityRole", kind="AWS::IAM::Role"))
        elif stack in expected.resource_types:  # catalogs, products, subscriptions: one type each
            (kind,) = expected.resource_types[stack]
            resources = [_resource(f"r{i}", kind=kind) for i in range(len(names))]
        else:
            resources = [_resource(f"p{i}") for i in range(len(names))]
        cfn.add_response("list_stack_resources", {"StackResourceSummaries": resources}, {"StackName": stack})


def test_main_assumes_role_and_checks_the_configured_environment(capsys):
    sts, datazone, cloudformation = _client("sts"), _client("datazone"), _client("cloudformation")
    lakeformation, s3control, ec2 = _client("lakeformation"), _client("s3control"), _client("ec2")
    credentials = {
        "AccessKeyId": "ASIAEXAMPLEKEY123456",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": NOW,
    }
    calls: list[tuple] = []

    def factory(service, region, creds):
        calls.append((service, region, creds))
        clients = {"sts": sts, "datazone": datazone, "cloudformation": cloudformation, "lakeformation": lakeformation}
        return {**clients, "s3control": s3control, "ec2": ec2}[service]

    with (
        Stubber(sts) as sts_stub,
        Stubber(datazone) as dz,
        Stubber(cloudformation) as cfn,
        Stubber(lakeformation) as lf,
        Stubber(s3control) as s3,
        Stubber(ec2) as ec2_stub,
    ):
        sts_stub.add_response(
            "assume_role", {"Credentials": credentials}, {"RoleArn": ROLE_ARN, "RoleSessionName": "smus-smoke-test"}
        )
        _staging_stubs(dz, cfn, lf, s3, ec2_stub)
        code = main(
            ["--mesh-dir", str(ROOT / "environments"), "--environment", "staging", "--domain-id", DOMAIN_ID,
             "--role-arn", ROLE_ARN],
            client_factory=factory,
        )  # fmt: skip
        sts_stub.assert_no_pending_responses()
        dz.assert_no_pending_responses()
        cfn.assert_no_pending_responses()
        lf.assert_no_pending_responses()
        s3.assert_no_pending_responses()
        ec2_stub.assert_no_pending_responses()

    out = capsys.readouterr().out
    assert code == 0, out
    assert calls[0] == ("sts", REGION, None)
    assert [c[0] for c in calls[1:]] == ["datazone", "cloudformation", "lakeformation", "s3control", "ec2"]
    assert all(c[2]["AccessKeyId"] == "ASIAEXAMPLEKEY123456" for c in calls[1:])
    assert "PASS  assume role" in out
    assert "PASS  stack acme-staging-projects-1: status UPDATE_COMPLETE; 6 projects created" in out
    # 12 declared tables and the workload's metadata table.
    assert "PASS  stack acme-staging-products-1: status UPDATE_COMPLETE; 13 tables created" in out
    assert "PASS  stack acme-staging-subscriptions: status UPDATE_COMPLETE; 4 subscriptions created" in out
    assert "PASS  lake formation admins: all 2 expected administrators present" in out
    assert "PASS  lake formation read-only admins: all 1 expected read-only administrators present" in out
    assert "PASS  stack acme-staging-baseline: status UPDATE_COMPLETE; 1 account baselines created" in out
    assert "PASS  s3 account public access block: all four flags on" in out
    assert "PASS  ebs encryption by default: expected on, found on" in out
    assert "Result: PASSED" in out


def test_main_reads_domain_id_from_the_environment(monkeypatch, capsys):
    datazone, cloudformation, lakeformation = _client("datazone"), _client("cloudformation"), _client("lakeformation")
    s3control, ec2 = _client("s3control"), _client("ec2")
    monkeypatch.setenv("DOMAIN_ID", DOMAIN_ID)
    monkeypatch.setenv("SMOKE_TEST_ROLE_ARN", "")  # empty means "no role", as CodeBuild exports unset vars
    seen: list[tuple] = []

    def factory(service, region, creds):
        seen.append((service, region, creds))
        clients = {"datazone": datazone, "cloudformation": cloudformation, "lakeformation": lakeformation}
        return {**clients, "s3control": s3control, "ec2": ec2}[service]

    with (
        Stubber(datazone) as dz,
        Stubber(cloudformation) as cfn,
        Stubber(lakeformation) as lf,
        Stubber(s3control) as s3,
        Stubber(ec2) as ec2_stub,
    ):
        _staging_stubs(dz, cfn, lf, s3, ec2_stub)
        code = main(["--mesh-dir", str(ROOT / "environments"), "--environment", "staging"], client_factory=factory)

    assert code == 0, capsys.readouterr().out
    services = ["datazone", "cloudformation", "lakeformation", "s3control", "ec2"]
    assert seen == [(service, REGION, None) for service in services]


def test_several_failures_are_all_reported(capsys):
    datazone, cloudformation, lakeformation = _client("datazone"), _client("cloudformation"), _client("lakeformation")
    s3control, ec2 = _client("s3control"), _client("ec2")
    clients = {"datazone": datazone, "cloudformation": cloudformation, "lakeformation": lakeformation}
    clients |= {"s3control": s3control, "ec2": ec2}
    with (
        Stubber(datazone) as dz,
        Stubber(cloudformation) as cfn,
        Stubber(lakeformation) as lf,
        Stubber(s3control) as s3,
        Stubber(ec2) as ec2_stub,
    ):
        dz.add_response(
            "get_domain",
            {"id": DOMAIN_ID, "name": "wrong", "status": "CREATION_FAILED", "rootDomainUnitId": ROOT_UNIT,
             "domainExecutionRole": "arn:aws:iam::234567890123:role/x"},
            {"identifier": DOMAIN_ID},
        )  # fmt: skip
        dz.add_response("list_domain_units_for_parent", {"items": []}, _units_params(ROOT_UNIT))
        staging = expected_for(load_mesh(ROOT / "environments"), "staging")
        for stack in staging.stacks:
            stub_stack(cfn, stack, "CREATE_FAILED")
        lf.add_client_error("get_data_lake_settings", "AccessDeniedException", "no lakeformation:GetDataLakeSettings")
        # Someone switched Block Public Access off after the deploy, and EBS encryption by default.
        s3.add_client_error(
            "get_public_access_block",
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
            404,
        )
        ec2_stub.add_response("get_ebs_encryption_by_default", {"EbsEncryptionByDefault": False}, {})
        code = main(
            ["--mesh-dir", str(ROOT / "environments"), "--environment", "staging", "--domain-id", DOMAIN_ID],
            client_factory=lambda service, region, creds: clients[service],
        )

    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  domain status: expected 'AVAILABLE', found 'CREATION_FAILED'" in out
    assert "FAIL  domain name: expected 'acme-staging-unified-domain', found 'wrong'" in out
    assert "FAIL  domain units: missing 6 of 6 expected units" in out
    assert "FAIL  stack acme-staging-domain: status CREATE_FAILED" in out
    assert (
        "FAIL  lake formation settings: GetDataLakeSettings failed: AccessDeniedException: no "
        "lakeformation:GetDataLakeSettings"
    ) in out
    assert "FAIL  s3 account public access block: account 234567890123 has no Block Public Access configuration" in out
    assert "FAIL  ebs encryption by default: expected on, found off" in out
    assert "Traceback" not in out
    assert "Result: FAILED (0/" in out


def test_main_reports_failed_assume_role(capsys):
    sts = _client("sts")
    created: list[str] = []

    def factory(service, region, creds):
        created.append(service)
        return sts

    with Stubber(sts) as stubber:
        stubber.add_client_error("assume_role", service_error_code="AccessDenied", service_message="not trusted")
        code = main(
            ["--mesh-dir", str(ROOT / "environments"), "--environment", "dev", "--domain-id", DOMAIN_ID,
             "--role-arn", ROLE_ARN],
            client_factory=factory,
        )  # fmt: skip

    assert code == 1
    assert created == ["sts"]
    assert f"FAIL  assume role: {ROLE_ARN}: AccessDenied: not trusted" in capsys.readouterr().out


def test_unknown_environment_is_one_clear_line(capsys):
    code = main(["--mesh-dir", str(ROOT / "environments"), "--environment", "qa", "--domain-id", DOMAIN_ID])

    assert code == 1
    assert "FAIL  environment: 'qa' is not in" in capsys.readouterr().out


def test_invalid_configuration_is_reported_not_raised(tmp_path, capsys):
    (tmp_path / "mesh.yaml").write_text("org: acme\n")
    code = main(["--mesh-dir", str(tmp_path), "--environment", "dev", "--domain-id", DOMAIN_ID])

    out = capsys.readouterr().out
    assert code == 1
    assert "required key 'environments' is missing" in out
    assert "Traceback" not in out


def test_main_requires_a_domain_id(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--environment", "dev"])
    assert exc.value.code == 2
    assert "missing --domain-id" in capsys.readouterr().err


def test_default_client_factory_retries_throttling():
    client = smoke_test.default_client_factory(
        "datazone", REGION, {"AccessKeyId": "a", "SecretAccessKey": "b", "SessionToken": "c"}
    )
    assert client.meta.region_name == REGION
    # botocore's ``max_attempts`` counts retries, so it normalises to 1 initial call + 10 retries.
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}


# --- the account's Lake Formation settings (issue 22 #5) -------------------------------------------


def test_lake_formation_expectations_come_from_the_mesh_configuration():
    """The smoke test expects what the domain stack declares (tests/test_lake_formation_settings.py
    checks the two agree on the synthesized example)."""
    staging = expected_for(load_mesh(ROOT / "environments"), "staging").lake_formation
    assert staging.admins == (
        "arn:aws:iam::234567890123:role/cdk-hnb659fds-cfn-exec-role-234567890123-eu-west-1",
        "arn:aws:iam::234567890123:role/acme-staging-lakeformation-grants",
    )
    assert staging.read_only_admins == ("arn:aws:iam::234567890123:role/acme-staging-datamesh-admin",)
    assert staging.parameters == {}
    prod = expected_for(load_mesh(ROOT / "examples" / "three-prod-accounts"), "prod").lake_formation
    assert prod.parameters == {"CROSS_ACCOUNT_VERSION": "4"}


def _producer() -> Expected:
    return expected_for(load_mesh(ROOT / "examples" / "three-prod-accounts"), "prod")


def test_lake_formation_settings_pass_with_admins_set_outside_the_mesh():
    expected = _producer()
    lakeformation = _client("lakeformation")
    with Stubber(lakeformation) as lf:
        stub_lake_formation(lf, expected)
        results = by_name(smoke_test.check_lake_formation(lakeformation, expected.lake_formation))
    assert all(r.passed for r in results.values()), results
    assert results["lake formation CROSS_ACCOUNT_VERSION"].detail == "expected '4', found '4'"


def test_a_missing_admin_or_a_replaced_cross_account_version_fails():
    """What another writer of the settings (a whole-object PutDataLakeSettings) leaves behind."""
    expected = _producer()
    lakeformation = _client("lakeformation")
    with Stubber(lakeformation) as lf:
        lf.add_response(
            "get_data_lake_settings",
            {
                "DataLakeSettings": {
                    "DataLakeAdmins": [{"DataLakePrincipalIdentifier": expected.lake_formation.admins[1]}],
                    "Parameters": {"CROSS_ACCOUNT_VERSION": "1"},
                }
            },
            {},
        )
        results = by_name(smoke_test.check_lake_formation(lakeformation, expected.lake_formation))
    admins = results["lake formation admins"]
    assert not admins.passed and "missing 1 of 2 expected administrators" in admins.detail
    assert "cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1" in admins.detail
    version = results["lake formation CROSS_ACCOUNT_VERSION"]
    assert not version.passed and version.detail == "expected '4', found '1'"
    read_only = results["lake formation read-only admins"]
    assert not read_only.passed and "acme-prod-datamesh-readonly" in read_only.detail


def test_a_read_only_admin_that_is_a_full_admin_passes():
    expected = _producer()
    lake = expected.lake_formation
    lakeformation = _client("lakeformation")
    everyone = [{"DataLakePrincipalIdentifier": p} for p in (*lake.admins, *lake.read_only_admins)]
    with Stubber(lakeformation) as lf:
        lf.add_response(
            "get_data_lake_settings",
            {"DataLakeSettings": {"DataLakeAdmins": everyone, "Parameters": dict(lake.parameters)}},
            {},
        )
        results = by_name(smoke_test.check_lake_formation(lakeformation, lake))
    assert all(r.passed for r in results.values())


def test_run_checks_needs_a_lakeformation_client_when_settings_are_expected(datazone, cloudformation):
    expected = _producer()
    # Refused before any call (the Stubbers have nothing queued: a call would fail the test).
    with Stubber(datazone), Stubber(cloudformation), pytest.raises(ValueError, match="no lakeformation client"):
        run_checks(
            datazone,
            cloudformation,
            DOMAIN_ID,
            Expected(region=REGION, domain_name="x", lake_formation=expected.lake_formation),
        )


# --- The account baseline (<org>-<env>-baseline) --------------------------------------------------


def test_account_baseline_expectations_come_from_the_mesh_configuration():
    config = load_mesh(ROOT / "environments")
    staging = expected_for(config, "staging")
    assert staging.stacks["acme-staging-baseline"] == ("AccountBaseline",)
    assert staging.resource_types["acme-staging-baseline"] == frozenset({"Custom::AccountBaseline"})
    assert staging.account_settings == "234567890123"


def test_an_environment_without_the_account_baseline_reads_no_account_settings(tmp_path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    # The landing zone keeps the account settings: the baseline stack holds the budget and the rest.
    edit_text(
        folder / "mesh.yaml",
        "  # owns: the default (scps, tag_policy, permission_sets, trail, log_archive, account_baseline).\n",
        "  owns: [scps, tag_policy, permission_sets, trail, log_archive]\n",
    )
    expected = expected_for(load_mesh(folder), "staging")
    assert expected.stacks["acme-staging-baseline"] == ()  # status only: its budget
    assert "acme-staging-baseline" not in expected.resource_types
    assert expected.account_settings is None


def test_one_flag_switched_off_fails_and_is_named():
    s3control, ec2 = _client("s3control"), _client("ec2")
    with Stubber(s3control) as s3, Stubber(ec2) as ec2_stub:
        stub_account_settings(s3, ec2_stub, "234567890123", {**BLOCK_ALL, "RestrictPublicBuckets": False})
        results = smoke_test.check_account_settings(s3control, ec2, "234567890123")
    assert [r.line() for r in results] == [
        "FAIL  s3 account public access block: off: RestrictPublicBuckets (expected all four on)",
        "PASS  ebs encryption by default: expected on, found on",
    ]


def test_an_access_denied_read_is_a_fail_line():
    s3control, ec2 = _client("s3control"), _client("ec2")
    with Stubber(s3control) as s3, Stubber(ec2) as ec2_stub:
        s3.add_client_error("get_public_access_block", "AccessDenied", "no s3:GetAccountPublicAccessBlock", 403)
        ec2_stub.add_client_error("get_ebs_encryption_by_default", "UnauthorizedOperation", "no ec2:Get...", 403)
        results = smoke_test.check_account_settings(s3control, ec2, "234567890123")
    assert not any(r.passed for r in results)
    assert "GetPublicAccessBlock failed: AccessDenied" in results[0].detail
    assert "GetEbsEncryptionByDefault failed: UnauthorizedOperation" in results[1].detail


def test_run_checks_needs_the_account_settings_clients(datazone, cloudformation):
    expected = Expected(region=REGION, domain_name="acme-dev", account_settings="123456789012")
    with pytest.raises(ValueError, match="account settings"):
        run_checks(datazone, cloudformation, DOMAIN_ID, expected)
