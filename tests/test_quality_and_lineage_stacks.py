"""Data quality and lineage in the synthesized templates of the bundled example: the ledger's
ruleset, schedule, alarm, Lake Formation grant and imported results; the lineage stack after every
products stack, without lengthening the environment's chain of deployments."""

from __future__ import annotations

import json
import shutil

import pytest
from aws_cdk.assertions import Template

from mesh_config import load_mesh
from mesh_config.dqdl import ruleset
from tests.config_edits import EXAMPLE, edit_yaml
from tests.synth import SynthesizedApp, of_type, synth_app

GL = "finance_gl_transactions_table"
DATABASE = "finance_dev_catalog"
RULESET = f"{DATABASE}.{GL}"
# foundation, domain, projects, governance, products, then subscriptions / team grants / lineage.
MAX_DEPTH = 6


def _template(app: SynthesizedApp, name: str) -> Template:
    return Template.from_json(app.templates()[name])


def _ledger_rules() -> list[str]:
    tables = {t.dataset: t for c in load_mesh(EXAMPLE).mesh.catalogs for t in c.tables}
    return tables["gl_transactions"].quality.rules  # type: ignore[union-attr]


def test_the_ledger_has_its_ruleset_on_its_table(example_app):
    template = _template(example_app, "acme-dev-products-1")
    template.has_resource_properties(
        "AWS::Glue::DataQualityRuleset",
        {
            "Name": RULESET,
            "Ruleset": ruleset(_ledger_rules()),
            "TargetTable": {"DatabaseName": DATABASE, "TableName": GL},
        },
    )
    rulesets = of_type(example_app.templates()["acme-dev-products-1"], "AWS::Glue::DataQualityRuleset")
    assert len(rulesets) == 1  # only the ledger has rules
    (ruleset_resource,) = rulesets.values()
    tables = of_type(example_app.templates()["acme-dev-products-1"], "AWS::Glue::Table")
    ledger = next(k for k, t in tables.items() if t["Properties"]["TableInput"]["Name"] == GL)
    assert ledger in ruleset_resource["DependsOn"]


