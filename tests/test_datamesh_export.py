"""`datamesh export`: a stubbed SMUS domain (every DataZone call answered by a Stubber on a real
botocore client, with its exact parameters) is written as mesh YAML that the loader accepts; what
the format cannot express becomes an 'export:' comment; an AWS error is one line."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from datamesh import cli
from datamesh.export.form_smithy import parse_form
from mesh_config import load_mesh
from tests.config_edits import edit_yaml
from tests.synth import ROOT

runner = CliRunner()
DOMAIN = "dzd_corp123"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROOT_UNIT = "root1"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
IDC = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"
G_ADMIN = "9067a1b2c3-1a2b3c4d-0001-4a5b-8c9d-0e1f2a3b4c5d"
G_FIN = "9067a1b2c3-1a2b3c4d-0002-4a5b-8c9d-0e1f2a3b4c5d"
G_ANALYST = "9067a1b2c3-1a2b3c4d-0003-4a5b-8c9d-0e1f2a3b4c5d"
G_EXEC = "9067a1b2c3-1a2b3c4d-0004-4a5b-8c9d-0e1f2a3b4c5d"
OWNER = "PROJECT_OWNER"
USER = "b8f1d2c3-0000-4a5b-8c9d-0e1f2a3b4c5d"
VPC = "vpc-0a1b2c3de5f60718"
SUBNETS = ["subnet-0a1b2c3de5f60001", "subnet-0a1b2c3de5f60002"]
# What the SMUS portal (and mesh_constructs.form_model) write: the namespace is the domain id.
FORM_SMITHY = """namespace dzd_corp123

structure DataQuality {
    @documentation("Share of rows passing the rules, in percent")
    @required
    quality_score: Integer

    @amazon.datazone#searchable
    classification: DataQualityClassificationValues

    @amazon.datazone#glossaryterm("gl2")
    business_term: DataQualityBusinessTermTerms

    checked_at: Timestamp
}

@enum([{value: "public"}, {value: "internal"}])
string DataQualityClassificationValues

