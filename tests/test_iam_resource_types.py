"""IAM statements scoped to ARNs allow only actions that can match those ARNs.

IAM evaluates an action against the resource types the Service Authorization Reference lists for
it; an action with none is evaluated against ``*``. A statement naming only ARNs that none of
its action's resource types can match allows nothing for that action, and nothing fails until
the call is refused (AccessDenied) after a "successful" deploy. cfn-lint bundles the reference
(``cfnlint/data/AdditionalSpecs/Policies.json``); its own rule I3510 skips ARNs built with
intrinsic functions and does not report actions that need ``*``, so the check is made here, over
every synthesized template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import aws_cdk as cdk
import cfnlint
import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource

from mesh_config.regions import partition_of
from mesh_constructs.iam_resource_types import DATAZONE_RESOURCE_TYPES, DOMAIN, split_datazone_actions
from tests.ram_acceptance import accepting_config, shared_data_stack
from tests.synth import ROOT, SynthesizedApp, cdk_json_context, synth_app

POLICIES: dict[str, Any] = load_resource(AdditionalSpecs, "Policies.json")
STAR = object()  # a wildcard: any characters, ':' and '/' included
FIELD = object()  # one ARN field: any characters but ':'

# The ARN an attribute (or a Ref) of a resource type stands for, with '*' for the parts the
# template leaves to CloudFormation ({p}artition, {r}egion, {a}ccount are the stack's).
ARN_OF: dict[tuple[str, str], str] = {
    ("AWS::CodeBuild::Project", "Arn"): "arn:{p}:codebuild:{r}:{a}:project/*",
    ("AWS::DataZone::Domain", "Arn"): "arn:{p}:datazone:{r}:{a}:domain/*",
    ("AWS::DynamoDB::Table", "Arn"): "arn:{p}:dynamodb:{r}:{a}:table/*",
    ("AWS::IAM::Role", "Arn"): "arn:{p}:iam::{a}:role/*",
    ("AWS::KMS::Key", "Arn"): "arn:{p}:kms:{r}:{a}:key/*",
    ("AWS::Lambda::Function", "Arn"): "arn:{p}:lambda:{r}:{a}:function:*",
    # CDK's LogGroup.logGroupArn is the GetAtt, which ends in ":*".
    ("AWS::Logs::LogGroup", "Arn"): "arn:{p}:logs:{r}:{a}:log-group:*:*",
    ("AWS::S3::Bucket", "Arn"): "arn:{p}:s3:::*",
    ("AWS::SNS::Topic", "Ref"): "arn:{p}:sns:{r}:{a}:*",
    ("AWS::SNS::Topic", "TopicArn"): "arn:{p}:sns:{r}:{a}:*",
    ("AWS::SQS::Queue", "Arn"): "arn:{p}:sqs:{r}:{a}:*",
    ("AWS::StepFunctions::StateMachine", "Ref"): "arn:{p}:states:{r}:{a}:stateMachine:*",
    ("AWS::StepFunctions::StateMachine", "Arn"): "arn:{p}:states:{r}:{a}:stateMachine:*",
}


# --- the table against cfn-lint ---------------------------------------------------------------


def _cfn_lint_types(action: str) -> list[str] | None:
    """The resource types cfn-lint's copy of the reference lists for an action (lower case), or
    None when it does not know the action."""
    service, name = action.split(":", 1)
    entry = POLICIES.get(service.lower(), {}).get("Actions", {}).get(name.lower())
    return None if entry is None else sorted(r.lower() for r in entry.get("Resources", []))


def _table_entry(action: str) -> str | None:
    types = _cfn_lint_types(action)
    return DOMAIN if types and DOMAIN in types else None


def test_the_datazone_table_is_cfn_lints_reference():
    problems = []
    for action, recorded in DATAZONE_RESOURCE_TYPES.items():
        types = _cfn_lint_types(action)
        if types is None:
            problems.append(f"{action}: unknown to cfn-lint {cfnlint.__version__}")
        elif set(types) - {DOMAIN}:
            problems.append(f"{action}: resource types {types}, the table knows only '{DOMAIN}'")
        elif recorded != _table_entry(action):
            problems.append(f"{action}: table says {recorded!r}, cfn-lint {cfnlint.__version__} says {types}")
    regenerated = "\n".join(f'        "{a}": {_table_entry(a)!r},' for a in sorted(DATAZONE_RESOURCE_TYPES))
    assert not problems, (
        "\n".join(problems) + "\n\nThe table from cfn-lint's data:\n" + regenerated.replace(f"'{DOMAIN}'", "DOMAIN")
    )


def test_the_reference_lists_no_domain_type_for_the_actions_the_handlers_rely_on_most():
    """Seen in the reference (FACTS, 2026-12-01): these are evaluated against '*' only."""
    for action in ("CreateGlossary", "Search", "StartDataSourceRun", "AcceptSubscriptionRequest", "ListConnections"):
        assert _cfn_lint_types(f"datazone:{action}") == []
        assert DATAZONE_RESOURCE_TYPES[f"datazone:{action}"] is None
    assert _cfn_lint_types("datazone:GetDomain") == [DOMAIN]


def test_the_split_puts_each_action_where_iam_evaluates_it():
    on_domain, unscoped = split_datazone_actions(["datazone:Search", "datazone:GetDomain", "datazone:CreateGlossary"])
    assert on_domain == ["datazone:GetDomain"]
    assert unscoped == ["datazone:CreateGlossary", "datazone:Search"]


def test_an_action_missing_from_the_table_is_refused_not_guessed():
    with pytest.raises(ValueError, match=r"datazone:CreateAsset: add them to DATAZONE_RESOURCE_TYPES"):
        split_datazone_actions(["datazone:GetDomain", "datazone:CreateAsset"])


# --- reading the templates ------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    account: str
    template: dict

    @property
    def partition(self) -> str:
        return partition_of(self.region)


@dataclass(frozen=True)
class Statement:
    where: str
    actions: list[str]
    resources: list[str]  # IAM patterns, '*' for what CloudFormation fills in


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _pattern(value: Any, stack: Stack, stacks: dict[tuple[str, str], Stack]) -> str:
    """A resource value as an IAM pattern: literal text, '*' where only deployment knows."""
    if isinstance(value, str):
        return value
    (function, argument), *_ = value.items()
    resources = stack.template["Resources"]
    if function == "Ref":
        pseudo = {"AWS::Partition": stack.partition, "AWS::Region": stack.region, "AWS::AccountId": stack.account}
        if argument in pseudo:
            return pseudo[argument]
        kind = resources.get(argument, {}).get("Type")
        return ARN_OF.get((kind, "Ref"), "*").format(p=stack.partition, r=stack.region, a=stack.account)
    if function == "Fn::GetAtt":
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        kind = resources[logical_id]["Type"]
        if (kind, attribute) not in ARN_OF:
            assert not attribute.endswith("Arn"), f"{stack.name}: add {kind}.{attribute} to ARN_OF"
            return "*"
        return ARN_OF[(kind, attribute)].format(p=stack.partition, r=stack.region, a=stack.account)
    if function == "Fn::Join":
        separator, parts = argument
        return separator.join(_pattern(p, stack, stacks) for p in parts)
    if function == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        pseudo = {"AWS::Partition": stack.partition, "AWS::Region": stack.region, "AWS::AccountId": stack.account}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return _pattern(variables[name], stack, stacks)
            return pseudo.get(name, "*")

        return re.sub(r"\$\{([^}!]+)\}", substitute, text)
    if function == "Fn::GetStackOutput":
        producer = stacks[(argument["StackName"], argument.get("Region", stack.region))]
        return _pattern(producer.template["Outputs"][argument["OutputName"]]["Value"], producer, stacks)
    if function == "Fn::ImportValue":
        name = _pattern(argument, stack, stacks)
        (exported,) = (
            (s, o["Value"])
            for s in stacks.values()
            for o in s.template.get("Outputs", {}).values()
            if o.get("Export", {}).get("Name") == name
        )
        return _pattern(exported[1], exported[0], stacks)
    if function in ("Fn::Select", "Fn::If"):
        return "*"
    raise AssertionError(f"{stack.name}: cannot read {value}")


def _documents(value: Any) -> Iterator[dict]:
    """Policy documents in a resource's properties: identity policies (Policy, ManagedPolicy,
    Role.Policies) and resource policies (bucket, key, topic...), not trust policies."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("PolicyDocument", "KeyPolicy") and isinstance(item, dict):
                yield item
            else:
                yield from _documents(item)
    elif isinstance(value, list):
        for item in value:
            yield from _documents(item)


