"""The catalogs, products and subscriptions stacks, asserted on the synthesized example: Lake
Formation mode and grants, the tables' schema, the data sources, and the order of everything."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match, Template

from tests.synth import of_type


def _template(app, name: str) -> dict:
    (stack,) = [s for s in app.stacks() if s.stack_name == name]
    return stack.template


@pytest.fixture(scope="module")
def catalogs(producers_app) -> dict:
    return _template(producers_app, "acme-dev-catalogs")


@pytest.fixture(scope="module")
def finance(producers_app) -> dict:
    return _template(producers_app, "acme-dev-products-9")


@pytest.fixture(scope="module")
def subscriptions(producers_app) -> dict:
    return _template(producers_app, "acme-dev-subscriptions")


def _one(template: dict, kind: str, prefix: str = "") -> tuple[str, dict]:
    (found,) = [(k, r) for k, r in of_type(template, kind).items() if k.startswith(prefix)]
    return found


def test_catalog_databases_are_governed_by_lake_formation_alone(catalogs):
    databases = of_type(catalogs, "AWS::Glue::Database")
    names = sorted(r["Properties"]["DatabaseInput"]["Name"] for r in databases.values())
    assert names == ["finance_dev_catalog", "ops_dev_catalog", "sales_dev_catalog"]
    for database in databases.values():
        # No IAMAllowedPrincipals on new tables: DataZone can manage (grant) access to them.
        assert database["Properties"]["DatabaseInput"]["CreateTableDefaultPermissions"] == []
        assert database["DeletionPolicy"] == "Delete"  # dev has deletion_protection: false


def test_locations_registered_in_hybrid_mode_with_the_data_access_role(catalogs):
    template = Template.from_json(catalogs)
    role_id, _ = _one(catalogs, "AWS::IAM::Role", "LocationsDataAccessRole")
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "acme-dev-lakeformation-data-access",
            "AssumeRolePolicyDocument": {
                "Statement": [Match.object_like({"Principal": {"Service": "lakeformation.amazonaws.com"}})]
            },
        },
    )
    registrations = of_type(catalogs, "AWS::LakeFormation::Resource")
    arns = sorted(json.dumps(r["Properties"]["ResourceArn"]) for r in registrations.values())
    assert len(arns) == 2 and "acme-dev-curated-123456789012" in arns[0] and "published" in arns[1]
    for registration in registrations.values():
        props = registration["Properties"]
        assert props["HybridAccessEnabled"] is True and props["UseServiceLinkedRole"] is False
        assert props["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert any(d.startswith("LocationsDataAccessRoleDefaultPolicy") for d in registration["DependsOn"])


def test_manage_access_role_is_granted_with_grant_option_one_grant_at_a_time(catalogs):
    grants = of_type(catalogs, "AWS::LakeFormation::PrincipalPermissions")
    assert len(grants) == 6  # database + all tables, for 3 catalogs
    ordered = sorted(grants.items(), key=lambda kv: len(kv[1].get("DependsOn", [])))
    tables = [r for k, r in grants.items() if "ManageAccessTables" in k]
    for grant in tables:
        assert grant["Properties"]["Permissions"] == ["DESCRIBE", "SELECT"]
        assert grant["Properties"]["PermissionsWithGrantOption"] == ["DESCRIBE", "SELECT"]
        assert grant["Properties"]["Resource"]["Table"]["TableWildcard"] == {}
    # Every grant but the first waits for another one (a chain through the databases).
    assert sum(1 for _, r in ordered if not r.get("DependsOn")) == 0


def test_grants_handler_runs_as_the_accounts_grants_role_and_writes_no_settings(catalogs):
    # The domain stack's LakeFormationSettings makes that role an administrator (tests/test_sharing_stacks.py).
    assert not of_type(catalogs, "AWS::LakeFormation::DataLakeSettings")
    _, function = _one(catalogs, "AWS::Lambda::Function", "GrantsHandlerFunction")
    assert function["Properties"]["Role"] == "arn:aws:iam::123456789012:role/acme-dev-lakeformation-grants"


def test_tables_carry_the_declared_schema_storage_and_pii(finance):
    _, gl = _one(finance, "AWS::Glue::Table", "Tablefinancegltransactionstable")
    table = gl["Properties"]["TableInput"]
    assert gl["Properties"]["DatabaseName"] == "finance_dev_catalog"
    assert table["Name"] == "finance_gl_transactions_table"
    storage = table["StorageDescriptor"]
    assert storage["Location"] == "s3://acme-dev-curated-123456789012/finance/gl_transactions/"
    assert storage["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert {"Name": "amount", "Type": "decimal(18,2)", "Comment": "Signed amount in the transaction currency"} in (
        storage["Columns"]
    )
    assert table["PartitionKeys"] == [{"Name": "posting_date", "Type": "date", "Comment": "Posting day"}]
    _, budget = _one(finance, "AWS::Glue::Table", "Tablefinancebudgetdatatable")
    assert budget["Properties"]["TableInput"]["Parameters"]["pii_columns"] == "budget_owner_email"
    assert (
        "LazySimpleSerDe"
        in budget["Properties"]["TableInput"]["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    )


def test_producer_role_is_granted_on_its_own_tables_only(finance):
    _, grants = _one(finance, "Custom::LakeFormationGrants", "ProducerGrants")
    connections_id, _ = _one(finance, "Custom::DataZoneProjectConnections")
    entries = grants["Properties"]["Grants"]
    role = {"Fn::GetAtt": [connections_id, "RoleArnfinanceXreporting"]}
    assert all(e["Principal"] == role for e in entries)
    # (and DATA_LOCATION_ACCESS on each table's prefix: tests/test_data_location_grants.py)
    assert {e["Table"] for e in entries if "Location" not in e} == {
        "",  # the database itself
        "finance_gl_transactions_table",
        "finance_pnl_reports_table",
        "finance_budget_data_table",
    }
    table_grant = next(e for e in entries if e.get("Table") == "finance_pnl_reports_table")
    assert table_grant["Permissions"] == ["ALTER", "DELETE", "DESCRIBE", "INSERT", "SELECT"]
    assert table_grant["Grantable"] == ["DESCRIBE", "SELECT"]


def test_data_source_imports_the_producers_tables_through_its_lakehouse_connection(finance):
    connections_id, connections = _one(finance, "Custom::DataZoneProjectConnections")
    assert connections["Properties"]["Projects"][0]["Key"] == "finance-reporting"
    assert connections["Properties"]["Projects"][0]["EnvironmentName"] == "Tooling"
    assert connections["Properties"]["ConnectionName"] == "project.default_lakehouse"
    _, source = _one(finance, "AWS::DataZone::DataSource")
    props = source["Properties"]
    assert props["Type"] == "GLUE" and props["PublishOnImport"] is False
    assert props["ConnectionIdentifier"] == {"Fn::GetAtt": [connections_id, "ConnectionIdfinanceXreporting"]}
    assert "EnvironmentIdentifier" not in props
    (filters,) = props["Configuration"]["GlueRunConfiguration"]["RelationalFilterConfigurations"]
    assert filters["DatabaseName"] == "finance_dev_catalog"
    assert [f["Expression"] for f in filters["FilterExpressions"]] == [
        "finance_gl_transactions_table",
        "finance_pnl_reports_table",
        "finance_budget_data_table",
    ]
    assert props["Schedule"] == {"Schedule": "cron(0 4 * * ? *)", "Timezone": "EUROPE_PARIS"}
    forms = {f["FormName"]: f for f in props["AssetFormsInput"]}
    assert json.loads(forms["DataProductOwner"]["Content"])["owner_team"] == "finance-reporting"
    assert forms["DataProductOwner"]["TypeRevision"]["Fn::GetStackOutput"]["StackName"] == "acme-dev-governance"


def test_products_stack_order_membership_lookup_tables_grants_source_run(finance):
    resources = finance["Resources"]
    memberships = of_type(finance, "AWS::DataZone::ProjectMembership")
    (membership_id,) = (k for k in memberships if k.startswith("HandlerOwns"))
    assert memberships[membership_id]["Properties"]["Designation"] == "PROJECT_OWNER"
    # The admin management role (datamesh CLI) is the other member: it decides subscription requests.
    assert {k for k in memberships if k.startswith("ManagementOwns")} == {"ManagementOwnsfinancereporting"}
    _, connections = _one(finance, "Custom::DataZoneProjectConnections")
    assert connections["DependsOn"] == [membership_id]
    grants_id, grants = _one(finance, "Custom::LakeFormationGrants", "ProducerGrants")
    assert set(grants["DependsOn"]) == set(of_type(finance, "AWS::Glue::Table"))
    source_id, source = _one(finance, "AWS::DataZone::DataSource")
    assert source["DependsOn"] == [grants_id]
    _, runs = _one(finance, "Custom::DataZoneDataSourceRuns")
    assert runs["Properties"]["DataSources"][0]["DataSourceId"] == {"Fn::GetAtt": [source_id, "Id"]}
    # The ledger's data quality (tests/test_quality_and_lineage_stacks.py).
    quality = {k for k in resources if k.startswith("Quality")}
    assert len(quality) == 8  # ruleset, evaluation and scheduler roles and policies, schedule, alarm, grants
    assert len(resources) - len(quality) == 3 + 3 + 2 + 1  # tables, 2 memberships + lookup, grants + source, run


def test_run_curates_terms_forms_and_publication(finance):
    _, runs = _one(finance, "Custom::DataZoneDataSourceRuns")
    tables = {t["Name"]: t for t in runs["Properties"]["DataSources"][0]["Tables"]}
    gl = tables["finance_gl_transactions_table"]
    assert gl["Publish"] == "true"
    assert [t["Term"] for t in gl["Terms"]] == ["Transaction"]
    assert {c["Column"]: c["Term"] for c in gl["ColumnTerms"]} == {
        "account_id": "Account",
        "customer_id": "Customer",
        "transaction_id": "Transaction",
    }
    glossary = gl["Terms"][0]["GlossaryId"]["Fn::GetStackOutput"]
    assert glossary["StackName"] == "acme-dev-governance" and "Glossaryenterprise" in glossary["OutputName"]
    classification = next(f for f in gl["Forms"] if f["Name"] == "DataClassification")
    assert json.loads(classification["Content"]) == {"classification": "confidential", "contains_pii": False}
    assert classification["TermFields"][0]["Field"] == "business_term"


def test_weak_references_come_with_a_fingerprint_of_what_they_point_to(finance):
    """Form revisions and glossary ids are Fn::GetStackOutput of the governance stack, which a deploy
    of an unchanged template never re-reads: the data source and the runs carry fingerprints of the
    declarations behind them, so editing those changes this template."""
    _, source = _one(finance, "AWS::DataZone::DataSource")
    assert re.fullmatch(
        r"Tables of finance-reporting in finance_dev_catalog \(metadata forms [0-9a-f]{16}\)",
        source["Properties"]["Description"],
    )
    _, runs = _one(finance, "Custom::DataZoneDataSourceRuns")
    assert re.fullmatch(r"[0-9a-f]{64}", runs["Properties"]["Fingerprint"])


def test_run_writes_the_yaml_column_descriptions_and_knows_each_forms_fields(finance):
    _, runs = _one(finance, "Custom::DataZoneDataSourceRuns")
    tables = {t["Name"]: t for t in runs["Properties"]["DataSources"][0]["Tables"]}
    gl = tables["finance_gl_transactions_table"]
    assert {"Column": "amount", "Description": "Signed amount in the transaction currency"} in gl["ColumnDescriptions"]
    classification = next(f for f in gl["Forms"] if f["Name"] == "DataClassification")
    assert classification["Fields"] == ["classification", "contains_pii", "business_term"]


def test_subscriptions_are_chained_after_the_memberships_they_need(subscriptions):
    memberships = of_type(subscriptions, "AWS::DataZone::ProjectMembership")
    designations = {k.removeprefix("HandlerMember"): r["Properties"]["Designation"]
                    for k, r in memberships.items()}  # fmt: skip
    assert designations == {
        # It subscribes, and it publishes the customer360 data product another project subscribes to.
        "financecustomer360": "PROJECT_OWNER",
        "financereporting": "PROJECT_OWNER",
        "salesanalytics": "PROJECT_CONTRIBUTOR",
        "salesforecasting": "PROJECT_OWNER",
    }
    subs = of_type(subscriptions, "Custom::DataZoneSubscription")
    assert len(subs) == 4
    first = [k for k, r in subs.items() if not any(d in subs for d in r["DependsOn"])]
    assert len(first) == 1  # one chain
    assert sorted(r["Properties"]["AssetName"] for r in subs.values() if "AssetName" in r["Properties"]) == [
        "finance_gl_transactions_table",
        "sales_opportunities_table",
        "sales_product_catalog_table",
    ]


def test_a_data_product_subscription_names_the_product_and_its_owner(subscriptions):
    (product_sub,) = [
        (k, r) for k, r in of_type(subscriptions, "Custom::DataZoneSubscription").items() if k.startswith("Product")
    ]
    key, resource = product_sub
    assert key.startswith("ProductSubscriptionsalesanalyticscustomer360")
    assert resource["Properties"]["DataProductName"] == "customer360"
    assert "AssetName" not in resource["Properties"]
    assert "financecustomer360" in json.dumps(resource["Properties"]["ProducerProjectId"])


@pytest.fixture(scope="module")
def customer360(producers_app) -> dict:
    (stack,) = [
        s
        for s in producers_app.stacks()
        if s.stack_name.startswith("acme-dev-products-") and "Custom::DataZoneDataProduct" in json.dumps(s.template)
    ]
    return stack.template


def test_the_data_product_follows_the_run_that_publishes_its_assets(customer360):
    _, product = _one(customer360, "Custom::DataZoneDataProduct")
    runs_id, runs = _one(customer360, "Custom::DataZoneDataSourceRuns")
    assert product["DependsOn"] == [runs_id]
    tables = {t["Name"] for s in runs["Properties"]["DataSources"] for t in s["Tables"]}
    assert set(product["Properties"]["Assets"]) == {"finance_customer_profiles_table", "finance_customer_revenue_table"}
    assert set(product["Properties"]["Assets"]) <= tables
    # The catalog handler's identity owns the product's project: it made the memberships first.
    memberships = of_type(customer360, "AWS::DataZone::ProjectMembership")
    assert "HandlerOwnsfinancecustomer360" in memberships


def test_the_data_product_carries_its_terms_forms_and_a_fingerprint(customer360):
    _, product = _one(customer360, "Custom::DataZoneDataProduct")
    props = product["Properties"]
    assert props["Name"] == "customer360"
    assert props["Description"].startswith("Everything known about a customer")
    assert [t["Term"] for t in props["Terms"]] == ["Customer"]
    (form,) = props["Forms"]
    assert form["Name"] == "DataProductOwner"
    assert json.loads(form["Content"])["owner_team"] == "finance-customer360"
    assert form["TypeRevision"]["Fn::GetStackOutput"]["StackName"] == "acme-dev-governance"
    assert re.fullmatch(r"[0-9a-f]{64}", props["Fingerprint"])
    assert product["UpdateReplacePolicy"] == "Delete"


def test_the_data_products_handler_is_allowed_the_data_product_actions(catalogs):
    policies = of_type(catalogs, "AWS::IAM::Policy")
    actions = json.dumps(policies)
    for action in ("CreateDataProduct", "CreateDataProductRevision", "DeleteDataProduct", "GetDataProduct"):
        assert f"datazone:{action}" in actions


def test_subscriptions_deploy_after_every_products_stack(producers_app):
    (stack,) = [s for s in producers_app.stacks() if s.stack_name == "acme-dev-subscriptions"]
    depends = {d.stack_name for d in stack.dependencies if hasattr(d, "stack_name")}
    assert {"acme-dev-products-9", "acme-dev-products-3", "acme-dev-products-5"} <= depends
