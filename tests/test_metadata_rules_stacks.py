"""Metadata rules and subscriptions' extra principals on synthesized templates: the bundled example,
and the example with a subscribe rule, subscription forms and a glossary-term rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.config_edits import edit_yaml
from tests.synth import SynthesizedApp, of_type, synth_app

ROOT = Path(__file__).resolve().parent.parent
BI_ROLE = "arn:aws:iam::345678901234:role/service-role/acme-quicksight-bi"


def _template(app: SynthesizedApp, name: str) -> dict:
    (stack,) = [s for s in app.stacks() if s.stack_name == name]
    return stack.template


def _rules(template: dict) -> dict[str, dict]:
    return of_type(template, "Custom::DataZoneMetadataRule")


@pytest.fixture(scope="module")
def governance(example_app) -> dict:
    return _template(example_app, "acme-prod-governance")


def test_every_business_unit_gets_its_classification_rule_after_the_forms(governance):
    rules = {r["Properties"]["Name"]: r for r in _rules(governance).values()}
    assert sorted(rules) == [
        "data-platform-classified-before-publishing",
        "finance-classified-before-publishing",
        "ops-classified-before-publishing",
        "sales-classified-before-publishing",
    ]
    form_id = next(k for k in of_type(governance, "Custom::DataZoneFormType") if k.startswith("FormDataClassification"))
    for rule in rules.values():
        props = rule["Properties"]
        assert props["Action"] == "CREATE_LISTING_CHANGE_SET"
        assert props["IncludeChildDomainUnits"] == "true"
        # The revision the form-type handler reports: a new form revision updates the rule.
        assert props["Forms"] == [
            {"TypeIdentifier": "DataClassification", "TypeRevision": {"Fn::GetAtt": [form_id, "Revision"]}}
        ]
        assert "Terms" not in props


def test_the_handler_identity_owns_each_unit_before_its_rule(governance):
    owners = of_type(governance, "AWS::DataZone::Owner")
    profile = next(k for k in of_type(governance, "AWS::DataZone::UserProfile"))
    assert len(owners) == 4
    for owner in owners.values():
        assert owner["Properties"]["Owner"] == {"User": {"UserIdentifier": {"Fn::GetAtt": [profile, "Id"]}}}
    for key, rule in _rules(governance).items():
        unit = rule["Properties"]["DomainUnitId"]
        (owner_id,) = [k for k, o in owners.items() if o["Properties"]["EntityIdentifier"] == unit]
        assert owner_id in rule["DependsOn"], key


def test_rules_and_ownerships_are_created_one_after_another(governance):
    chain = {**_rules(governance), **of_type(governance, "AWS::DataZone::Owner")}
    # Each depends on the one before it: a single chain, no two started together.
    roots = [k for k, r in chain.items() if not set(r.get("DependsOn", [])) & set(chain)]
    assert len(roots) == 1
    assert "FormRefreshFrequency" in json.dumps(chain[roots[0]]["DependsOn"])


def test_the_rule_handler_runs_as_the_governance_identity(governance):
    functions = of_type(governance, "AWS::Lambda::Function")
    (rule_fn,) = [f for f in functions.values() if f["Properties"].get("Handler") == "handlers.metadata_rule.on_event"]
    role = next(k for k in of_type(governance, "AWS::IAM::Role") if k.startswith("HandlerIdentityRole"))
    assert rule_fn["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}


def test_the_bi_role_is_granted_the_subscribed_table_in_production_only(example_app):
    prod = _template(example_app, "acme-prod-subscriptions")
    (key, grants) = next(iter(of_type(prod, "Custom::LakeFormationGrants").items()))
    props = grants["Properties"]
    assert props["Name"] == "acme-prod-subscription-finance-customer360-sales_product_catalog_table"
    assert props["Grants"] == [
        {"Principal": BI_ROLE, "Database": "sales_prod_catalog", "Table": "", "Permissions": ["DESCRIBE"],
         "Grantable": []},
        {"Principal": BI_ROLE, "Database": "sales_prod_catalog", "Table": "sales_product_catalog_table",
         "Permissions": ["DESCRIBE", "SELECT"], "Grantable": []},
    ]  # fmt: skip
    # After the subscription it follows: removed with it, and revoked first.
    (subscription,) = [
        k
        for k in of_type(prod, "Custom::DataZoneSubscription")
        if k.startswith("Subscriptionfinancecustomer360salesproductcatalog")
    ]
    assert subscription in grants["DependsOn"], key
    # Run by the account's grants handler (the catalogs stack's, a data-lake administrator).
    assert props["ServiceToken"]["Fn::GetStackOutput"]["StackName"] == "acme-prod-catalogs"
    for env in ("dev", "staging"):
        assert not of_type(_template(example_app, f"acme-{env}-subscriptions"), "Custom::LakeFormationGrants")


def test_subscriptions_without_forms_send_none(example_app):
    prod = _template(example_app, "acme-prod-subscriptions")
    for sub in of_type(prod, "Custom::DataZoneSubscription").values():
        assert "Forms" not in sub["Properties"]


@pytest.fixture(scope="module")
def ruled_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The example with a subscribe rule on sales (its subscriptions carry the forms) and a
    glossary-term rule on finance (its published tables carry the term)."""
    target = tmp_path_factory.mktemp("ruled") / "environments"
    import shutil

    shutil.copytree(ROOT / "environments", target)

    def change(m: dict) -> None:
        units = {u["id"]: u for u in m["domain_units"]}
        units["sales"]["rules"].append(
            {"name": "sales-quality-on-request", "action": "subscribe", "forms": ["DataQuality"]}
        )
        units["finance-analytics"]["rules"] = [
            {"name": "analytics-transaction-term", "action": "publish", "terms": ["enterprise/Transaction"],
             "include_child_units": False}
        ]  # fmt: skip
        for sub in m["subscriptions"][1:]:
            if "asset" in sub:  # the rule is the sales unit's; a data product is finance's
                sub["forms"] = {"DataQuality": {"quality_score": 90, "quality_rules": "dq/sales"}}

    edit_yaml(target / "mesh.yaml", change)
    return synth_app(target, tmp_path_factory.mktemp("ruled.out"))


