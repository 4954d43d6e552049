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
    full = next(g for g in to_staging if "Table" in g["Resource"])
    assert full["Permissions"] == ["DESCRIBE", "SELECT"] == full["PermissionsWithGrantOption"]


def test_an_external_account_gets_select_only_on_a_data_cells_filter(variant):
    """Issue 22 #6: the guide documents SELECT (grantable) on a filter for an external account, not
    DESCRIBE."""
    grants = of_type(_template(variant, "acme-prod-shares"), "AWS::LakeFormation::PrincipalPermissions")
    (filtered,) = [g["Properties"] for g in grants.values() if "DataCellsFilter" in g["Properties"]["Resource"]]
    assert filtered["Principal"] == {"DataLakePrincipalIdentifier": "111111111111"}
    assert filtered["Permissions"] == ["SELECT"] == filtered["PermissionsWithGrantOption"]


def test_the_filter_name_changes_with_what_the_consumer_account_is_granted_on_it(variant):
    """The producer's grant is create-only: SELECT-only on the same filter would replace it in place,
    and deleting the old grant (same principal, same filter) would revoke the new one. A new filter
    name makes the new grant a grant on another resource; the consumer follows the name."""
    (data_filter,) = of_type(_template(variant, "acme-prod-shares"), "AWS::LakeFormation::DataCellsFilter").values()
    name = data_filter["Properties"]["Name"]
    assert name == "customers_prod_dev_customers_vcc9942f2"  # before issue 22: ..._vcf71f2a4
    (grants,) = of_type(_template(variant, "acme-prod-dev-shared-data"), "Custom::LakeFormationGrants").values()
    assert {e.get("Filter") for e in grants["Properties"]["Grants"] if e["Table"] == "customers"} == {name}


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


def test_producer_account_uses_cross_account_version_4_from_its_one_settings_writer(variant):
    def settings(stack: str) -> dict:
        (resource,) = of_type(_template(variant, stack), "Custom::LakeFormationSettings").values()
        return resource["Properties"]

    assert settings("acme-prod-domain")["Parameters"] == {"CROSS_ACCOUNT_VERSION": "4"}
    assert settings("acme-prod-dev-domain")["Parameters"] == {}


def test_each_account_has_one_writer_of_its_lake_formation_settings(variant):
    """Issue 22 #5: four AWS::LakeFormation::DataLakeSettings per account, each writing the whole
    object, only one with the parameters. Now one custom resource per account writes every
    administrator, read-only administrator and parameter, and no stack of any stage has the type."""
    writers: dict[str, list[str]] = {}
    for stack in variant.stacks():
        template = stack.template
        assert not of_type(template, "AWS::LakeFormation::DataLakeSettings"), stack.stack_name
        for _ in of_type(template, "Custom::LakeFormationSettings"):
            writers.setdefault(stack.environment.account, []).append(stack.stack_name)
    assert writers == {
        "111111111111": ["acme-prod-dev-domain"],
        "222222222222": ["acme-prod-staging-domain"],
        "333333333333": ["acme-prod-domain"],
    }
    (settings,) = of_type(_template(variant, "acme-prod-domain"), "Custom::LakeFormationSettings").values()
    props = settings["Properties"]
    deployer = {
        "Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1"
    }
    grants_role = "arn:aws:iam::333333333333:role/acme-prod-lakeformation-grants"
    assert props["Admins"] == [deployer, grants_role]
    assert props["KeepOnDelete"] == [deployer]
    (management,) = [
        k
        for k, r in of_type(_template(variant, "acme-prod-domain"), "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "acme-prod-datamesh-readonly"
    ]
    assert props["ReadOnlyAdmins"] == [{"Fn::GetAtt": [management, "Arn"]}]
    assert props["Retired"] == [
        "arn:aws:iam::333333333333:role/acme-prod-mesh-catalog-handler",
        "arn:aws:iam::333333333333:role/acme-prod-mesh-share-handler",
    ]


def test_every_grants_handler_of_an_account_runs_as_its_foundation_grants_role(variant):
    """The role the settings make an administrator exists before them (the foundation), unlike the
    DataZone identities of the catalogs and shared-data stacks, which Lake Formation would refuse."""
    foundation = _template(variant, "acme-prod-dev-foundation")
    (role,) = [
        r
        for r in of_type(foundation, "AWS::IAM::Role").values()
        if r["Properties"].get("RoleName") == "acme-prod-dev-lakeformation-grants"
    ]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    shared = _template(variant, "acme-prod-dev-shared-data")
    (function,) = [
        f for k, f in of_type(shared, "AWS::Lambda::Function").items() if k.startswith("GrantsHandlerFunction")
    ]
    assert function["Properties"]["Role"] == "arn:aws:iam::111111111111:role/acme-prod-dev-lakeformation-grants"


def test_the_grants_handler_may_call_the_single_grant_apis_lake_formation_requires(variant):
    """Issue 22 #9: the Lake Formation permissions reference lists GrantPermissions / RevokePermissions
    besides the batch APIs."""
    for stack in ("acme-prod-catalogs", "acme-prod-dev-shared-data"):
        policies = of_type(_template(variant, stack), "AWS::IAM::Policy")
        (policy,) = [p for k, p in policies.items() if k.startswith("GrantsHandlerIdentityPolicy")]
        (statement,) = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if "lakeformation:BatchGrantPermissions" in s["Action"]
        ]
        assert statement["Action"] == [
            "lakeformation:BatchGrantPermissions",
            "lakeformation:BatchRevokePermissions",
            "lakeformation:GrantPermissions",
            "lakeformation:RevokePermissions",
        ]


def test_consumer_ids_are_published_for_the_later_stage(variant):
    def names(stack: str) -> set[str]:
        parameters = of_type(_template(variant, stack), "AWS::SSM::Parameter").values()
        return {r["Properties"]["Name"] for r in parameters}

    assert names("acme-prod-dev-domain") == {"/acme/prod-dev/mesh/domain-id", "/acme/prod-dev/mesh/root-domain-unit-id"}
    assert names("acme-prod-dev-projects-1") == {"/acme/prod-dev/mesh/projects/finance-customer360/id"}
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


def test_team_grants_translate_the_reference_designs_design_1(variant):
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