@length(min: 1, max: 1)
list DataQualityBusinessTermTerms {
    member: String
}
"""


def _client():
    return boto3.client("datazone", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def _page(page_size: int = 50, **params):
    return {"domainIdentifier": DOMAIN, "maxResults": page_size, **params}


def _group(group_id: str) -> dict:
    return {"group": {"groupId": group_id}}


DETAILS = {
    "CREATE_PROJECT_FROM_PROJECT_PROFILE": {"createProjectFromProjectProfile": {"includeChildDomainUnits": True}},
    "CREATE_GLOSSARY": {"createGlossary": {"includeChildDomainUnits": True}},
    "CREATE_FORM_TYPE": {"createFormType": {"includeChildDomainUnits": True}},
}


def _unit(
    stub: Stubber, unit_id: str, name: str, owners: list, parent: str | None = ROOT_UNIT, grants: dict | None = None
) -> None:
    """The unit, then (except for the root) its grants of the three policies the mesh declares."""
    response = {"id": unit_id, "domainId": DOMAIN, "name": name, "owners": owners, "description": f"{name} unit"}
    if parent:
        response["parentDomainUnitId"] = parent
    stub.add_response("get_domain_unit", response, {"domainIdentifier": DOMAIN, "identifier": unit_id})
    if parent is None:
        return
    for policy, detail in DETAILS.items():
        stub.add_response(
            "list_policy_grants",
            {"grantList": [{"principal": p, "detail": detail} for p in (grants or {}).get(policy, [])]},
            _page(25, entityType="DOMAIN_UNIT", entityIdentifier=unit_id, policyType=policy),
        )


def _children(stub: Stubber, parent: str, units: list[tuple[str, str]], token: str | None = None, **more) -> None:
    response: dict = {"items": [{"id": i, "name": n} for i, n in units]}
    if "next" in more:
        response["nextToken"] = more["next"]
    params = _page(25, parentDomainUnitIdentifier=parent)
    if token:
        params["nextToken"] = token
    stub.add_response("list_domain_units_for_parent", response, params)


def _project_calls(stub: Stubber, pid: str, name: str, unit: str, profile: str, members: list) -> None:
    stub.add_response(
        "get_project",
        {
            "domainId": DOMAIN,
            "id": pid,
            "name": name,
            "createdBy": "x",
            "description": f"{name} project",
            "domainUnitId": unit,
            "projectProfileId": profile,
            "projectStatus": "ACTIVE",
        },
        {"domainIdentifier": DOMAIN, "identifier": pid},
    )
    stub.add_response(
        "list_project_memberships",
        {"members": [{"memberDetails": m, "designation": d} for m, d in members]},
        _page(projectIdentifier=pid),
    )


def _summary(pid: str, name: str) -> dict:
    return {"domainId": DOMAIN, "id": pid, "name": name, "createdBy": "x"}


def _term(tid: str, glossary: str, name: str, **relations) -> dict:
    item = {
        "domainId": DOMAIN,
        "glossaryId": glossary,
        "id": tid,
        "name": name,
        "shortDescription": f"{name} in short",
        "status": "ENABLED",
    }
    if relations:
        item["termRelations"] = relations
    return {"glossaryTermItem": item}


def _glossary(gid: str, name: str, owner: str) -> dict:
    return {
        "glossaryItem": {
            "domainId": DOMAIN,
            "id": gid,
            "name": name,
            "owningProjectId": owner,
            "status": "ENABLED",
            "description": f"{name} glossary",
        }
    }


def stub_domain(stub: Stubber, *, network: bool = True) -> None:
    """Every call of one export, in order, with its exact parameters. ``network``: whether Tooling's
    regional parameters name the VPC and subnets."""
    stub.add_response(
        "get_domain",
        {
            "id": DOMAIN,
            "name": "Corp Analytics",
            "description": "Corp data mesh",
            "arn": f"arn:aws:datazone:{REGION}:{ACCOUNT}:domain/{DOMAIN}",
            "rootDomainUnitId": ROOT_UNIT,
            "domainExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/exec",
            "status": "AVAILABLE",
            "domainVersion": "V2",
            "singleSignOn": {"type": "IAM_IDC", "userAssignment": "MANUAL", "idcInstanceArn": IDC},
        },
        {"identifier": DOMAIN},
    )
    _unit(stub, ROOT_UNIT, "Corp Analytics", [_group(G_ADMIN), {"user": {"userId": USER}}], parent=None)
    # The root's children come in two pages; each unit is read as it is listed, breadth first.
    _children(stub, ROOT_UNIT, [("u-fin", "Finance")], next="page2")
    _unit(
        stub,
        "u-fin",
        "Finance",
        [_group(G_FIN), {"user": {"userId": USER}}],
        grants={
            "CREATE_PROJECT_FROM_PROJECT_PROFILE": [
                {"group": {"groupIdentifier": G_FIN}},
                {"user": {"userIdentifier": USER}},
            ],
            "CREATE_GLOSSARY": [{"project": {"projectIdentifier": "p1", "projectDesignation": "OWNER"}}],
        },
    )
    _children(stub, ROOT_UNIT, [("u-sales", "Sales")], token="page2")
    _unit(
        stub,
        "u-sales",
        "sales-domain-unit",
        [_group(G_ADMIN)],
        grants={"CREATE_GLOSSARY": [{"domainUnit": {"domainUnitDesignation": "OWNER"}}]},
    )
    _children(stub, "u-fin", [("u-fa", "Finance Analytics")])
    _unit(
        stub,
        "u-fa",
        "Finance Analytics",
        [_group(G_FIN)],
        parent="u-fin",
        grants={"CREATE_GLOSSARY": [{"project": {"projectIdentifier": "p3", "projectDesignation": "OWNER"}}]},
    )
    _children(stub, "u-sales", [])
    _children(stub, "u-fa", [])
    blueprint = {"provider": "Amazon SageMaker", "provisioningProperties": {"cloudFormation": {"templateUrl": "u"}}}
    stub.add_response(
        "list_environment_blueprints",
        {
            "items": [
                {"id": "bp-tool", "name": "Tooling", **blueprint},
                {"id": "bp-lake", "name": "DataLake", **blueprint},
                {"id": "bp-custom", "name": "MyCustomBlueprint", **blueprint},
            ]
        },
        _page(managed=True),
    )
    stub.add_response(
        "list_environment_blueprint_configurations",
        {
            "items": [
                {
                    "domainId": DOMAIN,
                    "environmentBlueprintId": "bp-tool",
                    "enabledRegions": [REGION],
                    "regionalParameters": {
                        REGION: {"VpcId": VPC, "Subnets": ",".join(SUBNETS), "S3Location": "s3://corp-projects"}
                        if network
                        else {"S3Location": "s3://corp-projects"}
                    },
                },
                {"domainId": DOMAIN, "environmentBlueprintId": "bp-lake", "enabledRegions": [REGION]},
                {"domainId": DOMAIN, "environmentBlueprintId": "bp-custom", "enabledRegions": [REGION]},
            ]
        },
        _page(),
    )
    stub.add_response(
        "list_project_profiles",
        {
            "items": [
                {"domainId": DOMAIN, "id": "pp1", "name": "SQL analytics", "createdBy": "x"},
                {"domainId": DOMAIN, "id": "pp2", "name": "Lake only", "createdBy": "x"},
            ]
        },
        _page(),
    )
    stub.add_response(
        "get_project_profile",
        {
            "domainId": DOMAIN,
            "id": "pp1",
            "name": "SQL analytics",
            "createdBy": "x",
            "status": "ENABLED",
            "environmentConfigurations": [
                {
                    "name": "Tooling",
                    "environmentBlueprintId": "bp-tool",
                    "deploymentMode": "ON_CREATE",
                    "deploymentOrder": 0,
                    "configurationParameters": {
                        "parameterOverrides": [{"name": "enableSpaces", "value": "false", "isEditable": False}]
                    },
                    "awsAccount": {"awsAccountId": ACCOUNT},
                    "awsRegion": {"regionName": REGION},
                },
                {
                    "name": "Lakehouse Database",
                    "environmentBlueprintId": "bp-lake",
                    "deploymentMode": "ON_CREATE",
                    "deploymentOrder": 1,
                    "configurationParameters": {
                        "parameterOverrides": [{"name": "glueDbName", "value": "glue_db", "isEditable": True}]
                    },
                },
                {"name": "Custom", "environmentBlueprintId": "bp-custom", "deploymentMode": "ON_DEMAND"},
            ],
        },
        {"domainIdentifier": DOMAIN, "identifier": "pp1"},
    )
    stub.add_response(
        "get_project_profile",
        {
            "domainId": DOMAIN,
            "id": "pp2",
            "name": "Lake only",
            "createdBy": "x",
            "environmentConfigurations": [{"name": "DataLake", "environmentBlueprintId": "bp-lake"}],
        },
        {"domainIdentifier": DOMAIN, "identifier": "pp2"},
    )
    stub.add_response(
        "list_projects",
        {"items": [_summary("p1", "Finance Reporting"), _summary("p2", "Sandbox")], "nextToken": "projects2"},
        _page(),
    )
    _project_calls(
        stub,
        "p1",
        "Finance Reporting",
        "u-fin",
        "pp1",
        [
            (_group(G_FIN), "PROJECT_OWNER"),
            (_group(G_ANALYST), "PROJECT_CONTRIBUTOR"),
            ({"user": {"userId": USER}}, "PROJECT_OWNER"),
        ],
    )
    _project_calls(stub, "p2", "Sandbox", ROOT_UNIT, "pp1", [(_group(G_ADMIN), "PROJECT_OWNER")])
    stub.add_response("list_projects", {"items": [_summary("p3", "Sales Forecast")]}, _page(nextToken="projects2"))
    _project_calls(
        stub,
        "p3",
        "Sales Forecast",
        "u-sales",
        "pp1",
        [(_group(G_ADMIN), "PROJECT_OWNER"), (_group(G_FIN), "PROJECT_CATALOG_VIEWER")],
    )
    stub.add_response(
        "search",
        {
            "items": [
                _term("t1", "gl1", "EBITDA"),
                _term("t2", "gl1", "Revenue"),
                _term("t3", "gl1", "ARR", isA=["t2"]),
                _term("t4", "gl2", "Account", classifies=["t1"]),
            ]
        },
        _page(searchScope="GLOSSARY_TERM"),
    )
    stub.add_response(
        "search",
        {
            "items": [
                _glossary("gl1", "Finance Terms", "p1"),
                _glossary("gl2", "corp-enterprise-glossary", "p3"),
                _glossary("gl3", "Sandbox notes", "p2"),
            ]
        },
        _page(searchScope="GLOSSARY"),
    )
    stub.add_response(
        "search_types",
        {"items": [{"formTypeItem": {"domainId": DOMAIN, "name": "DataQuality", "revision": "3"}}]},
        _page(searchScope="FORM_TYPE", managed=False),
    )
    stub.add_response(
        "get_form_type",
        {
            "domainId": DOMAIN,
            "name": "DataQuality",
            "revision": "3",
            "model": {"smithy": FORM_SMITHY},
            "owningProjectId": "p1",
            "status": "ENABLED",
            "description": "Measured quality",
        },
        {"domainIdentifier": DOMAIN, "formTypeIdentifier": "DataQuality"},
    )
    stub.add_response(
        "search_group_profiles",
        {
            "items": [
                {"id": G_ADMIN, "groupName": "Platform Admins", "status": "ASSIGNED"},
                {"id": G_FIN, "groupName": "finance-leads", "status": "ASSIGNED"},
                {"id": G_EXEC, "groupName": "Executives", "status": "ASSIGNED"},
            ]
        },
        _page(groupType="DATAZONE_SSO_GROUP"),
    )
    # Not among the profiles found: asked for by id.
    stub.add_response(
        "get_group_profile",
        {"id": G_ANALYST, "groupName": "Finance Analysts", "status": "ASSIGNED"},
        {"domainIdentifier": DOMAIN, "groupIdentifier": G_ANALYST},
    )
    stub.add_response(
        "get_user_profile",
        {"id": USER, "type": "SSO", "details": {"sso": {"username": "alice@corp.example"}}},
        {"domainIdentifier": DOMAIN, "userIdentifier": USER},
    )


@pytest.fixture
def datazone(monkeypatch):
    client = _client()
    stub = Stubber(client)
    stub.activate()
    clients = {"datazone": client}
    monkeypatch.setattr(cli.STATE, "clients", lambda profile, role: lambda service, region: clients[service])
    yield stub
    stub.deactivate()


def _export(folder: Path, *extra: str):
    args = ["export", "--env", "dev", "--domain-id", DOMAIN, "--region", REGION, *extra, str(folder)]
    return runner.invoke(cli.app, args)


def test_an_exported_domain_loads_as_a_valid_mesh(datazone: Stubber, tmp_path: Path):
    stub_domain(datazone)
    folder = tmp_path / "adopted"
    result = _export(folder, "--org", "corp")
    assert result.exit_code == 0, result.output
    datazone.assert_no_pending_responses()
    assert "is a valid mesh" in result.output

    config = load_mesh(folder)
    mesh = config.mesh
    assert mesh.org == "corp" and mesh.environments == ["dev"]
    assert mesh.identity_center.groups == {
        "platform-admins": G_ADMIN,
        "finance-leads": G_FIN,
        "finance-analysts": G_ANALYST,
        "executives": G_EXEC,
    }
    assert mesh.domain.administrators == ["platform-admins"]
    assert [(u.id, u.parent, u.owners) for u in mesh.domain_units] == [
        ("finance", None, ["finance-leads"]),
        ("sales", None, ["platform-admins"]),
        ("finance-analytics", "finance", ["finance-leads"]),
    ]
    (profile,) = mesh.project_profiles
    assert profile.capability == "sql-analytics"
    assert [(e.blueprint.value, e.name, e.deployment_order) for e in profile.environments] == [
        ("Tooling", None, 0),
        ("DataLake", "Lakehouse Database", 1),
    ]
    assert profile.environments[1].parameter_overrides[0].editable is True
    assert [b.value for b in mesh.blueprints] == ["Tooling", "DataLake"]
    projects = {p.key: p for p in mesh.projects}
    assert set(projects) == {"finance-reporting", "sales-forecast"}
    assert projects["finance-reporting"].owners == ["finance-leads"]
    assert projects["finance-reporting"].contributors == ["finance-analysts"]
    assert projects["sales-forecast"].contributors == []
    glossaries = {g.scope: g for g in mesh.glossaries}
    assert set(glossaries) == {"finance", "enterprise"}
    assert glossaries["enterprise"].owning_project == "sales-forecast"
    arr = next(t for t in glossaries["finance"].terms if t.name == "ARR")
    assert arr.is_a == ["Revenue"]
    assert glossaries["enterprise"].terms[0].classifies == ["finance/EBITDA"]
    (form,) = mesh.metadata_forms
    assert form.owning_project == "finance-reporting"
    assert [(f.name, f.type.value, f.required, f.glossary) for f in form.fields] == [
        ("quality_score", "integer", True, None),
        ("classification", "string", False, None),
        ("business_term", "glossary_term", False, "enterprise"),
    ]
    assert form.fields[1].allowed_values == ["public", "internal"]
    units = {u.id: u for u in mesh.domain_units}
    assert units["finance"].project_creators == ["finance-leads"]
    assert units["sales"].project_creators == []
    assert units["finance"].grants.create_glossary == ["finance-reporting"]
    assert units["finance"].grants.create_form_type == ["finance-reporting"]
    assert units["sales"].grants.create_glossary == ["sales-forecast"]

    env = config.environment("dev")
    assert (env.account, env.region, env.identity_center_instance_arn) == (ACCOUNT, REGION, IDC)
    assert (env.network.vpc_id, env.network.subnet_ids) == (VPC, SUBNETS)
    assert env.deletion_protection is True


def test_what_the_format_cannot_express_is_a_comment_not_dropped(datazone: Stubber, tmp_path: Path):
    stub_domain(datazone)
    folder = tmp_path / "adopted"
    assert _export(folder, "--org", "corp").exit_code == 0
    text = (folder / "mesh.yaml").read_text()
    flat = " ".join(line.strip("# ").strip() for line in text.splitlines())
    # Users are named, not dropped.
    assert "unit 'Finance': user owner(s) alice@corp.example" in flat
    assert "project 'Finance Reporting': user alice@corp.example" in flat
    # A designation other than Owner/Contributor, a custom blueprint, a field type the mesh lacks.
    assert "group finance-leads has designation PROJECT_CATALOG_VIEWER" in flat
    assert "uses blueprint MyCustomBlueprint" in flat
    assert "blueprint MyCustomBlueprint is enabled in the domain" in flat
    assert "field checked_at has type Timestamp" in flat
    # Objects that cannot be declared are written commented out, with the reason.
    assert "project 'Sandbox' is in the root domain unit" in flat
    assert "#   - domain_unit: <a domain unit>\n#     use_case: sandbox\n" in text
    assert "profile 'Lake only' has no Tooling environment" in flat
    assert "glossary 'Sandbox notes' (gl3) with 0 term(s): its owning project p2 is not declared" in flat
    # Renames are visible where the mesh's derived name differs from the domain's.
    assert "id: finance  # export: 'Finance' (u-fin) in the domain" in text
    assert "  - id: sales\n" in text  # sales-domain-unit is already the mesh's name
    assert "scope: finance  # export: 'Finance Terms' (gl1) in the domain, renamed finance-glossary" in text
    assert "glossary 'Finance Terms' is named finance-glossary by the mesh, whose glossary handler adopts" in flat
    assert re.search(rf"platform-admins: {G_ADMIN} +# export: 'Platform Admins' in Identity Center", text)
    assert "s3://corp-projects" in flat
    # Grants: read where the domain has them, derived (and said so) where an owner needs one.
    assert "unit 'Finance': CREATE_PROJECT_FROM_PROJECT_PROFILE granted to user alice@corp.example" in flat
    assert "unit 'sales-domain-unit': CREATE_GLOSSARY granted to domainUnit is kept" in flat
    assert "CREATE_GLOSSARY granted to project sales-forecast of another unit" in flat
    assert (
        "grants.create_form_type of unit 'finance' lists finance-reporting, not read from the domain: it owns" in flat
    )
    assert "grants.create_glossary of unit 'finance' lists" not in flat  # read from the domain
    assert "grants.create_glossary of unit 'sales' lists sales-forecast, not read from the domain" in flat


def test_an_aws_error_is_one_line(datazone: Stubber, tmp_path: Path):
    datazone.add_client_error(
        "get_domain",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform datazone:GetDomain",
        http_status_code=403,
        expected_params={"identifier": DOMAIN},
    )
    result = _export(tmp_path / "adopted")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: reading domain {DOMAIN}: access denied: User is not authorized to perform datazone:GetDomain"
    )
    assert not (tmp_path / "adopted").exists()


def test_a_folder_without_a_mesh_needs_the_domain_and_region(tmp_path: Path):
    result = runner.invoke(cli.app, ["export", "--env", "dev", str(tmp_path / "new")])
    assert result.exit_code == 1
    assert "holds no mesh (mesh.yaml): name the domain with --domain-id and --region" in result.output


def test_existing_files_are_kept_unless_forced(datazone: Stubber, tmp_path: Path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    result = _export(folder)
    assert result.exit_code == 1
    assert "mesh.yaml already exist(s): commit first, then run again with --force" in result.output
    assert (folder / "mesh.yaml").read_text() == (ROOT / "environments" / "mesh.yaml").read_text()


def test_a_v1_domain_is_refused(datazone: Stubber, tmp_path: Path):
    datazone.add_response(
        "get_domain",
        {"id": DOMAIN, "domainExecutionRole": "arn:aws:iam::1:role/x", "status": "AVAILABLE", "domainVersion": "V1"},
        {"identifier": DOMAIN},
    )
    result = _export(tmp_path / "adopted")
    assert result.exit_code == 1
    assert "is a DataZone V1 domain; this tool manages SageMaker Unified Studio (V2) domains only" in result.output


def test_the_form_reader_is_the_inverse_of_the_form_model():
    from mesh_constructs.form_model import FormFieldSpec, FormFieldType, form_model

    model = form_model(
        "Refresh",
        [
            FormFieldSpec("frequency", FormFieldType.STRING, "How often", True, True, ("daily", "hourly")),
            FormFieldSpec("sla_hours", FormFieldType.INTEGER),
            FormFieldSpec("ok", FormFieldType.BOOLEAN, 'Says "yes"'),
            FormFieldSpec("term", FormFieldType.GLOSSARY_TERM, glossary_id="gl-9"),
        ],
    )
    parsed = parse_form("Refresh", model)
    assert not parsed.problems
    assert [(f.name, f.type, f.required, f.searchable, f.allowed_values, f.glossary_id) for f in parsed.fields] == [
        ("frequency", "string", True, True, ["daily", "hourly"], None),
        ("sla_hours", "integer", False, False, None, None),
        ("ok", "boolean", False, False, None, None),
        ("term", "glossary_term", False, False, None, "gl-9"),
    ]
    assert parsed.fields[0].description == "How often" and parsed.fields[2].description == 'Says "yes"'


def test_an_existing_mesh_keeps_its_settings_and_group_names(datazone: Stubber, tmp_path: Path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    # The corp domain has none of acme's projects, which its catalogs, subscriptions and workloads
    # name (kept sections naming what the domain lacks: the next test).
    edit_yaml(
        folder / "mesh.yaml",
        lambda mesh: [mesh.pop(k) for k in ("catalogs", "data_products", "subscriptions", "workloads")],
    )
    dev_before = (folder / "dev.yaml").read_text()
    stub_domain(datazone)
    result = _export(folder, "--force")
    assert result.exit_code == 0, result.output
    datazone.assert_no_pending_responses()
    config = load_mesh(folder)
    # org, environments and pipeline come from the existing mesh; its dev.yaml is the source, untouched.
    assert config.mesh.org == "acme" and config.mesh.environments == ["dev", "staging", "prod"]
    assert config.mesh.pipeline is not None and config.mesh.pipeline.account == "444444444444"
    assert (folder / "dev.yaml").read_text() == dev_before
    # Groups already named in the mesh keep their names.
    assert config.mesh.identity_center.groups["data-platform-admins"] == G_ADMIN
    assert config.mesh.domain.administrators == ["data-platform-admins"]
    assert {p.key: p.owners for p in config.mesh.projects}["finance-reporting"] == ["finance-team-leads"]
    assert "kept as they were: org, environments, tags, pipeline, organization\n" in result.output
    header = " ".join(line.strip("# ") for line in (folder / "mesh.yaml").read_text().splitlines()[:9])
    kept = "org, environments, tags, pipeline, organization"
    assert f"Kept as they were in the previous mesh.yaml: {kept}. Replaced" in header


def test_kept_sections_that_name_what_the_domain_lacks_are_reported_not_dropped(datazone: Stubber, tmp_path: Path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    stub_domain(datazone)
    result = _export(folder, "--force")
    assert result.exit_code == 1
    kept = "org, environments, tags, pipeline, catalogs, data_products, subscriptions, workloads, organization"
    assert f"kept as they were: {kept}\n" in result.output
    assert "the loader reports what to complete before the mesh deploys:" in result.output
    assert "subscriptions[0].consumer" in result.output and "unknown project 'sales-analytics'" in result.output
    text = (folder / "mesh.yaml").read_text()
    before = (ROOT / "environments" / "mesh.yaml").read_text()
    assert before[before.index("# Domain catalogs") :] in text  # both sections, comments and all


def test_a_region_other_than_the_environments_is_refused(tmp_path: Path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    args = ["export", "--env", "dev", "--domain-id", DOMAIN, "--region", "us-east-1", "--force", str(folder)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: --region us-east-1 differs from region eu-west-1 in {folder / 'dev.yaml'}: the domain of an "
        "existing mesh is read in its environment's region; omit --region, or export into another folder"
    )
    assert (folder / "mesh.yaml").read_text() == (ROOT / "environments" / "mesh.yaml").read_text()


def test_an_org_other_than_the_meshs_is_refused(tmp_path: Path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    result = _export(folder, "--force", "--org", "corp")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: --org corp differs from org acme in {folder / 'mesh.yaml'}: an existing mesh keeps its org; "
        "omit --org, or export into another folder"
    )


@pytest.fixture
def cloudformation(monkeypatch):
    """A Stubber on a real CloudFormation client, the one the export reads the domain stack with."""
    client = boto3.client("cloudformation", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.activate()
    asked: list[tuple[str | None, str | None, str, str]] = []

    def clients(profile, role):
        def client_for(service, region):
            asked.append((profile, role, service, region))
            return client

        return client_for

    monkeypatch.setattr(cli.STATE, "clients", clients)
    stub.asked = asked  # type: ignore[attr-defined]
    yield stub
    stub.deactivate()


def test_a_domain_stack_the_profile_cannot_find_names_the_account_and_domain_id(cloudformation: Stubber, tmp_path):
    folder = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", folder)
    # What CloudFormation answers for a stack that is not in the caller's account and region.
    cloudformation.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id acme-dev-domain does not exist",
        http_status_code=400,
        expected_params={"StackName": "acme-dev-domain"},
    )
    result = runner.invoke(cli.app, ["--profile", "corp-admin", "export", "--env", "dev", "--force", str(folder)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: stack acme-dev-domain, which gives dev's domain id, was not found with profile 'corp-admin': the "
        "profile must reach account 123456789012 (dev's account, eu-west-1), or give the domain with --domain-id"
    )
    cloudformation.assert_no_pending_responses()
    # With the caller's own credentials (no management role), in the environment's region.
    assert cloudformation.asked == [("corp-admin", None, "cloudformation", "eu-west-1")]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("domain_name", "org"),
    [("acme-dev-unified-domain", "acme"), ("Corp Analytics", "corp-analytics"), ("2024 Data!", "m-2024-data")],
)
def test_a_new_mesh_takes_its_org_from_the_domain_name(domain_name: str, org: str):
    from datamesh.export.runner import _org_from

    assert _org_from(domain_name, "dev") == org


def test_a_domain_deployed_by_the_mesh_exports_to_the_same_keys_without_rename_comments(tmp_path: Path):
    """Names that already follow the conventions come back as the keys they were derived from."""
    from datamesh.export import domain_reader as dr
    from datamesh.export.mesh_export import Target, write_export

    owner = (dr.Principal("group", G_FIN),)
    snapshot = dr.DomainSnapshot(
        domain=dr.DomainInfo(DOMAIN, "acme-dev-unified-domain", "", ACCOUNT, REGION, ROOT_UNIT, "MANUAL", IDC, None),
        root_owners=owner,
        units=[
            dr.Unit("u1", "finance-domain-unit", "", None, owner),
            dr.Unit("u2", "finance-analytics-domain-unit", "", "u1", owner),
        ],
        enabled_blueprints=["Tooling"],
        network=dr.Network(VPC, tuple(SUBNETS), None),
        profiles=[
            dr.Profile(
                "pp1",
                "sql-analytics-dev-profile",
                "",
                "ENABLED",
                None,
                (dr.ProfileEnvironment("Tooling", "Tooling", "", "ON_CREATE", 0, (), None, None),),
                (),
            )
        ],
        projects=[
            dr.Project(
                "p1",
                "finance-analytics-reporting-dev-project",
                "",
                "ACTIVE",
                "u2",
                "pp1",
                (dr.Member(owner[0], OWNER),),
            )
        ],
        glossaries=[dr.Glossary("gl1", "finance-glossary", "", "ENABLED", "p1", ())],
        form_types=[],
        group_names={G_FIN: "finance-team-leads"},
        assigned_groups={G_FIN},
    )
    write_export(snapshot, Target("dev", "acme", "dev", ACCOUNT), tmp_path)
    text = (tmp_path / "mesh.yaml").read_text()
    assert "in the domain" not in text  # no rename comment anywhere
    mesh = load_mesh(tmp_path).mesh
    assert [u.id for u in mesh.domain_units] == ["finance", "finance-analytics"]
    assert [p.key for p in mesh.projects] == ["finance-analytics-reporting"]
    assert [p.capability for p in mesh.project_profiles] == ["sql-analytics"]
    assert [(g.scope, g.owning_project) for g in mesh.glossaries] == [("finance", "finance-analytics-reporting")]


def test_the_adoption_guide_lists_exactly_the_datazone_actions_the_export_calls():
    import ast

    import botocore.session

    operations = {
        re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower(): op
        for op in botocore.session.get_session().get_service_model("datazone").operation_names
    }
    called: set[str] = set()
    for path in (ROOT / "datamesh" / "export").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in operations:
                called.add(operations[node.attr])
            paging = isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("items", "search_results")
            if paging and isinstance(node.args[1], ast.Constant) and node.args[1].value in operations:
                called.add(operations[node.args[1].value])
    guide = (ROOT / "docs" / "adopting-an-existing-domain.md").read_text(encoding="utf-8")
    paragraph = guide[guide.index("DataZone read actions:") : guide.index("It\nalso needs")]
    assert set(re.findall(r"`(\w+)`", paragraph)) == called


def test_what_the_domain_does_not_record_is_left_for_the_loader_to_ask(datazone: Stubber, tmp_path: Path):
    stub_domain(datazone, network=False)
    folder = tmp_path / "adopted"
    result = _export(folder, "--org", "corp")
    assert result.exit_code == 1
    assert f"wrote {folder / 'mesh.yaml'}" in result.output and f"wrote {folder / 'dev.yaml'}" in result.output
    assert "the loader reports what to complete before the mesh deploys:" in result.output
    assert "dev.yaml" in result.output and "network.vpc_id" in result.output
    assert "Traceback" not in result.output


def test_the_schema_lines_point_at_the_checkouts_schemas_from_any_folder(datazone: Stubber, tmp_path: Path):
    stub_domain(datazone)
    folder = tmp_path / "deep" / "adopted"
    assert _export(folder, "--org", "corp").exit_code == 0
    for name, schema in (("mesh.yaml", "mesh.schema.json"), ("dev.yaml", "environment.schema.json")):
        first = (folder / name).read_text().splitlines()[0]
        reference = first.removeprefix("# yaml-language-server: $schema=")
        assert reference != first, first
        assert (folder / reference).resolve() == (ROOT / "schemas" / schema).resolve()


def test_a_folder_that_cannot_be_written_is_one_line(datazone: Stubber, tmp_path: Path):
    stub_domain(datazone)
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "adopted"
    result = _export(folder, "--org", "corp")
    assert result.exit_code == 1
    assert result.output.strip() == f"error: cannot write {folder}: Not a directory"


def test_a_bad_region_is_refused_before_any_call(tmp_path: Path):
    result = runner.invoke(
        cli.app, ["export", "--env", "dev", "--domain-id", DOMAIN, "--region", "mars", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert result.output.strip() == "error: --region 'mars' is not an AWS region name (e.g. eu-west-1)"
