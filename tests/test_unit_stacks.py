"""layout.unit_stacks: business units' subtrees in nested stacks of the domain stack, their ids
exported by name, and the estimates of validation against what CDK synthesizes."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from mesh_config import MeshConfig, load_mesh
from mesh_config.layout_checks import stack_loads
from mesh_config.placement import business_unit_of, member_pools, unit_stack_part
from stacks import MeshStage
from tests.config_edits import assert_issue, edit_yaml, load_issues
from tests.synth import ROOT, cdk_json_context, of_type
from tests.test_cfn_lint import cfn_lint
from tests.test_nag import violations
from tests.unit_meshes import business_unit_id, write_unit_mesh

NESTED = "AWS::CloudFormation::Stack"
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "test_snapshots"


@dataclass
class DevTemplates:
    """The dev stage of a mesh: its config, its stacks' templates and the domain's nested ones."""

    config: MeshConfig
    stacks: dict[str, dict]  # stack name -> template
    nested: dict[str, dict]  # units-<n> -> template
    directory: Path

    @property
    def domain(self) -> dict:
        return self.stacks["acme-dev-domain"]


def synth_dev(mesh_dir: Path, outdir: Path) -> DevTemplates:
    """Only the dev stage (what `cdk synth` writes for it, nested templates included)."""
    config = load_mesh(mesh_dir)
    # With the CDKMetadata resources the CLI's version reporting adds, nested stacks' too.
    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), "aws:cdk:version-reporting": True})
    MeshStage(app, "dev", config=config, env_config=config.environments[0])
    # cdk-nag as app.py registers it: a finding makes synth raise.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stage = app.synth().get_nested_assembly("assembly-dev")
    stacks = {s.stack_name: s.template for s in stage.stacks}
    nested = {}
    for logical_id, resource in of_type(stacks["acme-dev-domain"], NESTED).items():
        # Units1NestedStackUnits1NestedStackResource... <- construct id Units-1
        number = re.fullmatch(r"Units(\d+)NestedStack.*", logical_id)
        assert number, logical_id
        template = Path(stage.directory) / resource["Metadata"]["aws:asset:path"]
        nested[f"units-{number.group(1)}"] = json.loads(template.read_text())
    return DevTemplates(config, stacks, nested, Path(stage.directory))


@pytest.fixture(scope="module")
def two_stacks(tmp_path_factory: pytest.TempPathFactory) -> DevTemplates:
    """The example with three generated business units and unit_stacks 2."""
    work = tmp_path_factory.mktemp("units")
    mesh = write_unit_mesh(work / "mesh", 3, unit_stacks=2)
    return synth_dev(mesh, work / "cdk.out")


@pytest.fixture(scope="module")
def one_more_unit(two_stacks: DevTemplates, tmp_path_factory: pytest.TempPathFactory) -> DevTemplates:
    """The same mesh with one more business unit, declared first."""
    work = tmp_path_factory.mktemp("units-more")
    mesh = write_unit_mesh(work / "mesh", 3, unit_stacks=2)
    write_unit_mesh(mesh, 1, unit_stacks=2, first=100)
    return synth_dev(mesh, work / "cdk.out")


def unit_names(template: dict) -> set[str]:
    return {r["Properties"]["Name"] for r in of_type(template, "AWS::DataZone::DomainUnit").values()}


def test_each_nested_stack_holds_exactly_the_units_placed_in_it(two_stacks: DevTemplates):
    config = two_stacks.config
    units = config.units
    expected: dict[str, set[str]] = {}
    for unit in units:
        expected.setdefault(unit_stack_part(unit, units, config.mesh.layout), set()).add(unit)
    assert set(two_stacks.nested) == set(expected) == {"units-1", "units-2"}
    assert not of_type(two_stacks.domain, "AWS::DataZone::DomainUnit")

    env = config.environments[0].name
    pools = member_pools(config.mesh, env)
    for part, template in two_stacks.nested.items():
        assert unit_names(template) == {f"{u}-domain-unit" for u in expected[part]}
        # Every owner, creation grant and member-pool grant of those units, and nothing else.
        owners = Counter(k.split("Owner")[0] for k in of_type(template, "AWS::DataZone::Owner"))
        grants = of_type(template, "AWS::DataZone::PolicyGrant")
        creators = Counter(k.split("CreateProjects")[0] for k in grants if "CreateProjects" in k)
        pooled = Counter(k.split("MemberPool")[0] for k in grants if "MemberPool" in k)
        for unit in expected[part]:
            prefix = "Units" + unit.replace("-", "")
            assert owners[prefix] == len(units[unit].owners), unit
            assert creators[prefix] == len(units[unit].project_creators), unit
            assert pooled[prefix] == len(pools[unit]), unit
        assert sum(owners.values()) == sum(len(units[u].owners) for u in expected[part])
        assert len(grants) == sum(len(units[u].project_creators) + len(pools[u]) for u in expected[part])
        # Each unit's id exported by name for the other stacks.
        exports = {o["Export"]["Name"] for o in template["Outputs"].values()}
        assert exports == {f"acme-dev-domain:unit:{u}" for u in expected[part]}


def test_root_owners_and_grants_stay_in_the_domain_stack(two_stacks: DevTemplates):
    domain = two_stacks.domain
    assert set(of_type(domain, "AWS::DataZone::Owner")) == {"UnitsRootOwnerdataplatformadmins1A2D0A05"}
    # The tree's grants left in the domain stack: the root unit's member pool (the blueprints' and
    # the management identity's grants are not the tree's).
    tree_grants = [k for k in of_type(domain, "AWS::DataZone::PolicyGrant") if k.startswith("Units")]
    assert tree_grants and all(k.startswith("UnitsRootMemberPool") for k in tree_grants), tree_grants
    # The nested stacks take the domain's values as parameters: they deploy inside its deployment.
    for resource in of_type(domain, NESTED).values():
        assert "referencetodevDomain22648182Id" in resource["Properties"]["Parameters"]
    # No unit id re-exported from the domain stack.
    assert not [k for k in domain.get("Outputs", {}) if "Units" in k]


def test_owners_of_a_unit_follow_one_another_and_parents_come_first(tmp_path: Path):
    mesh = write_unit_mesh(tmp_path / "mesh", 0, unit_stacks=1)

    def two_owners(data: dict) -> None:
        finance = next(u for u in data["domain_units"] if u["id"] == "finance")
        finance["owners"] = ["finance-team-leads", "executives"]

    edit_yaml(mesh / "mesh.yaml", two_owners)
    template = synth_dev(mesh, tmp_path / "cdk.out").nested["units-1"]
    owners = of_type(template, "AWS::DataZone::Owner")
    second = next(r for k, r in owners.items() if k.startswith("UnitsfinanceOwnerexecutives"))
    assert second["DependsOn"] == [next(k for k in owners if k.startswith("UnitsfinanceOwnerfinanceteamleads"))]
    child = of_type(template, "AWS::DataZone::DomainUnit")["UnitsfinanceanalyticsD63BDD6E"]
    assert child["Properties"]["ParentDomainUnitIdentifier"] == {"Fn::GetAtt": ["Unitsfinance69718F46", "Id"]}


def test_estimates_bound_every_units_stack_and_the_domain_stack(two_stacks: DevTemplates):
    loads = stack_loads(two_stacks.config.mesh, two_stacks.config.environments[0])
    for part, template in [*two_stacks.nested.items(), ("domain", two_stacks.domain)]:
        estimate = loads[part]
        assert estimate.resources >= len(template["Resources"]), part
        assert estimate.outputs >= len(template.get("Outputs", {})), part
        # A nested stack's parameters are its parent's values; the domain stack's own is CDK's
        # BootstrapVersion.
        assert estimate.parameters >= len(template.get("Parameters", {})) - (part == "domain"), part
    # Exact where nothing but the units is counted: a unit moved out of the domain stack is counted
    # in the nested stack instead.
    for part, template in two_stacks.nested.items():
        assert loads[part].resources == len(template["Resources"]), part
        assert loads[part].outputs == len(template["Outputs"]), part


def test_projects_and_governance_import_unit_ids_by_export_name(two_stacks: DevTemplates):
    exports = {o["Export"]["Name"]: part for part, t in two_stacks.nested.items() for o in t["Outputs"].values()}
    config = two_stacks.config
    imported: set[str] = set()
    for name, template in two_stacks.stacks.items():
        if not name.startswith(("acme-dev-projects", "acme-dev-governance")):
            continue
        text = json.dumps(template)
        # No reference to the domain stack's exports of a unit (CDK's automatic ones).
        assert "Units" not in "".join(re.findall(r'"Fn::ImportValue": "[^"]*"', text)), name
        refs = [p["Properties"]["DomainUnitId"] for p in of_type(template, "AWS::DataZone::Project").values()]
        refs += [
            g["Properties"]["EntityIdentifier"]
            for g in of_type(template, "AWS::DataZone::PolicyGrant").values()
            # The handler identity's grant on the root unit reads it from the domain stack.
            if g["Properties"]["EntityType"] == "DOMAIN_UNIT" and "RootDomainUnitId" not in json.dumps(g)
        ]
        for ref in refs:
            assert set(ref) == {"Fn::ImportValue"} and ref["Fn::ImportValue"] in exports, (name, ref)
            imported.add(ref["Fn::ImportValue"])
    expected = {f"acme-dev-domain:unit:{p.domain_unit}" for p in config.projects_in(config.environments[0])}
    expected |= {f"acme-dev-domain:unit:{u.id}" for u in config.mesh.domain_units if u.grants.entries()}
    assert imported == expected
    assert all(len(n) <= 255 and re.fullmatch(r"[A-Za-z0-9:-]+", n) for n in exports)


def test_importing_stacks_depend_on_the_domain_stack(tmp_path: Path):
    config = load_mesh(write_unit_mesh(tmp_path / "mesh", 0, unit_stacks=2))
    stage = MeshStage(cdk.App(context=cdk_json_context()), "dev", config=config, env_config=config.environments[0])
    for stack in [*stage.projects.values(), stage.governance]:
        assert stage.domain in stack.dependencies, stack.stack_name


def test_adding_a_business_unit_moves_no_other_unit(two_stacks: DevTemplates, one_more_unit: DevTemplates):
    new = business_unit_id(100)
    added = 0
    for part, before in two_stacks.nested.items():
        after = one_more_unit.nested[part]
        for logical_id, resource in before["Resources"].items():
            assert after["Resources"].get(logical_id) == resource, f"{part}: {logical_id} moved or changed"
        added += len(set(after["Resources"]) - set(before["Resources"]))
        assert set(before["Outputs"]) <= set(after["Outputs"])
    units = one_more_unit.config.units
    assert business_unit_of(f"{new}-team", units) == new
    assert added == 9  # its unit, team unit, owners and grants, all in its own nested stack
    part = unit_stack_part(new, units, one_more_unit.config.mesh.layout)
    assert f"{new}-domain-unit" in unit_names(one_more_unit.nested[part])


def test_nested_templates_pass_cfn_lint_and_nag(two_stacks: DevTemplates):
    templates = sorted(two_stacks.directory.glob("*.template.json"))
    assert len([t for t in templates if t.name.endswith(".nested.template.json")]) == 2
    result = cfn_lint(templates)
    assert result.returncode == 0, result.stdout + result.stderr
    report = two_stacks.directory.parent / "validation-report.json"
    assert violations(json.loads(report.read_text()) if report.exists() else {"pluginReports": []}) == []


def test_without_unit_stacks_the_domain_template_is_unchanged(tmp_path: Path):
    """unit_stacks 0: the snapshot of the domain stack (pipeline synth: paths under the pipeline
    stack, no CDKMetadata)."""
    domain = synth_dev(ROOT / "environments", tmp_path).domain
    snapshot = (SNAPSHOTS / "test_every_template_matches_its_snapshot[acme-dev-domain].json").read_text()
    expected = json.loads(snapshot.replace("acme-mesh-pipeline/dev/", "dev/"))
    actual = json.loads(re.sub(r"[0-9a-f]{64}", "<asset-hash>", json.dumps(domain)))
    actual["Resources"] = {k: r for k, r in actual["Resources"].items() if r["Type"] != "AWS::CDK::Metadata"}
    assert actual == expected
    assert not of_type(domain, NESTED)


def test_two_hundred_business_units_fit_in_the_nested_stacks_validation_asks_for(tmp_path: Path):
    """200 business units with a team unit each: nine resources a business unit. Four nested
    stacks are too few for the fullest one; validation names it and the count that fits."""
    mesh = write_unit_mesh(tmp_path / "mesh", 200, unit_stacks=4, project_stacks=4)
    issue = assert_issue(load_issues(mesh), "mesh.yaml", "layout.unit_stacks", "nested stack Units-")
    assert "resources" in issue.problem and "set layout.unit_stacks: 7" in issue.fix
    write_unit_mesh(mesh, 0, unit_stacks=7, project_stacks=4)
    config = load_mesh(mesh)
    loads = stack_loads(config.mesh, config.environments[0])
    assert len(config.mesh.domain_units) == 406
    assert max(e.resources for p, e in loads.items() if p.startswith("units-")) <= 450
    assert max(e.outputs for p, e in loads.items() if p.startswith("units-")) <= 200
    assert loads["domain"].resources < 100 and loads["domain"].outputs < 200


def test_a_unit_cannot_live_in_another_stack_than_its_parent():
    from mesh_constructs import DomainUnitSpec, DomainUnitTree, DomainUnitTreeProps

    stack = cdk.Stack(cdk.App(), "Domain")
    nested = [cdk.NestedStack(stack, f"Units-{n}") for n in (1, 2)]
    props = DomainUnitTreeProps(
        domain_id="dzd_abc",
        root_domain_unit_id="root",
        units=[DomainUnitSpec(key="bu", name="bu-domain-unit"), DomainUnitSpec("bu-team", "t", parent="bu")],
        scopes={"bu": nested[0], "bu-team": nested[1]},
    )
    with pytest.raises(ValueError, match="bu-team is not in the stack of its parent bu"):
        DomainUnitTree(stack, "Units", props)


# --- the change plan sees inside the nested stacks --------------------------------------------


def test_the_change_plan_reads_nested_stacks_and_refuses_a_units_move(tmp_path: Path):
    from mesh_plan.assembly import read_assembly
    from mesh_plan.changes import Action, plan
    from mesh_plan.rules import violations as plan_violations

    def synth(stacks: int) -> dict:
        mesh = write_unit_mesh(tmp_path / f"mesh{stacks}", 8, unit_stacks=stacks)
        return read_assembly(synth_dev(mesh, tmp_path / f"out{stacks}").directory)

    before = synth(2)
    nested = {n: s for n, s in before.items() if s.parent == "acme-dev-domain"}
    assert len(nested) == 2 and all(n.startswith("acme-dev-domain/Units") for n in nested)
    # The plan names a nested stack's resources by their path inside it.
    assert sorted(s.path for s in nested.values()) == ["dev/Domain/Units-1", "dev/Domain/Units-2"]
    # Three units stacks: jump hash moves about a third of the business units into units-3.
    changes = plan(before, synth(3))
    moved = [c for c in changes if c.resource_type == "AWS::DataZone::DomainUnit" and c.action is Action.REPLACED]
    assert moved and all("logical id moved to acme-dev-domain/Units3" in c.reasons[0] for c in moved)
    assert all(c.name.endswith("-domain-unit") for c in moved)
    owners = [c.name for c in changes if c.resource_type == "AWS::DataZone::Owner" and c.stack in nested]
    # As in a domain stack without nested stacks: Units/<unit>/Owner-<group>.
    assert owners and all(n.startswith("Units/gen") and "/Owner-" in n for n in owners), owners
    refused = {v.change.logical_id for v in plan_violations(changes, [])}
    assert {c.logical_id for c in moved} <= refused


def test_the_deployed_baseline_reads_a_nested_stack_through_its_parent():
    import boto3
    from botocore.stub import Stubber

    from mesh_plan.assembly import StackTemplate
    from mesh_plan.baseline import deployed_baseline

    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    nested_arn = "arn:aws:cloudformation:eu-west-1:123456789012:stack/acme-dev-domain-Units1NestedStack-ABC/1234"
    target = {
        "acme-dev-domain/Units1Nested": StackTemplate(
            "acme-dev-domain/Units1Nested", "123456789012", "eu-west-1", {}, "acme-dev-domain", "Units1Nested"
        ),
        "acme-dev-new/Units1Nested": StackTemplate(
            "acme-dev-new/Units1Nested", "123456789012", "eu-west-1", {}, "acme-dev-new", "Units1Nested"
        ),
    }
    detail = {
        "LogicalResourceId": "Units1Nested",
        "PhysicalResourceId": nested_arn,
        "ResourceType": "AWS::CloudFormation::Stack",
        "LastUpdatedTimestamp": "2026-12-01T00:00:00Z",
        "ResourceStatus": "UPDATE_COMPLETE",
    }
    body = json.dumps({"Resources": {"U": {"Type": "AWS::DataZone::DomainUnit"}}})
    with Stubber(client) as stub:
        stub.add_response(
            "describe_stack_resource",
            {"StackResourceDetail": detail},
            {"StackName": "acme-dev-domain", "LogicalResourceId": "Units1Nested"},
        )
        stub.add_response(
            "get_template", {"TemplateBody": body}, {"StackName": nested_arn, "TemplateStage": "Original"}
        )
        stub.add_client_error("describe_stack_resource", "ValidationError", "Stack with id acme-dev-new does not exist")
        found = deployed_baseline(target, lambda account, region: client)
        stub.assert_no_pending_responses()
    assert list(found) == ["acme-dev-domain/Units1Nested"]
    assert found["acme-dev-domain/Units1Nested"].resources == {"U": {"Type": "AWS::DataZone::DomainUnit"}}
    assert found["acme-dev-domain/Units1Nested"].parent == "acme-dev-domain"