def scoped_statements(stacks: list[Stack]) -> Iterator[Statement]:
    """Every Allow statement whose Resource is not '*' (NotResource statements aside)."""
    by_name = {(s.name, s.region): s for s in stacks}
    for stack in stacks:
        for logical_id, resource in stack.template["Resources"].items():
            for document in _documents(resource.get("Properties", {})):
                for statement in _as_list(document.get("Statement", [])):
                    if statement.get("Effect") != "Allow" or "Resource" not in statement:
                        continue
                    resources = [_pattern(r, stack, by_name) for r in _as_list(statement["Resource"])]
                    if "*" in resources:
                        continue
                    yield Statement(
                        f"{stack.name} {logical_id}", [str(a) for a in _as_list(statement["Action"])], resources
                    )


# --- matching patterns ----------------------------------------------------------------------


def _tokens(pattern: str, *, arn_format: bool) -> tuple[object, ...]:
    """Characters and wildcards. In a statement IAM's '*' and '?' match anything, ':' included
    (STAR). In one of the reference's ARN formats a ${Partition} / ${Region} / ${Account} variable
    is one ARN field (FIELD: no ':'), and '.*' (cfn-lint's stand-in for the resource's own name,
    which may hold ':' and '/') and '*' match anything."""
    out: list[object] = []
    i = 0
    while i < len(pattern):
        if arn_format and pattern.startswith("${", i):
            i = pattern.index("}", i) + 1
            out.append(FIELD)
        elif arn_format and pattern.startswith(".*", i):
            i += 2
            out.append(STAR)
        elif pattern[i] == "*" or (not arn_format and pattern[i] == "?"):
            i += 1
            out.append(STAR)
        else:
            out.append(pattern[i])
            i += 1
    return tuple(out)


