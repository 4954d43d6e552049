"""Every acknowledgement's reason is true of what it acknowledges, checked mechanically.

The app is synthesized once with every acknowledgement recorded instead of applied
(mesh_constructs.acknowledge is the one place acknowledgements are made), so the validation report
lists every finding the rules raise and where. Each recorded acknowledgement is then read next to
the findings it covers and their policy statements:

- it covers at least one finding at or below its construct (none: stale);
- an IAM5 finding's wildcard is in the policy; an IAM4 reason names the managed policy it accepts;
- a reason about whose logs ("its own logs", "log group", "log stream") needs every logs
  statement it covers scoped to named log groups (an AWS managed policy counts with its
  documented statements);
- a reason naming accounts or deploy roles needs every statement it covers scoped to accounts
  (the ARN's account, or an account condition);
- every ``service:Name`` it mentions is an action or condition key of the statements it covers;
- a ``Resource::*`` reason names every action allowed on ``*``;
- "one/two ... actions" counts them, "read-only" means reads only;
- "artifact bucket", "artifact key", "topic's key" list every resource the statements reach.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

import mesh_constructs.acknowledge as acknowledge_module
from app import build_app
from mesh_constructs.acknowledge import render_for_nag
from tests.ram_acceptance import accepting_config, shared_data_stack
from tests.synth import ROOT, cdk_json_context, of_type
from tests.test_nag import acknowledgments

# What AWS documents for the managed policies a reason may make claims about.
MANAGED_POLICY_STATEMENTS: dict[str, list[dict[str, Any]]] = {
    "AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}
NAMESPACES = ("Annotation::", "CloudFormation-Validate::")
ACCOUNT_CONDITION_KEYS = {"aws:ResourceAccount", "aws:SourceAccount", "aws:ResourceOrgID", "ram:ShareOwnerAccountId"}
READ_PREFIXES = ("Get", "List", "Describe", "Search", "BatchGet", "Head")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
TOKEN = r"(?:<[^>]+>|[\w-]*)"
LOG_GROUP_ARN = re.compile(
    rf"^arn:{TOKEN}:logs:{TOKEN}:(?:<[^>]+>|\d{{12}}):log-group:(?P<name>[^:*]+)(?::\*|:log-stream:.*)?$"
)
# service:Name (an action, or a condition key with an optional /tag-key part).
IAM_NAME = re.compile(r"(?<![\w-])([a-z0-9-]+:[A-Za-z*][\w*]*(?:/[\w.:-]+)?)")


@dataclass(frozen=True)
class Ack:
    path: str
    finding: str  # as the rules name it: "AwsSolutions-IAM5[Resource::*]", "E3019"
    reason: str


@dataclass(frozen=True)
class Resource:
    path: str
    logical_id: str
    template: dict

    @property
    def properties(self) -> dict:
        return self.template["Resources"][self.logical_id].get("Properties", {})


@dataclass
class RawSynth:
    acks: list[Ack]
    # finding id -> construct paths of the resources raising it, with nothing acknowledged
    findings: dict[str, list[str]]
    resources: dict[str, Resource]

    def covered(self, ack: Ack) -> list[Resource]:
        return [
            self.resources[p]
            for p in self.findings.get(ack.finding, [])
            if (p == ack.path or p.startswith(f"{ack.path}/")) and p in self.resources
        ]


class _Recorder:
    """Stands in for aws_cdk.Validations in mesh_constructs.acknowledge: records, acknowledges nothing."""

    def __init__(self) -> None:
        self.acks: list[Ack] = []

    def of(self, construct: IConstruct) -> _Recorder._Scope:
        return _Recorder._Scope(self, construct.node.path)

    @dataclass
    class _Scope:
        recorder: _Recorder
        path: str

        def acknowledge(self, *acks: cdk.Acknowledgment) -> None:
            self.recorder.acks += [Ack(self.path, _without_namespace(a.id), a.reason) for a in acks]


def _without_namespace(finding: str) -> str:
    return next((finding[len(n) :] for n in NAMESPACES if finding.startswith(n)), finding)


def synth_without_acknowledgements(build: Callable[[cdk.App], None], outdir: Path) -> RawSynth:
    recorder = _Recorder()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(acknowledge_module, "Validations", recorder)
        app = cdk.App(outdir=str(outdir), context=cdk_json_context())
        build(app)
        try:
            app.synth()
        except RuntimeError:
            # Unacknowledged findings fail the synth after the assembly and the report are written;
            # anything else is a real error.
            if not (outdir / "validation-report.json").exists():
                raise
    report = json.loads((outdir / "validation-report.json").read_text())
    findings: dict[str, list[str]] = defaultdict(list)
    for plugin in report["pluginReports"]:
        for violation in plugin["violations"]:
            findings[violation["ruleName"]] += [c["constructPath"] for c in violation["violatingConstructs"]]
    templates = {s.hierarchical_id: s.template for s in cdk.cx_api.CloudAssembly(str(outdir)).stacks_recursively}
    resources = {}
    for construct in app.node.find_all():
        if isinstance(construct, cdk.CfnResource):
            stack = cdk.Stack.of(construct)
            logical_id = stack.resolve(construct.logical_id)
            resources[construct.node.path] = Resource(construct.node.path, logical_id, templates[stack.node.path])
    return RawSynth(recorder.acks, dict(findings), resources)


# --- reading policies ----------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _documents(resource: Resource) -> list[dict]:
    props = resource.properties
    if "PolicyDocument" in props:
        return [props["PolicyDocument"]]
    return [p["PolicyDocument"] for p in props.get("Policies", [])]


def _allows(resource: Resource) -> list[dict]:
    return [s for d in _documents(resource) for s in d.get("Statement", []) if s.get("Effect") == "Allow"]


def _actions(statement: dict) -> list[str]:
    return _as_list(statement.get("Action", []))


def _resources(statement: dict) -> list[str]:
    return [render_for_nag(r) for r in _as_list(statement.get("Resource", []))]


def _condition_keys(statement: dict) -> set[str]:
    return {key for operator in statement.get("Condition", {}).values() for key in operator}


def _managed_policy(finding: str) -> str:
    """AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/X] -> X."""
    return finding.rstrip("]").rsplit("/", 1)[-1]


def _statements(ack: Ack, resource: Resource) -> list[dict]:
    """The statements behind one finding of one resource."""
    kind = re.match(r"AwsSolutions-IAM([45])\[(\w+)::(.*)\]$", ack.finding)
    if kind is None:
        return []
    rule, what, value = kind.groups()
    if rule == "4":
        return MANAGED_POLICY_STATEMENTS.get(_managed_policy(ack.finding), [])
    if what == "Action":
        return [s for s in _allows(resource) if value in _actions(s)]
    return [s for s in _allows(resource) if value in _resources(s)]


@dataclass
class Case:
    """One acknowledgement with what it covers."""

    ack: Ack
    resources: list[Resource]
    statements: list[dict]
    # every statement covered by the same reason at the same construct (one reason often covers several findings)
    group: list[dict]
    # every reason given for the same finding at the same construct
    reasons: list[str]

    def where(self) -> str:
        return f"{self.ack.path} {self.ack.finding}\n    reason: {self.ack.reason}\n    "


def cases(raw: RawSynth) -> Iterator[Case]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    resolved = []
    for ack in raw.acks:
        resources = raw.covered(ack)
        statements = [s for r in resources for s in _statements(ack, r)]
        groups[(ack.path, ack.reason)] += statements
        reasons[(ack.path, ack.finding)].append(ack.reason)
        resolved.append((ack, resources, statements))
    for ack, resources, statements in resolved:
        yield Case(ack, resources, statements, groups[(ack.path, ack.reason)], reasons[(ack.path, ack.finding)])


# --- the claims ----------------------------------------------------------------------------


def not_stale(case: Case) -> Iterable[str]:
    if not case.resources:
        yield case.where() + "acknowledges a finding no resource at or below it raises: remove it"


def wildcard_is_in_the_policy(case: Case) -> Iterable[str]:
    if case.ack.finding.startswith("AwsSolutions-IAM5[") and case.resources and not case.statements:
        yield case.where() + "no Allow statement of the policy has this wildcard"


def managed_policy_is_named(case: Case) -> Iterable[str]:
    if not case.ack.finding.startswith("AwsSolutions-IAM4["):
        return
    name = _managed_policy(case.ack.finding)
    words = re.findall(r"[\w*]+", case.ack.reason)
    if not any(w == name or ("*" in w and fnmatchcase(name, w)) for w in words):
        yield case.where() + f"does not name the managed policy it accepts ({name})"


def logs_are_scoped(case: Case) -> Iterable[str]:
    # A claim about whose logs (not any mention: "log delivery" has no log group to name).
    if not re.search(r"\b(own|its|their) (own )?logs?\b|\blog[- ]?(group|stream)s?\b", case.ack.reason, re.IGNORECASE):
        return
    if case.ack.finding.startswith("AwsSolutions-IAM4[") and _managed_policy(case.ack.finding) not in (
        MANAGED_POLICY_STATEMENTS
    ):
        yield case.where() + "makes a claim about logs that the managed policy's statements cannot be checked for"
        return
    groups = {f"<{k}.Arn>" for r in case.resources for k in of_type(r.template, "AWS::Logs::LogGroup")}
    for statement in case.statements:
        if not any(a.startswith("logs:") for a in _actions(statement)):
            continue
        for resource in _resources(statement):
            named = LOG_GROUP_ARN.match(resource)
            if resource not in groups and named is None:
                yield case.where() + f"speaks of logs, but {_actions(statement)} reach {resource}, not named log groups"


def _account_scoped(statement: dict) -> bool:
    if _condition_keys(statement) & ACCOUNT_CONDITION_KEYS:
        return True
    for resource in _resources(statement):
        fields = resource.split(":")
        if len(fields) < 6 or not re.fullmatch(r"\d{12}|<AWS::AccountId>", fields[4]):
            return False
    return True


def accounts_are_scoped(case: Case) -> Iterable[str]:
    if not re.search(r"\baccounts?'?|\bdeploy roles?\b", case.ack.reason, re.IGNORECASE):
        return
    for statement in case.statements:
        if not _account_scoped(statement):
            yield (
                case.where() + f"names accounts or deploy roles, but {_actions(statement)} on {_resources(statement)} "
                f"has no account in its ARNs nor an account condition ({sorted(ACCOUNT_CONDITION_KEYS)})"
            )


def named_actions_and_keys_exist(case: Case) -> Iterable[str]:
    if not case.ack.finding.startswith("AwsSolutions-IAM5["):
        return
    actions = {a for s in case.group for a in _actions(s)}
    keys = {k for s in case.group for k in _condition_keys(s)}
    for name in IAM_NAME.findall(case.ack.reason):
        # A pattern (logs:*LogDelivery) must match one of them.
        if not any(fnmatchcase(known, name) for known in actions | keys):
            yield case.where() + f"names {name}, which none of the statements it covers has"


def star_reasons_name_every_action(case: Case) -> Iterable[str]:
    if case.ack.finding != "AwsSolutions-IAM5[Resource::*]":
        return
    said = " ".join(case.reasons)
    # Named by its name (ListPermissions), or by a pattern of names (*LogDelivery).
    patterns = [w.split(":", 1)[-1] for w in re.findall(r"[\w:*]*\*[\w:*]*", said) if re.search(r"\w\*|\*\w", w)]
    for action in sorted({a for s in case.statements for a in _actions(s)}):
        name = action.split(":", 1)[-1]
        if name not in said and not any(fnmatchcase(name, p) for p in patterns):
            yield case.where() + f"covers {action} on every resource without naming it"


def counts_and_reads_are_true(case: Case) -> Iterable[str]:
    actions = sorted({a for s in case.group for a in _actions(s)})
    counted = re.search(r"\b(one|two|three|four|five|six) (?:read-only )?actions?\b", case.ack.reason)
    if counted and case.group and NUMBERS[counted.group(1)] != len(actions):
        yield case.where() + f"says {counted.group(0)}, the statements allow {actions}"
    if re.search(r"\bread[- ]only\b", case.ack.reason, re.IGNORECASE):
        for action in actions:
            if not action.split(":", 1)[-1].startswith(READ_PREFIXES):
                yield case.where() + f"says read-only, but allows {action}"


def _pipeline_resources(template: dict, reason: str) -> set[str]:
    """The resources a reason names by role in the pipeline: its artifact bucket and key, the
    approval topic's key."""
    named: set[str] = set()
    for pipeline in of_type(template, "AWS::CodePipeline::Pipeline").values():
        props = pipeline["Properties"]
        stores = (
            [props["ArtifactStore"]]
            if "ArtifactStore" in props
            else [s["ArtifactStore"] for s in props.get("ArtifactStores", [])]
        )
        for store in stores:
            if "artifact bucket" in reason:
                bucket = (
                    render_for_nag({"Fn::GetAtt": [store["Location"]["Ref"], "Arn"]})
                    if isinstance(store["Location"], dict)
                    else f"arn:aws:s3:::{store['Location']}"
                )
                named |= {bucket, f"{bucket}/*"}
            if "artifact key" in reason and "EncryptionKey" in store:
                named.add(render_for_nag(store["EncryptionKey"]["Id"]))
    if re.search(r"topic's (own )?key", reason):
        named |= {
            render_for_nag(t["Properties"]["KmsMasterKeyId"]) for t in of_type(template, "AWS::SNS::Topic").values()
        }
    return named


