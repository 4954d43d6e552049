"""Logical ids are a contract: adding a project renames or replaces nothing that exists."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from mesh_config import MeshConfig, load_mesh
from mesh_config.data_products import Column, Storage, Subscription, Table
from mesh_config.layout import Layout
from mesh_config.mesh import Project
from mesh_config.placement import jump_hash, project_stack_part
from stacks import MeshStage
from tests.synth import ROOT, cdk_json_context


def dev_templates(config: MeshConfig) -> dict[str, dict]:
    app = cdk.App(context=cdk_json_context())
    stage = MeshStage(app, "dev", config=config, env_config=config.environments[0])
    stacks = [c for c in stage.node.children if isinstance(c, cdk.Stack)]
    return {s.stack_name: Template.from_stack(s).to_json()["Resources"] for s in stacks}


def with_projects(config: MeshConfig, *new: Project) -> MeshConfig:
    # New projects go first: nothing may depend on a project's position in the list.
    mesh = config.mesh.model_copy(update={"projects": [*new, *config.mesh.projects]})
    return MeshConfig(mesh, config.environments)


def test_adding_projects_leaves_every_existing_resource_untouched():
    before_config = load_mesh(ROOT / "environments")
    after_config = with_projects(
        before_config,
        Project(domain_unit="finance-analytics", use_case="churn", profile="genai", owners=["finance-team-leads"]),
        Project(domain_unit="sales", use_case="pricing", profile="sql-analytics", owners=["sales-team"]),
    )
    before, after = dev_templates(before_config), dev_templates(after_config)

    for stack, resources in before.items():
        assert stack in after, f"stack {stack} disappeared"
        for logical_id, resource in resources.items():
            assert logical_id in after[stack], f"{stack}: {logical_id} was renamed or removed"
            assert after[stack][logical_id] == resource, f"{stack}: {logical_id} changed"
    added = sum(len(after[s]) - len(before.get(s, {})) for s in after)
    assert added > 0


def test_a_projects_stack_depends_only_on_its_own_key_and_the_pool_size():
    config = load_mesh(ROOT / "environments")
    layout = Layout(project_stacks=4)
    placements = {p.key: project_stack_part(p, layout) for p in config.mesh.projects}
    reordered = with_projects(config)  # same projects
    assert placements == {p.key: project_stack_part(p, layout) for p in reversed(reordered.mesh.projects)}
    assert placements["finance-customer360"] == f"projects-{jump_hash('finance-customer360', 4) + 1}"


def _create_only(resource_type: str) -> list[list[str]]:
    """The create-only property paths of a resource type (the provider schema cfn-lint ships)."""
    if resource_type.startswith("Custom::"):
        return []  # the handler decides; none of the mesh's handlers replaces on these updates
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("eu-west-1", resource_type).schema
    return [p.removeprefix("/properties/").split("/") for p in schema.get("createOnlyProperties", [])]


def _at(properties: dict, path: list[str]) -> Any:
    for part in path:
        properties = properties.get(part) if isinstance(properties, dict) else None
    return properties


def test_adding_a_table_and_a_subscription_replaces_nothing():
    before_config = load_mesh(ROOT / "environments")
    mesh = before_config.mesh
    finance = mesh.catalogs[0]
    cash_flow = Table(
        dataset="cash_flow",
        storage=Storage(prefix="finance/cash_flow/"),
        columns=[Column(name="week", type="date"), Column(name="net_cash", type="decimal(18,2)")],
    )
    catalogs = [finance.model_copy(update={"tables": [cash_flow, *finance.tables]}), *mesh.catalogs[1:]]
    subscription = Subscription(consumer="ops-inventory", asset="sales_product_catalog_table", reason="SKU names")
    after_config = MeshConfig(
        mesh.model_copy(update={"catalogs": catalogs, "subscriptions": [subscription, *mesh.subscriptions]}),
        before_config.environments,
    )
    before, after = dev_templates(before_config), dev_templates(after_config)

    updated = set()
    for stack, resources in before.items():
        assert stack in after, f"stack {stack} disappeared"
        for logical_id, resource in resources.items():
            assert logical_id in after[stack], f"{stack}: {logical_id} was renamed or removed"
            new = after[stack][logical_id]
            # A changed DependsOn alone (a subscription chained after a new one) updates nothing.
            if {**new, "DependsOn": None} == {**resource, "DependsOn": None}:
                continue
            updated.add(f"{stack}/{logical_id[:-8]}")  # without CDK's 8-character hash
            for path in _create_only(resource["Type"]):
                assert _at(new.get("Properties", {}), path) == _at(resource.get("Properties", {}), path), (
                    f"{stack}: {logical_id} would be replaced ({'/'.join(path)} changed)"
                )
    # Updated in place: the finance data source's table filter, the grants and the run of its stack.
    assert updated == {
        "acme-dev-products-1/DataSourcefinancefinancereporting",
        "acme-dev-products-1/ProducerGrants",
        "acme-dev-products-1/Runs",
    }
    assert any(k.startswith("Tablefinancecashflowtable") for k in after["acme-dev-products-1"])
    assert any(k.startswith("Subscriptionopsinventory") for k in after["acme-dev-subscriptions"])
