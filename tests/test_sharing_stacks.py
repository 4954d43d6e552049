"""Cross-account shares and team grants on the synthesized three-PROD example: the producer's
filters and grants, the consumers' links and grants, the ids published for them, the order in
the pipeline, and the RAM invitation acceptance outside one organization."""

from __future__ import annotations

import json

import pytest

from tests.ram_acceptance import shared_data_template
from tests.synth import ROOT, SynthesizedApp, of_type, synth_app

VARIANT = ROOT / "examples" / "three-prod-accounts"


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synth_app(VARIANT, tmp_path_factory.mktemp("sharing"))


def _template(app: SynthesizedApp, name: str) -> dict:
    return app.templates()[name]


def test_producer_filters_prod_dev_and_shares_everything_with_prod_staging(variant):
    template = _template(variant, "acme-prod-shares")
    (data_filter,) = of_type(template, "AWS::LakeFormation::DataCellsFilter").values()
    props = data_filter["Properties"]
    assert props["RowFilter"] == {"FilterExpression": "sample_bucket = 0"}
    assert props["ColumnWildcard"]["ExcludedColumnNames"] == [
        "ssn",
        "credit_card_number",
        "bank_account",
        "salary",
        "date_of_birth",
    ]
    assert (props["TableCatalogId"], props["DatabaseName"], props["TableName"]) == (
        "333333333333",
        "prod_customers_db",
        "customers",
    )
    grants = of_type(template, "AWS::LakeFormation::PrincipalPermissions")
    to_dev = [
        g["Properties"]
        for g in grants.values()
        if g["Properties"]["Principal"]["DataLakePrincipalIdentifier"] == "111111111111"
    ]
    to_staging = [
        g["Properties"]
        for g in grants.values()
        if g["Properties"]["Principal"]["DataLakePrincipalIdentifier"] == "222222222222"
    ]
    assert {json.dumps(sorted(g["Resource"])) for g in to_dev} == {'["Database"]', '["DataCellsFilter"]'}
    assert {json.dumps(sorted(g["Resource"])) for g in to_staging} == {'["Database"]', '["Table"]'}
    filtered = next(g for g in to_dev if "DataCellsFilter" in g["Resource"])
    assert filtered["Resource"]["DataCellsFilter"]["Name"] == props["Name"]
    for grant in (*to_dev, *to_staging):
        if "Database" not in grant["Resource"]:
            assert grant["Permissions"] == ["DESCRIBE", "SELECT"] == grant["PermissionsWithGrantOption"]


def test_every_lake_formation_change_of_the_producer_is_one_chain(variant):
    template = _template(variant, "acme-prod-shares")
    resources = {
        **of_type(template, "AWS::LakeFormation::PrincipalPermissions"),
        **of_type(template, "AWS::LakeFormation::DataCellsFilter"),
    }
    starts = [k for k, r in resources.items() if not r.get("DependsOn")]
    assert len(starts) == 1
    followers = [d for r in resources.values() for d in r.get("DependsOn", [])]
    assert len(followers) == len(set(followers)) == len(resources) - 1  # each has exactly one successor


def test_producer_account_uses_cross_account_version_4_and_keeps_its_admins(variant):
    def settings(stack: str) -> dict:
        (resource,) = of_type(_template(variant, stack), "AWS::LakeFormation::DataLakeSettings").values()
        return resource["Properties"]

    assert settings("acme-prod-foundation")["Parameters"] == {"CROSS_ACCOUNT_VERSION": "4"}
    assert settings("acme-prod-foundation")["MutationType"] == "APPEND"
    assert "Parameters" not in settings("acme-prod-dev-foundation")


def test_consumer_ids_are_published_for_the_later_stage(variant):
    def names(stack: str) -> set[str]:
        parameters = of_type(_template(variant, stack), "AWS::SSM::Parameter").values()
        return {r["Properties"]["Name"] for r in parameters}

    assert names("acme-prod-dev-domain") == {"/acme/prod-dev/mesh/domain-id", "/acme/prod-dev/mesh/root-domain-unit-id"}
    assert names("acme-prod-dev-projects-finance") == {"/acme/prod-dev/mesh/projects/finance-customer360/id"}
    assert not of_type(_template(variant, "acme-prod-domain"), "AWS::SSM::Parameter")


