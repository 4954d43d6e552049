"""A checker for AWS Glue Data Quality Definition Language (DQDL) rules, one rule at a time.

The mesh writes a table's ``quality.rules`` into ``Rules = [ <rule>, <rule>, ... ]`` (the
``Ruleset`` of AWS::Glue::DataQualityRuleset). Glue parses the ruleset only when CloudFormation
creates it, so a typo would fail the deployment of the whole products stack; this checks each rule
at synth instead, and says what is wrong with it.

Grammar, from the AWS Glue developer guide, "Data Quality Definition Language (DQDL) reference"
and "DQDL rule type reference" (https://docs.aws.amazon.com/glue/latest/dg/dqdl.html):
- a rule is ``<RuleType> <Parameter> ... <Expression>``; rule types are case-sensitive; column
  names and other parameters are double-quoted strings;
- expressions: ``= != > >= < <=`` with a value, ``between <a> and <b>``, ``in [<a>, <b>]``,
  ``matches "<regex>"``, each optionally after ``not``; values are numbers, quoted strings,
  ``NULL`` / ``EMPTY`` / ``WHITESPACES_ONLY``, durations (``24 hours``, ``2 days``, DataFreshness)
  and date arithmetic ``(now() - 3 days)``;
- ``with threshold <comparison>`` after ColumnValues, ColumnDataType and CustomSql, ``where
  "<SQL condition>"`` after a rule;
- composite rules ``(<rule>) and (<rule>)``, ``or``;
- dynamic rules (``avg(last(10))``, ``last(n)``...) run only in AWS Glue ETL ("DynamicRules are
  only supported in AWS Glue ETL"): a Data Catalog ruleset evaluation refuses them.

This is a checker, not Glue's parser: it refuses what the reference does not document, and may
accept a few things Glue then refuses (a SQL statement's own syntax is not checked).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import Enum

# Parameter kinds of a rule type, in order.
COL = "column"  # a column of the table, double-quoted
COLS = "columns"  # one or more columns (IsPrimaryKey), or "a,b" (ReferentialIntegrity's first)
TEXT = "text"  # any other quoted parameter: SQL, a pattern, a reference dataset, an aggregate
OPT_COL = "optional column"


class Values(Enum):
    """What an expression of a rule type compares against."""

    NONE = "no expression"
    NUMBER = "numbers"
    RATIO = "ratios between 0 and 1"
    DURATION = "durations (24 hours, 2 days)"
    ANY = "numbers, quoted strings, NULL / EMPTY / WHITESPACES_ONLY or dates (now() - 1 days)"
    TYPE = 'quoted type names ("INTEGER", "STRING", "DATE"...)'


@dataclass(frozen=True)
class RuleType:
    params: tuple[str, ...]
    values: Values
    threshold: bool = False  # accepts "with threshold"
    expression_optional: bool = False


# The rule types of the DQDL rule type reference (Glue developer guide), with their parameters.
RULE_TYPES: dict[str, RuleType] = {
    "AggregateMatch": RuleType((TEXT, TEXT), Values.RATIO),
    "ColumnCorrelation": RuleType((COL, COL), Values.NUMBER),
    "ColumnCount": RuleType((), Values.NUMBER),
    "ColumnDataType": RuleType((COL,), Values.TYPE, threshold=True),
    "ColumnExists": RuleType((COL,), Values.NONE),
    "ColumnLength": RuleType((COL,), Values.NUMBER, threshold=True),
    "ColumnNamesMatchPattern": RuleType((TEXT,), Values.NONE),
    "ColumnValues": RuleType((COL,), Values.ANY, threshold=True),
    "Completeness": RuleType((COL,), Values.RATIO),
    "CustomSql": RuleType((TEXT,), Values.NUMBER, threshold=True, expression_optional=True),
    "DataFreshness": RuleType((COL,), Values.DURATION),
    "DatasetMatch": RuleType((TEXT, TEXT), Values.RATIO),
    "DetectAnomalies": RuleType((TEXT, OPT_COL), Values.NONE),
    "DistinctValuesCount": RuleType((COL,), Values.NUMBER),
    "Entropy": RuleType((COL,), Values.NUMBER),
    "IsComplete": RuleType((COL,), Values.NONE),
    "IsPrimaryKey": RuleType((COLS,), Values.NONE),
    "IsUnique": RuleType((COL,), Values.NONE),
    "Mean": RuleType((COL,), Values.NUMBER),
    "ReferentialIntegrity": RuleType((COLS, TEXT), Values.RATIO),
    "RowCount": RuleType((), Values.NUMBER),
    "RowCountMatch": RuleType((TEXT,), Values.RATIO),
    "SchemaMatch": RuleType((TEXT,), Values.RATIO),
    "StandardDeviation": RuleType((COL,), Values.NUMBER),
    "Sum": RuleType((COL,), Values.NUMBER),
    "UniqueValueRatio": RuleType((COL,), Values.RATIO),
    "Uniqueness": RuleType((COL,), Values.RATIO),
}
COMPARISONS = ("=", "!=", ">=", "<=", ">", "<")
KEYWORD_VALUES = ("NULL", "EMPTY", "WHITESPACES_ONLY")
DURATION_UNITS = ("hours", "days")
DATE_UNITS = ("hours", "days", "minutes")
DYNAMIC_FUNCTIONS = ("avg", "last", "min", "max", "std", "index", "sum")
# Ruleset (AWS::Glue::DataQualityRuleset Ruleset, provider schema): at most 65 536 characters.
MAX_RULESET = 65_536

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>!=|>=|<=|=|>|<)'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[\[\](),+-]))"
)


class DqdlError(ValueError):
    """``problem``: what is wrong; ``fix``: how to write it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass
