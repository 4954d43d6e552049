"""DATA_LOCATION_ACCESS for whoever writes a table (issue 22 #2): the tables are partitioned and live
in registered (hybrid-mode) locations, where creating or altering catalog objects (partitions
included) needs data-location permission besides the table permissions (Lake Formation developer
guide, "Underlying data access control")."""

from __future__ import annotations

import aws_cdk as cdk

from mesh_config import MeshConfig, load_mesh
from mesh_config.shares import TeamPermission
from stacks.mesh_stage import MeshStage
from tests.synth import ROOT, cdk_json_context, of_type

DEV_ACCOUNT = "123456789012"


def _one(template: dict, kind: str, prefix: str = "") -> tuple[str, dict]:
    (found,) = [(k, r) for k, r in of_type(template, kind).items() if k.startswith(prefix)]
    return found


def test_each_producer_role_gets_data_location_access_on_its_tables_prefixes(producers_app):
    finance = producers_app.templates()["acme-dev-products-9"]
    connections_id, _ = _one(finance, "Custom::DataZoneProjectConnections")
    _, grants = _one(finance, "Custom::LakeFormationGrants", "ProducerGrants")
    locations = [e for e in grants["Properties"]["Grants"] if "Location" in e]
    role = {"Fn::GetAtt": [connections_id, "RoleArnfinanceXreporting"]}
    assert locations == [
        {"Principal": role, "Location": location, "Permissions": ["DATA_LOCATION_ACCESS"], "Grantable": []}
        for location in (
            f"arn:aws:s3:::acme-dev-curated-{DEV_ACCOUNT}/finance/gl_transactions",
            f"arn:aws:s3:::acme-dev-published-{DEV_ACCOUNT}/finance/pnl_reports",
            f"arn:aws:s3:::acme-dev-curated-{DEV_ACCOUNT}/finance/budget_data",
        )
    ]
    # Under the buckets the catalogs stack registers (a grant on an unregistered location fails).
    catalogs = producers_app.templates()["acme-dev-catalogs"]
    registered = [r["Properties"]["ResourceArn"] for r in of_type(catalogs, "AWS::LakeFormation::Resource").values()]
    assert all(any(e["Location"].startswith(f"{r}/") for r in registered) for e in locations), registered


def _team_grants(config: MeshConfig) -> dict:
    app = cdk.App(context=cdk_json_context())
    stage = MeshStage(app, "prod", config=config, env_config=config.environment("prod"))
    assert stage.team_grants is not None
    return stage.synth().get_stack_by_name(stage.team_grants.stack_name).template


def _with_writing_logistics() -> MeshConfig:
    """The three-PROD example, with logistics (an IAM role) inserting into the transaction table;
    the sales team (an Identity Center group) already inserts into and deletes from the item table."""
    config = load_mesh(ROOT / "examples" / "three-prod-accounts")
    logistics, *others = config.mesh.teams
    grants = [
        g.model_copy(update={"permissions": [TeamPermission.SELECT, TeamPermission.INSERT]})
        if g.table == "sales_transaction_table"
        else g
        for g in logistics.grants
    ]
    teams = [logistics.model_copy(update={"grants": grants}), *others]
    return MeshConfig(config.mesh.model_copy(update={"teams": teams}), config.environments)


def test_a_team_role_that_writes_a_table_gets_data_location_access_on_its_prefix_only():
    template = _team_grants(_with_writing_logistics())
    (grants,) = of_type(template, "Custom::LakeFormationGrants").values()
    locations = [e for e in grants["Properties"]["Grants"] if "Location" in e]
    assert locations == [
        {
            "Principal": "arn:aws:iam::333333333333:role/acme-team-logistics",
            "Location": "arn:aws:s3:::acme-prod-curated-333333333333/sales/transaction",
            "Permissions": ["DATA_LOCATION_ACCESS"],
            "Grantable": [],
        }
    ]


def test_read_only_teams_and_identity_center_groups_get_no_data_location():
    """The example's logistics only reads; the sales team writes but is an Identity Center group, and
    the guide documents Identity Center principals for Data Catalog resources only ("Granting
    permissions to users and groups": databases, tables, views)."""
    template = _team_grants(load_mesh(ROOT / "examples" / "three-prod-accounts"))
    (grants,) = of_type(template, "Custom::LakeFormationGrants").values()
    assert not [e for e in grants["Properties"]["Grants"] if "Location" in e]
    sales = [
        e
        for e in grants["Properties"]["Grants"]
        if e.get("Table") == "sales_item_table" and "INSERT" in e["Permissions"]
    ]
    assert sales and all("identitystore" in str(e["Principal"]) for e in sales)