def test_consumer_links_the_database_and_grants_its_project_role(variant):
    template = _template(variant, "acme-prod-dev-shared-data")
    (link,) = of_type(template, "AWS::Glue::Database").values()
    assert link["Properties"]["DatabaseInput"]["Name"] == "shared_prod_customers_db"
    assert link["Properties"]["DatabaseInput"]["TargetDatabase"] == {
        "CatalogId": "333333333333",
        "DatabaseName": "prod_customers_db",
        "Region": "eu-west-1",
    }
    (grants,) = of_type(template, "Custom::LakeFormationGrants").values()
    entries = grants["Properties"]["Grants"]
    connections_id = next(iter(of_type(template, "Custom::DataZoneProjectConnections")))
    role = {"Fn::GetAtt": [connections_id, "RoleArnfinanceXcustomer360"]}
    assert {
        "Principal": role,
        "Database": "shared_prod_customers_db",
        "Table": "",
        "Permissions": ["DESCRIBE"],
        "Grantable": [],
    } in entries
    table = next(e for e in entries if e["Table"] == "customers")
    assert table["CatalogId"] == "333333333333" and table["Filter"].startswith("customers_prod_dev_customers_v")
    assert table["Permissions"] == ["SELECT"]
    link_id = next(iter(of_type(template, "AWS::Glue::Database")))
    assert link_id in grants["DependsOn"]
    assert "Custom::RamInvitations" not in {r["Type"] for r in template["Resources"].values()}
    staging = _template(variant, "acme-prod-staging-shared-data")
    (staging_grants,) = of_type(staging, "Custom::LakeFormationGrants").values()
    full = next(e for e in staging_grants["Properties"]["Grants"] if e["Table"] == "customers")
    assert "Filter" not in full and full["Permissions"] == ["DESCRIBE", "SELECT"]


def test_team_grants_translate_seed_002(variant):
    template = _template(variant, "acme-prod-team-grants")
    (grants,) = of_type(template, "Custom::LakeFormationGrants").values()
    entries = grants["Properties"]["Grants"]
    by_principal: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for e in entries:
        principal = json.dumps(e["Principal"])
        by_principal.setdefault(principal, set()).add((e["Table"], tuple(e["Permissions"])))
    logistics = next(v for k, v in by_principal.items() if "acme-team-logistics" in k)
    assert ("sales_transaction_table", ("SELECT",)) in logistics and ("", ("DESCRIBE",)) in logistics
    sales = next(v for k, v in by_principal.items() if "identitystore" in k and "0005" in k)
    assert ("sales_item_table", ("DELETE", "INSERT", "SELECT")) in sales
    analytics = next(v for k, v in by_principal.items() if "0003" in k)
    assert {t for t, _ in analytics} == {
        "",
        "sales_membership_table",
        "sales_item_table",
        "sales_transaction_table",
        "sales_transaction_item_mapping_table",
    }
    assert all(set(p) <= {"SELECT", "DESCRIBE"} for _, p in analytics)


def test_pipeline_deploys_producer_grants_before_consumer_links(variant):
    pipeline = _template(variant, "acme-mesh-pipeline")
    (resource,) = of_type(pipeline, "AWS::CodePipeline::Pipeline").values()
    stages = resource["Properties"]["Stages"]
    names = [s["Name"] for s in stages]
    assert names.index("prod") < names.index("prod-shares") < names.index("shared-data")
    deployed = {
        s["Name"]: sorted(
            a["Configuration"]["StackName"] for a in s["Actions"] if "StackName" in a.get("Configuration", {})
        )
        for s in stages
    }
    assert deployed["prod-shares"] == ["acme-prod-shares"]
    assert deployed["shared-data"] == ["acme-prod-dev-shared-data", "acme-prod-staging-shared-data"]


def test_outside_one_organization_the_invitation_is_accepted_before_the_link():
    template = shared_data_template()
    ((accept_id, accept),) = of_type(template, "Custom::RamInvitations").items()
    assert accept["Properties"]["SenderAccountId"] == "333333333333"
    (link,) = of_type(template, "AWS::Glue::Database").values()
    assert accept_id in link["DependsOn"]