def test_a_subscribe_rule_and_the_forms_sent_with_the_requests(ruled_app):
    governance = _template(ruled_app, "acme-dev-governance")
    (rule,) = [r for r in _rules(governance).values() if r["Properties"]["Name"] == "sales-quality-on-request"]
    assert rule["Properties"]["Action"] == "CREATE_SUBSCRIPTION_REQUEST"
    subscriptions = _template(ruled_app, "acme-dev-subscriptions")
    with_forms = [s["Properties"] for s in of_type(subscriptions, "Custom::DataZoneSubscription").values()
                  if "Forms" in s["Properties"]]  # fmt: skip
    assert sorted(p["AssetName"] for p in with_forms) == ["sales_opportunities_table", "sales_product_catalog_table"]
    for props in with_forms:
        (form,) = props["Forms"]
        assert form["FormName"] == form["TypeIdentifier"] == "DataQuality"
        assert json.loads(form["Content"]) == {"quality_score": 90, "quality_rules": "dq/sales"}
        # The governance stack's form revision.
        assert form["TypeRevision"]["Fn::GetStackOutput"]["StackName"] == "acme-dev-governance"


def test_a_term_rule_names_the_glossary_and_the_term(ruled_app):
    governance = _template(ruled_app, "acme-dev-governance")
    (rule,) = [r for r in _rules(governance).values() if r["Properties"]["Name"] == "analytics-transaction-term"]
    props = rule["Properties"]
    glossary = next(k for k in of_type(governance, "Custom::DataZoneGlossary") if k.startswith("Glossaryenterprise"))
    assert props["Terms"] == [{"GlossaryId": {"Fn::GetAtt": [glossary, "GlossaryId"]}, "Term": "Transaction"}]
    assert props["IncludeChildDomainUnits"] == "false"
    assert "Forms" not in props
