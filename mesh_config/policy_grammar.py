"""A strict structural check of service control policies against the IAM policy grammar (IAM User
Guide, "Grammar of the IAM JSON policy language" and "IAM JSON policy elements: Condition
operators"; AWS Organizations User Guide, "SCP syntax"), and of the Organizations size limit.

Checked without AWS: no maintained offline checker of SCPs is a dependency here (parliament lints
identity policies; cfn-lint's IAM schema does not cover AWS::Organizations::Policy content), so the
rules are written out; tests/test_organization_policies.py also validates every document against
cfn-lint's own IAM policy schema, so a rule missed here is caught there.
"""

from __future__ import annotations

import re
from typing import Any

from mesh_config.organization_policies import SCP_MAX_CHARACTERS, minified

VERSION = "2012-10-17"
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "Condition"}
# Unsupported in SCPs (Organizations, "SCP syntax": Principal, NotPrincipal, NotResource).
UNSUPPORTED = {"Principal", "NotPrincipal", "NotResource"}
SID = re.compile(r"^[A-Za-z0-9]*$")
# service prefix: action, with * and ? wildcards (IAM grammar: <action_string>), or * alone.
ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
RESOURCE = re.compile(r"^(\*|arn:[^:]*:[^:]*:[^:]*:[^:]*:.+)$")
# The documented condition operators, with the IfExists suffix (not on Null) and the set prefixes.
BASE_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
}
CONDITION_KEY = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_./:*@+=,-]+$")


def condition_operator_problem(operator: str) -> str | None:
    name = operator
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        name = name.removeprefix(prefix)
    if name == "Null":
        return None
    if name.removesuffix("IfExists") in BASE_OPERATORS:
        return None
    return f"unknown condition operator '{operator}'"


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statement_problems(statement: Any, where: str) -> list[str]:
    if not isinstance(statement, dict):
        return [f"{where}: a statement must be an object"]
    problems = [f"{where}: '{key}' is not supported in an SCP" for key in sorted(UNSUPPORTED & statement.keys())]
    problems += [f"{where}: unknown element '{key}'" for key in sorted(statement.keys() - STATEMENT_KEYS - UNSUPPORTED)]
    sid = statement.get("Sid", "")
    if not isinstance(sid, str) or not SID.match(sid):
        problems.append(f"{where}: Sid {sid!r} must be letters and digits only")
    if statement.get("Effect") not in ("Allow", "Deny"):
        problems.append(f"{where}: Effect must be 'Allow' or 'Deny', not {statement.get('Effect')!r}")
    actions = [k for k in ("Action", "NotAction") if k in statement]
    if len(actions) != 1:
        problems.append(f"{where}: exactly one of Action and NotAction is required")
    for key in actions:
        values = _strings(statement[key])
        if not values:
            problems.append(f"{where}: {key} is empty")
        problems += [
            f"{where}: {key} {a!r} is not '<service>:<action>'"
            for a in values
            if not isinstance(a, str) or not ACTION.match(a)
        ]
    if "Resource" not in statement:
        problems.append(f"{where}: Resource is required")
    else:
        problems += [
            f"{where}: Resource {r!r} is neither '*' nor an ARN"
            for r in _strings(statement["Resource"])
            if not isinstance(r, str) or not RESOURCE.match(r)
        ]
    condition = statement.get("Condition", {})
    if not isinstance(condition, dict):
        return [*problems, f"{where}: Condition must be an object"]
    if condition and statement.get("Effect") == "Allow":
        problems.append(f"{where}: this checker accepts conditions on Deny statements only")
    for operator, block in condition.items():
        found = condition_operator_problem(operator)
        if found:
            problems.append(f"{where}: {found}")
        if not isinstance(block, dict) or not block:
            problems.append(f"{where}: {operator} must map condition keys to values")
            continue
        for key, values in block.items():
            if not CONDITION_KEY.match(key):
                problems.append(f"{where}: condition key {key!r} is not '<prefix>:<name>'")
            values = _strings(values)
            if not values or any(not isinstance(v, (str, bool, int, float)) for v in values):
                problems.append(f"{where}: {operator} {key} needs one or more string, number or boolean values")
            if operator.removeprefix("ForAnyValue:").removeprefix("ForAllValues:") == "Null" and any(
                str(v).lower() not in ("true", "false") for v in values
            ):
                problems.append(f"{where}: Null {key} takes 'true' or 'false'")
    return problems


def scp_problems(name: str, document: Any, limit: int = SCP_MAX_CHARACTERS) -> list[str]:
    """What is wrong with one SCP document: grammar, then size (minified, as the stack sends it)."""
    if not isinstance(document, dict):
        return [f"{name}: the document must be a JSON object"]
    problems = [
        f"{name}: unknown top-level element '{k}'" for k in sorted(document.keys() - {"Version", "Statement", "Id"})
    ]
    if document.get("Version") != VERSION:
        problems.append(f"{name}: Version must be '{VERSION}'")
    statements = document.get("Statement")
    if not isinstance(statements, (list, dict)) or not statements:
        problems.append(f"{name}: Statement must be a statement or a non-empty list of statements")
        statements = []
    statements = _strings(statements)
    sids = [s.get("Sid") for s in statements if isinstance(s, dict) and s.get("Sid")]
    problems += [f"{name}: Sid '{sid}' is repeated" for sid in sorted({s for s in sids if sids.count(s) > 1})]
    for i, statement in enumerate(statements):
        problems += statement_problems(statement, f"{name} Statement[{i}]")
    size = len(minified(document))
    if size > limit:
        problems.append(f"{name}: {size} characters (minified); an SCP may have at most {limit}")
    return problems