class _Token:
    kind: str
    text: str


@dataclass
class CheckedRule:
    """The columns a rule names (to compare with the table's)."""

    columns: list[str] = field(default_factory=list)


def tokens(rule: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(rule):
        if rule[position:].strip() == "":
            break
        match = _TOKEN.match(rule, position)
        if match is None or match.end() == position:
            bad = rule[position:].lstrip()
            if bad.startswith('"'):
                raise DqdlError("a quoted string is not closed", 'close it with " (write \\" for a quote inside)')
            raise DqdlError(f"unexpected character {bad[0]!r}", "see the DQDL reference for the rule's syntax")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    def __init__(self, rule: str) -> None:
        self.items = tokens(rule)
        self.at = 0
        self.checked = CheckedRule()

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.at + offset
        return self.items[index] if index < len(self.items) else None

    def next(self, what: str) -> _Token:
        token = self.peek()
        if token is None:
            raise DqdlError(f"the rule ends where {what} was expected", f"add {what}")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str, what: str) -> None:
        token = self.next(f"'{text}' ({what})")
        if token.text != text:
            raise DqdlError(f"'{token.text}' where '{text}' ({what}) was expected", f"write '{text}' there")

    # rule := composite | simple; composite := '(' rule ')' (and|or '(' rule ')')*
    def rule(self) -> None:
        if self.accept("("):
            self.rule()
            self.expect(")", "closing the first part of a composite rule")
            joined = False
            while (token := self.peek()) is not None and token.text.lower() in ("and", "or"):
                if token.text not in ("and", "or"):
                    raise DqdlError(
                        f"'{token.text}' joins a composite rule", "write the operator in lower case: and / or"
                    )
                self.at += 1
                self.expect("(", "a composite rule's parts are each in parentheses")
                self.rule()
                self.expect(")", "closing a part of a composite rule")
                joined = True
            if not joined:
                raise DqdlError(
                    "parentheses around a single rule", "write the rule without them, or join two: (A) and (B)"
                )
            return
        self.simple()

    def simple(self) -> None:
        token = self.next("a rule type (e.g. IsComplete)")
        if token.kind != "word":
            raise DqdlError(f"a rule starts with its type, not {token.text}", "start with e.g. IsComplete or RowCount")
        if token.text == "Rules":
            raise DqdlError(
                "a whole ruleset (Rules = [...]) in one rule", "list each rule as its own item of quality.rules"
            )
        spec = RULE_TYPES.get(token.text)
        if spec is None:
            close = difflib.get_close_matches(token.text, RULE_TYPES, n=1) or [
                n for n in RULE_TYPES if n.lower() == token.text.lower()
            ]
            hint = f"did you mean {close[0]}? " if close else ""
            raise DqdlError(
                f"unknown rule type '{token.text}'",
                f"{hint}rule types are case-sensitive: {', '.join(RULE_TYPES)}",
            )
        name = token.text
        for kind in spec.params:
            param = self.peek()
            if param is None or param.kind != "str":
                if kind == OPT_COL:
                    continue
                if kind == COLS and self.checked.columns:
                    break
                raise DqdlError(
                    f"{name} takes a quoted {kind} here" + (f", not {param.text}" if param else ""),
                    f'write it in double quotes, e.g. {name} "{"customer_id" if kind in (COL, COLS) else "..."}"',
                )
            self.at += 1
            value = param.text[1:-1]
            if kind in (COL, OPT_COL):
                self.checked.columns.append(value)
            elif kind == COLS:
                self.checked.columns += [c.strip() for c in value.split(",") if c.strip()]
                if name == "IsPrimaryKey":
                    while (more := self.peek()) is not None and more.kind == "str":
                        self.at += 1
                        self.checked.columns.append(more.text[1:-1])
        if spec.values is not Values.NONE:
            token = self.peek()
            if token is None or token.text in ("with", "where") or token.text == ")":
                if not spec.expression_optional:
                    raise DqdlError(f"{name} needs an expression after its parameters", _fix(name, spec.values))
            else:
                self.expression(name, spec.values)
        if self.accept("with"):
            if not spec.threshold:
                raise DqdlError(
                    f"{name} takes no 'with threshold'",
                    "only ColumnValues, ColumnDataType, ColumnLength and CustomSql do; remove it",
                )
            self.expect("threshold", "'with threshold <comparison>'")
            self.expression(name, Values.RATIO, threshold=True)
        if self.accept("where"):
            condition = self.next('a quoted SQL condition after "where"')
            if condition.kind != "str":
                raise DqdlError("'where' takes a quoted SQL condition", 'write e.g. where "amount > 0"')
        rest = self.peek()
        if rest is not None and rest.text != ")":
            raise DqdlError(
                f"unexpected '{rest.text}' after the {name} rule",
                "one rule per item of quality.rules; join rules with (A) and (B)",
            )

    def expression(self, name: str, values: Values, threshold: bool = False) -> None:
        negated = self.accept("not")
        token = self.next("a comparison (> 0.95, between 1 and 10, in [...])")
        if token.text == "between":
            self.value(name, values)
            self.expect("and", "'between <low> and <high>'")
            self.value(name, values)
        elif token.text == "in" and not threshold:
            self.expect("[", "'in [<value>, <value>]'")
            self.value(name, values)
            while self.accept(","):
                self.value(name, values)
            self.expect("]", "closing the list of 'in'")
        elif token.text == "matches" and not threshold:
            pattern = self.next('a quoted regular expression after "matches"')
            if pattern.kind != "str":
                raise DqdlError("'matches' takes a quoted regular expression", 'write e.g. matches "[A-Z]{3}"')
            try:
                re.compile(pattern.text[1:-1])
            except re.error as error:
                raise DqdlError(f"'matches' has an invalid regular expression: {error}", "fix the pattern") from None
        elif token.kind == "op" and not (negated and token.text in COMPARISONS):
            self.value(name, values)
        else:
            where = "with threshold" if threshold else name
            raise DqdlError(f"'{token.text}' is not a comparison of {where}", _fix(name, values, threshold))

    def value(self, name: str, values: Values) -> None:
        token = self.next(f"a value ({values.value})")
        if token.kind == "word" and token.text in DYNAMIC_FUNCTIONS:
            raise DqdlError(
                f"dynamic rule ({token.text}(...)): AWS Glue runs those only in ETL jobs, not in a Data Catalog "
                "ruleset evaluation",
                "compare with a fixed value, e.g. > 1000",
            )
        if token.text == "(":
            # (now() - 3 days): date arithmetic, for ColumnValues.
            self.now(name, values)
            return
        if token.kind == "word" and token.text == "now":
            self.at -= 1
            self.now(name, values, bracketed=False)
            return
        if token.kind == "num":
            number = float(token.text)
            if values is Values.DURATION:
                unit = self.next(f"a time unit ({' or '.join(DURATION_UNITS)})")
                if unit.text not in DURATION_UNITS:
                    raise DqdlError(
                        f"'{unit.text}' is no time unit of {name}",
                        f"write e.g. {token.text} hours or {token.text} days",
                    )
                return
            if values is Values.RATIO and not 0 <= number <= 1:
                raise DqdlError(
                    f"{token.text} is not a ratio: {name} compares a share between 0 and 1",
                    f"write it as a fraction, e.g. {number / 100:g} for {token.text}%",
                )
            if values is Values.TYPE:
                raise DqdlError(f"{name} compares type names, not numbers", 'write e.g. = "INTEGER"')
            return
        if token.kind == "str":
            if values in (Values.ANY, Values.TYPE):
                return
            raise DqdlError(f"{name} compares {values.value}, not the string {token.text}", _fix(name, values))
        if token.kind == "word" and token.text in KEYWORD_VALUES and values is Values.ANY:
            return
        raise DqdlError(f"'{token.text}' is not a value {name} can compare with", _fix(name, values))

    def now(self, name: str, values: Values, bracketed: bool = True) -> None:
        if values is not Values.ANY:
            raise DqdlError(f"{name} compares {values.value}, not dates", _fix(name, values))
        self.expect("now", "date arithmetic: (now() - 3 days)")
        self.expect("(", "now()")
        self.expect(")", "now()")
        if self.accept("-") or self.accept("+"):
            amount = self.next("a number of time units")
            if amount.kind != "num":
                raise DqdlError(f"'{amount.text}' after now() is not a number", "write e.g. (now() - 3 days)")
            unit = self.next(f"a time unit ({', '.join(DATE_UNITS)})")
            if unit.text not in DATE_UNITS:
                raise DqdlError(f"'{unit.text}' is no time unit", "write e.g. (now() - 3 days) or (now() - 12 hours)")
        if bracketed:
            self.expect(")", "closing (now() ...)")


