"""Logical ids are a contract: adding a project renames or replaces nothing that exists."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Template

from mesh_config import MeshConfig, load_mesh
from mesh_config.mesh import Project
from mesh_config.placement import project_stack_part
from stacks import MeshStage
from tests.synth import ROOT, cdk_json_context


def dev_templates(config: MeshConfig) -> dict[str, dict]:
    app = cdk.App(context=cdk_json_context())
    stage = MeshStage(app, "dev", config=config, env_config=config.environments[0])
    stacks = [stage.foundation, stage.domain, *stage.projects.values()]
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


def test_a_projects_stack_depends_only_on_its_own_key_and_unit():
    config = load_mesh(ROOT / "environments")
    units = config.units
    placements = {p.key: project_stack_part(p, units) for p in config.mesh.projects}
    reordered = with_projects(config)  # same projects
    assert placements == {p.key: project_stack_part(p, reordered.units) for p in reversed(reordered.mesh.projects)}
    assert placements["finance-customer360"] == "projects-finance"
