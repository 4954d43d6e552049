"""A small, explicit evaluator of SCP Deny statements, for the guardrail tests.

It implements only what the mesh's SCPs use, as the IAM User Guide defines it ("Policy evaluation
logic", "IAM JSON policy elements: Condition operators"), and refuses anything else:

- Action / NotAction with ``*`` and ``?`` wildcards, case-insensitive (action names are);
- Resource ``*`` only;
- condition operators StringEquals, StringNotEquals, StringLike, StringNotLike, ArnLike,
  ArnNotLike, Null; the blocks of a Condition are ANDed, the values of one key ORed;
- a key missing from the request: a positive operator does not match, a negated one (Not...)
  does ("...if the key is not present in the request context, [a negated operator] returns
  true"), and Null matches "true".

No real evaluator runs SCPs offline (IAM's policy simulator needs AWS and does not model SCPs on
a request), so this one is small enough to read and is tested against itself below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = {"StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "Null"}


@dataclass(frozen=True)
class Request:
    """One API call: the action, and the request context keys it carries."""

    action: str
    principal_arn: str
    region: str
    context: dict[str, str] = field(default_factory=dict)

    def keys(self) -> dict[str, str]:
        return {
            "aws:principalarn": self.principal_arn,
            "aws:requestedregion": self.region,
            **{k.lower(): v for k, v in self.context.items()},
        }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, case_sensitive: bool) -> bool:
    """IAM's wildcards: * any run of characters, ? one character; nothing else is special."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def action_matches(patterns: Any, action: str) -> bool:
    return any(_wildcard(p, action, case_sensitive=False) for p in _listed(patterns))


def _arn_like(pattern: str, arn: str) -> bool:
    # ArnLike compares each of the six colon-separated parts; * and ? match within a part.
    pattern_parts, arn_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(_wildcard(p, a, case_sensitive=True) for p, a in zip(pattern_parts, arn_parts, strict=True))


def _condition_matches(operator: str, key: str, values: list[Any], request: dict[str, str]) -> bool:
    if operator not in SUPPORTED:
        raise ValueError(f"the test evaluator does not implement {operator}")
    present = key.lower() in request
    if operator == "Null":
        (wanted,) = values
        return (str(wanted).lower() == "true") == (not present)
    negated = "Not" in operator
    if not present:
        return negated
    actual = request[key.lower()]
    if operator.startswith("Arn"):
        hit = any(_arn_like(v, actual) for v in values)
    elif operator.endswith("Like"):
        hit = any(_wildcard(v, actual, case_sensitive=True) for v in values)
    else:
        hit = actual in values
    return not hit if negated else hit


def statement_denies(statement: dict[str, Any], request: Request) -> bool:
    if statement["Effect"] != "Deny":
        raise ValueError("the test evaluator evaluates Deny statements only")
    if _listed(statement["Resource"]) != ["*"]:
        raise ValueError("the test evaluator evaluates Resource '*' only")
    if "Action" in statement:
        in_scope = action_matches(statement["Action"], request.action)
    else:
        in_scope = not action_matches(statement["NotAction"], request.action)
    if not in_scope:
        return False
    context = request.keys()
    return all(
        _condition_matches(operator, key, _listed(values), context)
        for operator, block in statement.get("Condition", {}).items()
        for key, values in block.items()
    )


def denying_statements(documents: list[dict[str, Any]], request: Request) -> list[str]:
    """The Sids of every statement of the SCPs that denies ``request``."""
    return [s["Sid"] for doc in documents for s in doc["Statement"] if statement_denies(s, request)]
