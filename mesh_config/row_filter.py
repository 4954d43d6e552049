"""Lake Formation row-filter expressions, checked at synth with a real SQL parser (sqlglot).

Lake Formation's data-cells filters accept a PartiQL subset: comparisons of a column with
constants (= <> != < > <= >= BETWEEN IN LIKE IS [NOT] NULL) joined by AND / OR / NOT, no
functions, no comparison of two columns, IS [NOT] NULL not on partition columns, and fewer than
2 048 characters ("Data filters in Lake Formation", Lake Formation developer guide). An invalid
filter is otherwise refused by Lake Formation in the middle of a deployment.
"""

from __future__ import annotations

from collections.abc import Set

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

MAX_ROW_FILTER_LENGTH = 2048
LOGICAL = (exp.And, exp.Or, exp.Not, exp.Paren)
COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE, exp.Like, exp.Between, exp.In, exp.Is)
CONSTANTS = (exp.Literal, exp.Boolean, exp.Null)

SAMPLE_HINT = (
    "for a sample (e.g. 10 %), precompute a bucket column when the data is written "
    "(sample_bucket = abs(hash(customer_id)) % 10 in the producer's job), declare it, and filter on it: "
    "sample_bucket = 0"
)


def row_filter_problems(expression: str, columns: Set[str], partition_columns: Set[str] = frozenset()) -> list[str]:
    """Every reason Lake Formation would refuse ``expression`` on a table with ``columns``."""
    if len(expression) >= MAX_ROW_FILTER_LENGTH:
        return [f"the filter is {len(expression)} characters; Lake Formation takes fewer than {MAX_ROW_FILTER_LENGTH}"]
    # Every failure of the parser is the user's text, reported as such: sqlglot's tokenizer raises
    # TokenError (an unclosed quote or comment), its parser ParseError, both SqlglotError; its
    # recursive descent, and the walk below, exhaust Python's stack on some 50 nested parentheses.
    try:
        tree = sqlglot.parse_one(expression)
        problems: list[str] = []
        _check(tree, columns, partition_columns, problems)
    except ParseError as error:
        first = error.errors[0]["description"] if error.errors else str(error)
        return [f"not a valid SQL condition: {first}"]
    except SqlglotError:
        return [f"not a valid SQL condition: {unreadable_text(expression)}"]
    except RecursionError:
        return [
            "the condition nests parentheses or NOT too deeply to be checked: write it with fewer levels "
            "(e.g. country IN ('FR', 'DE') instead of nested ORs)"
        ]
    return list(dict.fromkeys(problems))


def unreadable_text(expression: str) -> str:
    """Why the SQL tokenizer cannot split ``expression``, in the user's terms: the quote or comment
    left open, where it starts (the tokenizer's own message only echoes the text)."""
    quote: str | None = None
    start = 0
    index = 0
    while index < len(expression):
        char = expression[index]
        if quote is not None:
            # '' inside '...' (and "" inside "...") is an escaped quote, not the end.
            if char == quote and expression[index + 1 : index + 2] == quote:
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "'\"":
            quote, start = char, index
        elif expression.startswith("/*", index):
            end = expression.find("*/", index + 2)
            if end < 0:
                return f"the comment opened by /* at character {index + 1} is never closed with */"
            index = end + 2
            continue
        index += 1
    if quote == "'":
        return f"the text opened by ' at character {start + 1} is never closed: end it with a second '"
    if quote is not None:
        return (
            f'the column name opened by " at character {start + 1} is never closed (in SQL "..." names a '
            "column; a text constant takes single quotes, e.g. country = 'FR')"
        )
    return "the text cannot be read as SQL (an unclosed quote, comment or a stray character)"


def _check(node: exp.Expression, columns: Set[str], partitions: Set[str], problems: list[str]) -> None:
    if isinstance(node, exp.Paren):
        _check(node.this, columns, partitions, problems)
    elif isinstance(node, LOGICAL):
        for child in (node.this, node.args.get("expression")):
            if child is not None:
                _check(child, columns, partitions, problems)
    elif isinstance(node, COMPARISONS):
        _check_comparison(node, columns, partitions, problems)
    else:
        problems.append(f"'{node.sql()}' is not a condition: compare a column with a constant (e.g. country = 'FR')")


def _check_comparison(node: exp.Expression, columns: Set[str], partitions: Set[str], problems: list[str]) -> None:
    computed = [n for n in node.walk() if _computes(n)]
    if computed:
        names = ", ".join(dict.fromkeys(_name(n) for n in computed))
        problems.append(
            f"'{node.sql()}' computes a value ({names}): Lake Formation row filters accept no functions or "
            f"arithmetic, only a column compared with constants; {SAMPLE_HINT}"
        )
        return
    referenced = [c for c in node.find_all(exp.Column)]
    if len(referenced) != 1:
        what = "two columns" if len(referenced) > 1 else "no column"
        problems.append(f"'{node.sql()}' compares {what}: a row filter compares one column with constants")
        return
    column = referenced[0].name
    if column not in columns:
        problems.append(f"'{column}' is not a column of the table (declared: {', '.join(sorted(columns))})")
    others = [n for n in node.iter_expressions() if not isinstance(n, exp.Column)]
    for operand in others:
        values = operand.expressions if isinstance(operand, exp.Tuple) else [operand]
        if not all(_constant(v) for v in values):
            problems.append(f"'{node.sql()}' compares with something other than constants")
    if isinstance(node, exp.Is) and column in partitions:
        problems.append(f"'{node.sql()}': IS [NOT] NULL is not supported on the partition column '{column}'")


ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.DPipe)


def _computes(node: exp.Expression) -> bool:
    return isinstance(node, ARITHMETIC) or (isinstance(node, exp.Func) and not isinstance(node, COMPARISONS))


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    if isinstance(node, exp.Mod):
        return "MOD"
    if isinstance(node, exp.Func):
        return node.sql_name()
    return type(node).__name__.upper()


def _constant(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        return _constant(node.this)
    return isinstance(node, CONSTANTS)