def _fix(name: str, values: Values, threshold: bool = False) -> str:
    if threshold:
        return "write e.g. with threshold > 0.9 (a share of rows, between 0 and 1)"
    examples = {
        Values.NUMBER: f"write e.g. {name} ... > 100 or between 1 and 10",
        Values.RATIO: f"write e.g. {name} ... > 0.95 (a share between 0 and 1)",
        Values.DURATION: f"write e.g. {name} ... <= 24 hours",
        Values.ANY: f'write e.g. {name} ... in ["a", "b"], > 0, != NULL, matches "[A-Z]+" or > (now() - 1 days)',
        Values.TYPE: f'write e.g. {name} ... = "INTEGER"',
        Values.NONE: f"{name} takes no expression",
    }
    return examples[values]


def check_rule(rule: str) -> CheckedRule:
    """The columns ``rule`` names; raises ``DqdlError`` when it is not a DQDL rule."""
    if not rule.strip():
        raise DqdlError("an empty rule", 'remove the item or write a rule, e.g. IsComplete "id"')
    parser = _Parser(rule)
    parser.rule()
    if parser.peek() is not None:
        raise DqdlError(
            f"unexpected '{parser.peek().text}' after the rule",  # type: ignore[union-attr]
            "one rule per item of quality.rules; join rules with (A) and (B)",
        )
    return parser.checked


def ruleset(rules: list[str]) -> str:
    """The DQDL document of ``rules``: what AWS::Glue::DataQualityRuleset's Ruleset holds."""
    return "Rules = [\n    " + ",\n    ".join(r.strip() for r in rules) + "\n]"