def _wild(token: object) -> bool:
    return token is STAR or token is FIELD


def _accepts(token: object, char: str) -> bool:
    return token is STAR or (token is FIELD and char != ":")


def overlap(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether some string matches both patterns: a walk of the two patterns' product automaton
    over their literal characters and one character neither holds."""
    alphabet = {t for t in (*a, *b) if isinstance(t, str)} | {"\0"}

    def closure(states: set[tuple[int, int]]) -> set[tuple[int, int]]:
        todo, seen = list(states), set(states)
        while todo:
            i, j = todo.pop()
            for state in (
                (i + 1, j) if i < len(a) and _wild(a[i]) else None,
                (i, j + 1) if j < len(b) and _wild(b[j]) else None,
            ):
                if state is not None and state not in seen:
                    seen.add(state)
                    todo.append(state)
        return seen

    def step(token: object, index: int, char: str) -> int | None:
        if _accepts(token, char):
            return index
        return index + 1 if token == char else None

    frontier = closure({(0, 0)})
    visited = set(frontier)
    while frontier:
        if (len(a), len(b)) in frontier:
            return True
        following: set[tuple[int, int]] = set()
        for i, j in frontier:
            if i == len(a) or j == len(b):
                continue
            for char in alphabet:
                x, y = step(a[i], i, char), step(b[j], j, char)
                if x is not None and y is not None:
                    following.add((x, y))
        frontier = closure(following) - visited
        visited |= frontier
    return False


def _formats(service: str, action: str) -> list[tuple[object, ...]]:
    known = {k.lower(): v for k, v in POLICIES[service]["Resources"].items()}
    types = POLICIES[service]["Actions"][action].get("Resources", [])
    return [_tokens(f, arn_format=True) for t in types for f in known[t.lower()].get("ARNFormats", [])]


def action_problems(statement: Statement) -> Iterator[str]:
    resources = [_tokens(r, arn_format=False) for r in statement.resources]
    for action in statement.actions:
        service, name = action.lower().split(":", 1)
        if service not in POLICIES:
            yield f"{statement.where}: {action}: service unknown to cfn-lint's reference"
            continue
        names = [n for n in POLICIES[service]["Actions"] if fnmatchcase(n, name)]
        if not names:
            yield f"{statement.where}: {action}: no such action in cfn-lint's reference"
            continue
        if not any(overlap(r, f) for n in names for f in _formats(service, n) for r in resources):
            types = sorted({t for n in names for t in POLICIES[service]["Actions"][n].get("Resources", [])})
            accepts = f"resource types {types}" if types else "no resource type ('*' only)"
            yield f"{statement.where}: {action} ({accepts}) cannot match {statement.resources}"


def problems_of(stacks: list[Stack]) -> list[str]:
    statements = list(scoped_statements(stacks))
    assert statements
    return sorted({p for s in statements for p in action_problems(s)})


def _stacks(app: SynthesizedApp) -> list[Stack]:
    return [Stack(s.stack_name, s.environment.region, s.environment.account, s.template) for s in app.stacks()]


# --- the templates --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_prod(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synth_app(ROOT / "examples" / "three-prod-accounts", tmp_path_factory.mktemp("three-prod"))


def test_the_matching_tells_right_from_wrong():
    """The oracle: the domain ARN matches GetDomain's type and not CreateGlossary (no type), a
    log group's ':*' matches log streams, a table ARN is no database."""
    domain = "arn:aws:datazone:eu-west-1:1:domain/*"
    wrong = Statement("S", ["datazone:GetDomain", "datazone:CreateGlossary"], [domain])
    assert list(action_problems(wrong)) == [
        f"S: datazone:CreateGlossary (no resource type ('*' only)) cannot match ['{domain}']"
    ]
    logs = Statement("S", ["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:r:1:log-group:g:*"])
    assert not list(action_problems(logs))
    glue = Statement("S", ["glue:GetDatabase"], ["arn:aws:glue:r:1:table/db/*"])
    assert "glue:GetDatabase (resource types" in next(action_problems(glue))
    # A wildcard action is fine when one action it stands for can match.
    assert not list(action_problems(Statement("S", ["s3:List*"], ["arn:aws:s3:::b"])))


def test_every_scoped_statement_of_the_example_can_match_its_arns(example_app: SynthesizedApp):
    problems = problems_of(_stacks(example_app))
    assert not problems, "\n".join(problems)


def test_every_scoped_statement_of_three_prod_accounts_can_match_its_arns(three_prod: SynthesizedApp):
    problems = problems_of(_stacks(three_prod))
    assert not problems, "\n".join(problems)


def test_every_scoped_statement_of_the_ram_accepting_consumer_can_match_its_arns():
    app = cdk.App(context=cdk_json_context())
    stack = shared_data_stack(app, accepting_config())
    template = app.synth().get_stack_by_name(stack.stack_name).template
    problems = problems_of([Stack(stack.stack_name, stack.region, stack.account, template)])
    assert not problems, "\n".join(problems)


def test_every_datazone_action_the_mesh_allows_is_in_the_table(example_app: SynthesizedApp, three_prod):
    allowed = {
        action
        for app in (example_app, three_prod)
        for s in app.stacks()
        for document in _documents(s.template["Resources"])
        for statement in _as_list(document.get("Statement", []))
        for action in _as_list(statement.get("Action", []))
        if str(action).startswith("datazone:")
    }
    assert allowed and allowed <= set(DATAZONE_RESOURCE_TYPES), sorted(allowed - set(DATAZONE_RESOURCE_TYPES))


def test_the_source_action_uses_the_connection_under_its_arns_prefix(example_app: SynthesizedApp):
    """CDK grants codestar-connections:UseConnection; the example's connection is a codeconnections
    one, and IAM matches a resource only under its own prefix."""
    template = example_app.templates()["acme-mesh-pipeline"]
    connection = next(
        a["Configuration"]["ConnectionArn"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
        for stage in r["Properties"]["Stages"]
        for a in stage["Actions"]
        if "ConnectionArn" in a.get("Configuration", {})
    )
    assert connection.startswith("arn:aws:codeconnections:")
    uses = {
        action
        for document in _documents(template["Resources"])
        for statement in _as_list(document.get("Statement", []))
        if connection in _as_list(statement.get("Resource", []))
        for action in _as_list(statement["Action"])
    }
    assert uses == {"codeconnections:UseConnection"}