def test_the_schedule_starts_an_evaluation_with_cloudwatch_metrics_as_a_least_privilege_role(example_app):
    raw = example_app.templates()["acme-dev-products-1"]
    (schedule,) = of_type(raw, "AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "cron(30 4 * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "Europe/Paris"
    target = props["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:glue:startDataQualityRulesetEvaluationRun"
    rendered = json.dumps(target["Input"])
    for expected in ('\\"RulesetNames\\":[\\"' + RULESET, '\\"CloudWatchMetricsEnabled\\":true', DATABASE, GL):
        assert expected in rendered
    policies = [p["Properties"]["PolicyDocument"]["Statement"] for p in of_type(raw, "AWS::IAM::Policy").values()]
    scheduler = next(
        s for s in policies if any(st["Action"] == "glue:StartDataQualityRulesetEvaluationRun" for st in s)
    )
    assert {st["Action"] for st in scheduler} == {"glue:StartDataQualityRulesetEvaluationRun", "iam:PassRole"}
    start = next(st for st in scheduler if st["Action"] == "glue:StartDataQualityRulesetEvaluationRun")
    assert f"dataQualityRuleset/{RULESET}" in json.dumps(start["Resource"])


def test_the_evaluation_role_is_granted_select_on_the_table_by_lake_formation(example_app):
    raw = example_app.templates()["acme-dev-products-1"]
    grants = of_type(raw, "Custom::LakeFormationGrants")
    quality = next(g for k, g in grants.items() if k.startswith("QualityGrants"))
    entries = quality["Properties"]["Grants"]
    on_table = [g for g in entries if g.get("Table") == GL]
    assert on_table and sorted(on_table[0]["Permissions"]) == ["DESCRIBE", "SELECT"]
    producer = next(k for k in grants if k.startswith("ProducerGrants"))
    assert producer in quality["DependsOn"]  # one grant set at a time


def test_the_alarm_fires_below_the_score_and_tells_the_alarm_topic_where_there_is_one(example_app):
    for env, topic in (("dev", False), ("staging", True)):
        raw = example_app.templates()[f"acme-{env}-products-1"]
        (alarm,) = of_type(raw, "AWS::CloudWatch::Alarm").values()
        props = alarm["Properties"]
        assert props["Threshold"] == 90 and props["ComparisonOperator"] == "LessThanThreshold"
        assert props["TreatMissingData"] == "notBreaching"
        (expression,) = [m["Expression"] for m in props["Metrics"] if "Expression" in m]
        assert expression == "100 * passed / (passed + failed)"
        stats = [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
        assert {s["MetricName"] for s in stats} == {"glue.data.quality.rules.passed", "glue.data.quality.rules.failed"}
        dims = {d["Name"]: d["Value"] for d in stats[0]["Dimensions"]}
        assert dims["Ruleset"] == f"finance_{env}_catalog.{GL}" and dims["Table"] == GL
        assert bool(props.get("AlarmActions")) is topic
        if topic:
            assert f"acme-{env}-mesh-alarms" in json.dumps(props["AlarmActions"])


def test_the_data_source_imports_the_quality_results_only_where_a_table_has_rules(example_app):
    raw = example_app.templates()["acme-dev-products-1"]
    auto = {
        s["Properties"]["Name"]: s["Properties"]["Configuration"]["GlueRunConfiguration"].get(
            "AutoImportDataQualityResult"
        )
        for s in of_type(raw, "AWS::DataZone::DataSource").values()
    }
    assert [n for n, v in auto.items() if v] and all(v in (True, None) for v in auto.values())
    # Only the data source of the ledger's producer (finance-reporting) has a table with rules.
    assert [n for n, v in auto.items() if v] == [
        n for n in auto if n.startswith(DATABASE) and n.endswith("finance-reporting")
    ]


def test_lineage_is_posted_after_every_products_stack(example_app):
    raw = example_app.templates()["acme-dev-lineage"]
    posts = {r["Properties"]["JobName"]: r["Properties"] for r in of_type(raw, "Custom::DataZoneLineage").values()}
    pnl = posts[f"{DATABASE}.finance_pnl_reports_table"]
    assert [i["Name"] for i in pnl["Inputs"]] == [
        f"table/{DATABASE}/finance_gl_transactions_table",
        f"table/{DATABASE}/finance_budget_data_table",
    ]
    account = next(e.account for e in load_mesh(EXAMPLE).environments if e.name == "dev")
    assert pnl["Inputs"][0]["Namespace"] == f"arn:aws:glue:eu-west-1:{account}"
    orders = posts["ops_dev_catalog.ops_orders_table"]
    assert [i["Name"] for i in orders["Inputs"]] == ["table/sales_dev_catalog/sales_quotes_table"]
    stage = next(s for s in example_app.assembly.stacks_recursively if s.stack_name == "acme-dev-lineage")
    after = {d.id for d in stage.dependencies}
    products = {s.id for s in example_app.assembly.stacks_recursively if s.stack_name.startswith("acme-dev-products")}
    assert products and products <= {a.split("/")[-1] for a in after} | after


def _deploy_depth(app: SynthesizedApp, env: str) -> int:
    pipeline = of_type(app.templates()["acme-mesh-pipeline"], "AWS::CodePipeline::Pipeline")
    (resource,) = pipeline.values()
    stages = [s for s in resource["Properties"]["Stages"] if s["Name"] == env or s["Name"].startswith(f"{env}-")]
    return sum(len({a["RunOrder"] for a in s["Actions"] if a["ActionTypeId"]["Category"] == "Deploy"}) for s in stages)


def test_the_lineage_stack_adds_no_sequential_step(example_app):
    for env in ("dev", "staging", "prod"):
        assert _deploy_depth(example_app, env) <= MAX_DEPTH


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The example without quality and lineage."""
    target = tmp_path_factory.mktemp("plain") / "environments"
    shutil.copytree(EXAMPLE, target)

    def strip(m: dict) -> None:
        for catalog in m["catalogs"]:
            for table in catalog["tables"]:
                table.pop("quality", None)
                table.pop("derived_from", None)

    edit_yaml(target / "mesh.yaml", strip)
    return synth_app(target, tmp_path_factory.mktemp("plain.out"))


def test_a_mesh_without_quality_or_lineage_has_none_of_it(plain_app):
    templates = plain_app.templates()
    assert not [n for n in templates if n.endswith("-lineage")]
    for name, raw in templates.items():
        for kind in ("AWS::Glue::DataQualityRuleset", "AWS::Scheduler::Schedule", "Custom::DataZoneLineage"):
            assert not of_type(raw, kind), (name, kind)
        for source in of_type(raw, "AWS::DataZone::DataSource").values():
            assert "AutoImportDataQualityResult" not in source["Properties"]["Configuration"]["GlueRunConfiguration"]
    Template.from_json(templates["acme-dev-products-1"]).resource_count_is("Custom::LakeFormationGrants", 1)


def test_the_lineage_handler_may_post_lineage_and_nothing_else_in_datazone(example_app):
    raw = example_app.templates()["acme-dev-lineage"]
    actions = {
        action
        for policy in of_type(raw, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert {a for a in actions if a.startswith("datazone:")} == {"datazone:PostLineageEvent"}
    assert not {a for a in actions if a.startswith(("glue:", "lakeformation:", "iam:"))}
