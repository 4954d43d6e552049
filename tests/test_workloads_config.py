"""workloads.image_ingestion in the config layer: the example's workload loads and publishes its
metadata table, and each bad input is one small edit of the example, reported with file, path,
problem and fix, all of them in one run."""

from __future__ import annotations

import copy
from pathlib import Path

from mesh_config import load_mesh
from mesh_config.data_products import asset_name
from mesh_config.workload_tables import without_workload_tables, workloads_in
from mesh_config.workloads import METADATA_COLUMNS
from tests.config_edits import EXAMPLE, assert_issue, edit_yaml, load_issues

W = "workloads.image_ingestion[0]"


# The Kafka input these tests edit (the example takes HTTP uploads only): each environment's
# existing cluster, in its own account.
KAFKA = {
    "topic": "shipment-photos",
    "cluster_arn": {
        "dev": "arn:aws:kafka:eu-west-1:123456789012:cluster/acme-dev-events/5e1c7a2b-3d4f-4a6b-9c8d-1e2f3a4b5c6d-2",
        "staging": (
            "arn:aws:kafka:eu-west-1:234567890123:cluster/acme-staging-events/6f2d8b3c-4e5a-4b7c-8d9e-2f3a4b5c6d7e-2"
        ),
        "prod": "arn:aws:kafka:eu-west-1:345678901234:cluster/acme-prod-events/7a3e9c4d-5f6b-4c8d-9e0f-3a4b5c6d7e8f-2",
    },
}


def test_the_mesh_as_declared_leaves_out_the_derived_table_and_loads_again(tmp_path: Path) -> None:
    """What writes a loaded mesh back as YAML writes it without the workloads' tables: written with
    them, the next load finds the table declared twice (a name and prefix collision)."""
    import json
    import shutil

    config = load_mesh(EXAMPLE)
    declared = without_workload_tables(config.mesh)
    ops = next(c for c in declared.catalogs if c.business_unit == "ops")
    assert "shipment_photos" not in [t.dataset for t in ops.tables]
    folder = tmp_path / "environments"
    shutil.copytree(EXAMPLE, folder)
    (folder / "mesh.yaml").write_text(json.dumps(declared.model_dump(mode="json", exclude_unset=True)))
    assert load_mesh(folder).mesh.catalogs == config.mesh.catalogs


def _workload(data: dict) -> dict:
    workload = data["workloads"]["image_ingestion"][0]
    workload["inputs"].setdefault("kafka", copy.deepcopy(KAFKA))
    return workload


def _edit(env_dir: Path, change) -> list:
    edit_yaml(env_dir / "mesh.yaml", lambda data: change(_workload(data)))
    return load_issues(env_dir)


def test_the_example_workload_runs_everywhere_and_its_table_joins_the_ops_catalog() -> None:
    config = load_mesh(EXAMPLE)
    (workload,) = config.mesh.workloads.image_ingestion
    assert [e.name for e in config.environments if workloads_in(config.mesh, e.name)] == ["dev", "staging", "prod"]
    assert workload.inputs.kafka is None and workload.inputs.http is not None
    ops = next(c for c in config.mesh.catalogs if c.business_unit == "ops")
    table = ops.tables[-1]
    assert asset_name("ops", table) == "ops_shipment_photos_table"
    assert ops.producer_of(table) == "ops-inventory"
    assert (table.storage.layer, table.storage.prefix, table.storage.format.value) == (
        "curated",
        "ops/shipment-photos/",
        "json",
    )
    assert [c.name for c in table.columns] == [n for n, _, _ in METADATA_COLUMNS]
    assert [(c.name, c.type) for c in table.partition_keys] == [("day", "date")]
    assert table.published


def test_retention_out_of_range(env_dir: Path) -> None:
    issues = _edit(env_dir, lambda w: w.update(retention_days=0))
    assert_issue(issues, "mesh.yaml", f"{W}.retention_days", "outside 1 to 365")
    issues = _edit(env_dir, lambda w: w.update(retention_days=400))
    assert_issue(issues, "mesh.yaml", f"{W}.retention_days", "400 days")


def test_unknown_owning_project(env_dir: Path) -> None:
    issue = assert_issue(
        _edit(env_dir, lambda w: w.update(owner="ops-photos")), "mesh.yaml", f"{W}.owner", "unknown project"
    )
    assert "ops-inventory" in issue.fix


def test_owner_missing_in_an_environment_of_the_workload(env_dir: Path) -> None:
    def change(data: dict) -> None:
        next(p for p in data["projects"] if p["use_case"] == "inventory")["environments"] = ["dev", "prod"]
        _workload(data)["environments"] = ["dev", "staging"]
        _workload(data)["inputs"]["kafka"]["create"] = False

    edit_yaml(env_dir / "mesh.yaml", change)
    assert_issue(load_issues(env_dir), "mesh.yaml", f"{W}.owner", "does not exist in staging")


def test_cluster_in_another_account_than_the_environment(env_dir: Path) -> None:
    other = "arn:aws:kafka:eu-west-1:999999999999:cluster/events/5e1c7a2b-3d4f-4a6b-9c8d-1e2f3a4b5c6d-2"
    issues = _edit(env_dir, lambda w: w["inputs"]["kafka"]["cluster_arn"].update(staging=other))
    issue = assert_issue(issues, "mesh.yaml", f"{W}.inputs.kafka.cluster_arn.staging", "account 999999999999")
    assert "234567890123" in issue.problem
    assert not [i for i in issues if i.path.endswith("cluster_arn.dev")]


