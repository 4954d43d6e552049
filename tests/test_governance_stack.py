"""The governance stack and its constructs, asserted on real synthesized templates: the handler
identity, the shared custom-resource pattern, the ordering of glossaries and forms."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity, DataZoneHandlerIdentityProps
from mesh_constructs.form_model import FormFieldSpec, FormFieldType, form_model
from mesh_constructs.glossary import GLOSSARY_ACTIONS, Glossary, GlossaryProps, GlossaryTermSpec, TermRef
from mesh_constructs.metadata_rule import METADATA_RULE_ACTIONS
from tests.synth import of_type

OWNING_PROJECTS = ["data-platform-etl", "finance-reporting", "ops-inventory", "sales-forecasting"]


def _stage_template(app, env: str, part: str) -> dict:
    (stack,) = [s for s in app.stacks() if s.stack_name == f"acme-{env}-{part}"]
    return stack.template


@pytest.fixture(scope="module")
def dev(example_app) -> dict:
    return _stage_template(example_app, "dev", "governance")


@pytest.fixture(scope="module")
def prod(example_app) -> dict:
    return _stage_template(example_app, "prod", "governance")


def _depends(resource: dict) -> set[str]:
    return set(resource.get("DependsOn", []))


def test_handler_identity_is_a_datazone_user_in_the_member_pool(dev):
    template = Template.from_json(dev)
    role_id = next(k for k in of_type(dev, "AWS::IAM::Role") if k.startswith("HandlerIdentityRole"))
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "acme-dev-mesh-datazone-handler",
            "AssumeRolePolicyDocument": {
                "Statement": [Match.object_like({"Principal": {"Service": "lambda.amazonaws.com"}})]
            },
        },
    )
    template.has_resource_properties(
        "AWS::DataZone::UserProfile",
        {"UserIdentifier": {"Fn::GetAtt": [role_id, "Arn"]}, "UserType": "IAM_ROLE", "Status": "ACTIVATED"},
    )
    (profile_id,) = of_type(dev, "AWS::DataZone::UserProfile")
    template.has_resource_properties(
        "AWS::DataZone::PolicyGrant",
        {
            "PolicyType": "ADD_TO_PROJECT_MEMBER_POOL",
            "Detail": {"AddToProjectMemberPool": {"IncludeChildDomainUnits": True}},
            "Principal": {"User": {"UserIdentifier": {"Fn::GetAtt": [profile_id, "Id"]}}},
        },
    )


def test_handler_owns_exactly_the_projects_it_acts_for_after_the_member_pool_grant(dev):
    memberships = of_type(dev, "AWS::DataZone::ProjectMembership")
    assert sorted(memberships) == sorted(f"HandlerOwns{k.replace('-', '')}" for k in OWNING_PROJECTS)
    (pool,) = [k for k, r in of_type(dev, "AWS::DataZone::PolicyGrant").items() if "MemberPool" in k]
    (profile_id,) = of_type(dev, "AWS::DataZone::UserProfile")
    for membership in memberships.values():
        assert membership["Properties"]["Designation"] == "PROJECT_OWNER"
        assert membership["Properties"]["Member"] == {"UserIdentifier": {"Fn::GetAtt": [profile_id, "Id"]}}
        assert pool in _depends(membership)


def test_handler_policy_is_the_handlers_datazone_actions_each_where_iam_evaluates_it(dev):
    """GetDomain on this domain; the others have no IAM resource type (mesh_constructs/
    iam_resource_types.py), so on '*': a statement naming the domain would not allow them."""
    policy = next(r for k, r in of_type(dev, "AWS::IAM::Policy").items() if k.startswith("HandlerIdentityDataZone"))
    on_domain, unscoped = policy["Properties"]["PolicyDocument"]["Statement"]
    assert on_domain["Action"] == "datazone:GetDomain"
    assert on_domain["Resource"]["Fn::GetStackOutput"]["StackName"] == "acme-dev-domain"
    assert unscoped["Resource"] == "*"
    assert set(unscoped["Action"]) == {
        *(a for a in GLOSSARY_ACTIONS if a != "datazone:GetDomain"),
        "datazone:CreateFormType",
        "datazone:DeleteFormType",
        "datazone:GetFormType",
        *(a for a in METADATA_RULE_ACTIONS if a != "datazone:GetDomain"),
    }
    assert "*" not in json.dumps(on_domain["Resource"])


def test_handlers_run_on_the_latest_python_as_the_identity(dev):
    functions = {k: r for k, r in of_type(dev, "AWS::Lambda::Function").items() if "framework" not in k}
    handlers = sorted(r["Properties"]["Handler"] for r in functions.values())
    assert handlers == ["handlers.form_type.on_event", "handlers.glossary.on_event", "handlers.metadata_rule.on_event"]
    role_id = next(k for k in of_type(dev, "AWS::IAM::Role") if k.startswith("HandlerIdentityRole"))
    for function in functions.values():
        assert function["Properties"]["Runtime"] == "python3.14"
        assert function["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_handler_asset_is_the_handlers_folder_only(example_app, dev):
    functions = [r for k, r in of_type(dev, "AWS::Lambda::Function").items() if "framework" not in k]
    for function in functions:
        digest = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
        folder = example_app.outdir / f"asset.{digest}"
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        handlers = Path(__file__).parent.parent / "mesh_constructs" / "handlers"
        assert files == {f"handlers/{p.name}" for p in handlers.glob("*.py")}
        assert "handlers/glossary.py" in files


def test_glossaries_deploy_in_order_after_their_owner_membership_and_grant(dev):
    glossaries = of_type(dev, "Custom::DataZoneGlossary")
    by_name = {r["Properties"]["Name"]: (k, r) for k, r in glossaries.items()}
    assert sorted(by_name) == ["acme-enterprise-glossary", "finance-glossary", "ops-glossary", "sales-glossary"]
    enterprise_id = by_name["acme-enterprise-glossary"][0]
    _, finance = by_name["finance-glossary"]
    assert enterprise_id in _depends(finance)  # finance's ARR is_a enterprise/Revenue
    assert "HandlerOwnsfinancereporting" in _depends(finance)
    assert any(d.startswith("GrantfinanceCREATEGLOSSARYfinancereporting") for d in _depends(finance))
    # One after another: every glossary but the first follows another one.
    followers = [k for k, r in glossaries.items() if _depends(r) & set(glossaries)]
    assert len(followers) == len(glossaries) - 1


def test_terms_and_relations_reach_the_handler(dev):
    finance = next(
        r for r in of_type(dev, "Custom::DataZoneGlossary").values() if r["Properties"]["Name"] == "finance-glossary"
    )
    arr = next(t for t in finance["Properties"]["Terms"] if t["Name"] == "ARR")
    assert arr["IsA"] == [{"Glossary": "acme-enterprise-glossary", "Term": "Revenue"}]
    assert arr["ShortDescription"].startswith("Annual recurring revenue")


def test_glossary_bound_form_field_takes_the_glossary_id(dev):
    forms = of_type(dev, "Custom::DataZoneFormType")
    classification = next(r for r in forms.values() if r["Properties"]["Name"] == "DataClassification")
    model = json.dumps(classification["Properties"]["Model"])
    enterprise_id = next(
        k for k, r in of_type(dev, "Custom::DataZoneGlossary").items() if r["Properties"]["Name"].startswith("acme-")
    )
    assert "@amazon.datazone#glossaryterm" in model
    assert json.dumps({"Fn::GetAtt": [enterprise_id, "GlossaryId"]}) in model
    # Forms follow the glossaries.
    assert all(_depends(r) for r in forms.values())


def test_removal_follows_deletion_protection(dev, prod):
    for template, policy in ((dev, "Delete"), (prod, "Retain")):
        for kind in ("Custom::DataZoneGlossary", "Custom::DataZoneFormType"):
            assert {r["DeletionPolicy"] for r in of_type(template, kind).values()} == {policy}


def test_project_grants_reach_project_owners_on_the_unit_and_its_children(dev):
    Template.from_json(dev).has_resource_properties(
        "AWS::DataZone::PolicyGrant",
        {
            "PolicyType": "CREATE_FORM_TYPE",
            "EntityType": "DOMAIN_UNIT",
            "Detail": {"CreateFormType": {"IncludeChildDomainUnits": True}},
            "Principal": {"Project": {"ProjectDesignation": "OWNER", "ProjectIdentifier": Match.any_value()}},
        },
    )


# --- constructs alone ------------------------------------------------------------------------


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "T", env=cdk.Environment(account="123456789012", region="eu-west-1"))


def test_glossary_construct_defaults_to_retain_and_stable_properties():
    stack = _stack()
    identity = DataZoneHandlerIdentity(
        stack, "Id", DataZoneHandlerIdentityProps("dzd_abc", "arn:aws:datazone:eu-west-1:1:domain/dzd_abc", "u1", "r")
    )
    handler = DataZoneHandler(
        stack,
        "H",
        DataZoneHandlerProps(module="glossary", identity=identity, actions=GLOSSARY_ACTIONS, description="g"),
    )
    Glossary(
        stack,
        "G",
        GlossaryProps(
            domain_id="dzd_abc",
            owning_project_id="prj1",
            name="g",
            handler=handler,
            terms=[GlossaryTermSpec("A", "a"), GlossaryTermSpec("B", "b", classifies=[TermRef("g", "A")])],
        ),
    )
    template = Template.from_stack(stack)
    template.has_resource(
        "Custom::DataZoneGlossary",
        {
            "DeletionPolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "Terms": [
                        {"Name": "A", "ShortDescription": "a", "LongDescription": ""},
                        {"Name": "B", "ShortDescription": "b", "LongDescription": "", "Classifies": [
                            {"Glossary": "g", "Term": "A"}]},
                    ]
                }
            ),
        },
    )  # fmt: skip


def test_unknown_handler_module_is_refused():
    stack = _stack()
    identity = DataZoneHandlerIdentity(
        stack, "Id", DataZoneHandlerIdentityProps("dzd_abc", "arn:aws:datazone:eu-west-1:1:domain/dzd_abc", "u1", "r")
    )
    with pytest.raises(ValueError, match=r"no handler module handlers/nope\.py"):
        DataZoneHandler(stack, "H", DataZoneHandlerProps(module="nope", identity=identity, actions=(), description="x"))


def test_form_model_traits():
    model = form_model(
        "Form",
        [
            FormFieldSpec("level", FormFieldType.STRING, 'Say "why"', required=True, searchable=True,
                          allowed_values=("a", "b")),
            FormFieldSpec("score", FormFieldType.INTEGER),
            FormFieldSpec("term", FormFieldType.GLOSSARY_TERM, glossary_id="gls1"),
        ],
    )  # fmt: skip
    assert model.startswith("structure Form {\n")
    assert '    @documentation("Say \\"why\\"")\n    @required\n    @amazon.datazone#searchable\n' in model
    assert "    level: FormLevelValues" in model and "    score: Integer" in model
    assert '@enum([{value: "a"}, {value: "b"}])\nstring FormLevelValues' in model
    assert '@amazon.datazone#glossaryterm("gls1")\n    term: FormTermTerms' in model
    assert "@length(min: 1, max: 1)\nlist FormTermTerms {\n    member: String\n}" in model


def test_form_model_refuses_a_glossary_field_without_glossary():
    with pytest.raises(ValueError, match="needs a glossary id"):
        form_model("Form", [FormFieldSpec("term", FormFieldType.GLOSSARY_TERM)])