def named_resources_are_all_it_reaches(case: Case) -> Iterable[str]:
    for resource in case.resources:
        named = _pipeline_resources(resource.template, case.ack.reason)
        if not named:
            continue
        for statement in _statements(case.ack, resource):
            beyond = sorted(set(_resources(statement)) - named)
            if beyond:
                yield case.where() + f"names {sorted(named)} only, but {_actions(statement)} also reach {beyond}"


CLAIMS: list[Callable[[Case], Iterable[str]]] = [
    not_stale,
    wildcard_is_in_the_policy,
    managed_policy_is_named,
    logs_are_scoped,
    accounts_are_scoped,
    named_actions_and_keys_exist,
    star_reasons_name_every_action,
    counts_and_reads_are_true,
    named_resources_are_all_it_reaches,
]


def untrue_reasons(raw: RawSynth) -> list[str]:
    return [problem for case in cases(raw) for claim in CLAIMS for problem in claim(case)]


# --- the apps ------------------------------------------------------------------------------


def _mesh_app(mesh_dir: Path) -> Callable[[cdk.App], None]:
    def build(app: cdk.App) -> None:
        app.node.set_context("mesh_dir", str(mesh_dir))
        build_app(app)

    return build


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> RawSynth:
    return synth_without_acknowledgements(_mesh_app(ROOT / "environments"), tmp_path_factory.mktemp("raw"))