def test_cluster_in_another_region(env_dir: Path) -> None:
    other = "arn:aws:kafka:us-east-1:123456789012:cluster/events/5e1c7a2b-3d4f-4a6b-9c8d-1e2f3a4b5c6d-2"
    issues = _edit(env_dir, lambda w: w["inputs"]["kafka"]["cluster_arn"].update(dev=other))
    assert_issue(issues, "mesh.yaml", f"{W}.inputs.kafka.cluster_arn.dev", "region us-east-1")


def test_an_environment_without_a_cluster(env_dir: Path) -> None:
    issues = _edit(env_dir, lambda w: w["inputs"]["kafka"]["cluster_arn"].pop("staging"))
    assert_issue(issues, "mesh.yaml", f"{W}.inputs.kafka", "no MSK cluster for environment staging")


def test_a_width_of_zero_and_a_repeated_width(env_dir: Path) -> None:
    issues = _edit(env_dir, lambda w: w["processing"].update(widths=[0, 320, 320]))
    assert_issue(issues, "mesh.yaml", f"{W}.processing.widths[0]", "width of 0 pixels")
    assert_issue(issues, "mesh.yaml", f"{W}.processing.widths[2]", "320 listed twice")


def test_more_than_the_http_input_takes(env_dir: Path) -> None:
    # API Gateway's 10 MB is refused, and so is 5 MB: the upload Lambda's request holds it base64-encoded.
    for size in (11, 5):
        issues = _edit(env_dir, lambda w, size=size: w.update(max_size_mb=size))
        issue = assert_issue(issues, "mesh.yaml", f"{W}.max_size_mb", f"{size} MB is above the 4 MB")
        assert "6 MB" in issue.problem and "inputs.http.enabled" in issue.fix

    # Without the HTTP input, Kafka may carry larger images.
    def kafka_only(w: dict) -> None:
        w.update(max_size_mb=20)
        w["inputs"]["http"]["enabled"] = False

    edit_yaml(env_dir / "mesh.yaml", lambda data: kafka_only(_workload(data)))
    assert load_mesh(env_dir).mesh.workloads.image_ingestion[0].max_size_mb == 20


def test_a_table_name_that_collides_with_a_declared_table(env_dir: Path) -> None:
    issues = _edit(env_dir, lambda w: w["table"].update(dataset="orders"))
    issue = assert_issue(issues, "mesh.yaml", f"{W}.table.dataset", "ops_orders_table")
    assert "table.dataset" in issue.fix


def test_no_input_enabled(env_dir: Path) -> None:
    def change(w: dict) -> None:
        w["inputs"] = {"http": {"enabled": False}}

    assert_issue(_edit(env_dir, change), "mesh.yaml", f"{W}.inputs", "no input is enabled")


def test_creating_a_cluster_needs_the_environment_vpc(env_dir: Path) -> None:
    def change(w: dict) -> None:
        w["inputs"]["kafka"]["create"] = True
        w["inputs"]["kafka"].pop("cluster_arn")

    issues = _edit(env_dir, change)
    # dev's VPC is created by the mesh (network.create); staging and prod name theirs.
    assert_issue(issues, "mesh.yaml", f"{W}.inputs.kafka.create", "environment 'dev' names no VPC")
    assert [i.problem for i in issues if "names no VPC" in i.problem and "'dev'" not in i.problem] == []
    # The example's placeholder VPC ids have 16 hex digits: CloudFormation takes 8 or 17.
    assert_issue(issues, "mesh.yaml", f"{W}.inputs.kafka.create", "vpc-2a3b4c5de5f60718 is not a VPC id")


def test_every_problem_is_reported_in_one_run(env_dir: Path) -> None:
    def change(w: dict) -> None:
        w.update(retention_days=0, owner="nobody", max_size_mb=11)
        w["processing"]["widths"] = [0]

    issues = _edit(env_dir, change)
    for path, problem in (
        (f"{W}.retention_days", "outside"),
        (f"{W}.owner", "unknown project"),
        (f"{W}.max_size_mb", "above"),
        (f"{W}.processing.widths[0]", "width of 0"),
    ):
        assert_issue(issues, "mesh.yaml", path, problem)


def test_a_workload_where_its_catalog_does_not_exist(env_dir: Path) -> None:
    def change(data: dict) -> None:
        next(c for c in data["catalogs"] if c["business_unit"] == "ops")["environments"] = ["staging", "prod"]
        _workload(data)["environments"] = ["dev", "staging", "prod"]

    edit_yaml(env_dir / "mesh.yaml", change)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", f"{W}.environments", "runs in dev, where the 'ops' catalog")
    assert "environments" in issue.fix


def test_by_default_the_workload_runs_where_its_catalog_exists(env_dir: Path) -> None:
    def change(data: dict) -> None:
        next(c for c in data["catalogs"] if c["business_unit"] == "ops")["environments"] = ["staging", "prod"]
        _workload(data)["inputs"]["kafka"]["cluster_arn"].pop("dev")

    edit_yaml(env_dir / "mesh.yaml", change)
    config = load_mesh(env_dir)
    assert [e.name for e in config.environments if workloads_in(config.mesh, e.name)] == ["staging", "prod"]