def test_every_acknowledgement_goes_through_the_one_helper(example, example_app):
    """What the checks read is everything the app acknowledges."""
    made = {(p, _without_namespace(f), r) for p, f, r in acknowledgments(example_app.app)}
    assert {(a.path, a.finding, a.reason) for a in example.acks} == made


def test_every_reason_is_true_of_the_statements_it_covers(example):
    assert example.acks
    problems = untrue_reasons(example)
    assert not problems, "\n\n".join(problems)


def test_three_prod_accounts_reasons_are_true(tmp_path):
    raw = synth_without_acknowledgements(_mesh_app(ROOT / "examples" / "three-prod-accounts"), tmp_path)
    problems = untrue_reasons(raw)
    assert not problems, "\n\n".join(problems)


def test_ram_acceptance_reasons_are_true(tmp_path):
    """Outside one organization the consumer accepts RAM invitations (not in the examples)."""
    config = accepting_config()

    def build(app: cdk.App) -> None:
        shared_data_stack(app, config)
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    raw = synth_without_acknowledgements(build, tmp_path)
    assert any("ram:" in a.reason or "RAM" in a.reason for a in raw.acks)
    problems = untrue_reasons(raw)
    assert not problems, "\n\n".join(problems)


def test_the_checks_catch_an_untrue_reason():
    """The oracle works: a logs claim over AWSLambdaBasicExecutionRole, an account claim over
    Resource '*', an action left unnamed on '*', a condition key the statement lacks, a wrong count,
    a write called read-only and a stale acknowledgement are each reported."""
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                            {
                                "Effect": "Allow",
                                "Action": ["s3:GetObject", "s3:PutObject"],
                                "Resource": "arn:aws:s3:::b/*",
                            },
                        ]
                    }
                },
            },
        }
    }
    basic = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
    raw = RawSynth(
        acks=[
            Ack("S/Role", basic, "AWSLambdaBasicExecutionRole: the function writes its own logs only."),
            Ack(
                "S/Policy",
                "AwsSolutions-IAM5[Resource::*]",
                "Assumes only the target accounts' deploy roles (iam:ResourceTag/aws-cdk:bootstrap-role condition).",
            ),
            Ack(
                "S/Policy",
                "AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]",
                "Objects of one bucket, for one read-only action.",
            ),
            Ack("S/Other", "AwsSolutions-IAM5[Resource::*]", "Nothing raises this finding here any more, stale."),
        ],
        findings={
            basic: ["S/Role/Resource"],
            "AwsSolutions-IAM5[Resource::*]": ["S/Policy/Resource"],
            "AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]": ["S/Policy/Resource"],
        },
        resources={
            "S/Role/Resource": Resource("S/Role/Resource", "Role", template),
            "S/Policy/Resource": Resource("S/Policy/Resource", "Policy", template),
        },
    )
    problems = "\n".join(untrue_reasons(raw))
    assert (
        "speaks of logs, but ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'] reach *" in problems
    )
    assert "names accounts or deploy roles, but ['sts:AssumeRole'] on ['*']" in problems
    assert "covers sts:AssumeRole on every resource without naming it" in problems
    assert "names iam:ResourceTag/aws-cdk:bootstrap-role, which none of the statements it covers has" in problems
    assert "says one read-only action, the statements allow ['s3:GetObject', 's3:PutObject']" in problems
    assert "says read-only, but allows s3:PutObject" in problems
    assert "S/Other AwsSolutions-IAM5[Resource::*]" in problems and "remove it" in problems
