"""Schema errors in the project's words: every error type the models can raise has words of ours,
and for a corpus of bad inputs (one or more per type) no text of pydantic's reaches the messages."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import _pydantic_core

from mesh_config import ConfigError, load_mesh
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.mesh import MeshDefinition
from mesh_config.schema_errors import WORDS, SchemaError, possible_error_types, schema_issues, words_for
from mesh_config.yaml_source import parse_yaml
from tests.config_edits import EXAMPLE, edit_text

MODELS: tuple[type[BaseModel], ...] = (MeshDefinition, EnvironmentConfig)
PYDANTIC_ERRORS = {e["type"]: e for e in _pydantic_core.list_all_errors()}


def _raw_fragments() -> list[str]:
    """The fixed parts of every message pydantic can write ("Input should be a valid list", "Field
    required", "should have at least"), and the pieces of its locations and links."""
    fragments = {"correct the value as described", "errors.pydantic.dev", "constrained-str", "[key]", "function-after"}
    for error in PYDANTIC_ERRORS.values():
        for part in re.split(r"\{[^}]*\}", error["message_template_python"]):
            part = part.strip(" ,.'")
            if len(part) >= 10:
                fragments.add(part)
    return sorted(fragments)


RAW = _raw_fragments()


def raw_text_in(issues: list[ConfigIssue]) -> list[str]:
    rendered = "\n".join(i.render() for i in issues)
    return [f for f in RAW if f in rendered]


def test_the_walk_finds_the_error_types_of_the_models():
    types = possible_error_types(MeshDefinition) | possible_error_types(EnvironmentConfig)
    # Constraints and shapes the models are known to use; the walk must see each of them.
    assert {
        "missing",
        "extra_forbidden",
        "string_type",
        "string_pattern_mismatch",
        "string_too_short",
        "string_too_long",
        "list_type",
        "too_short",
        "too_long",
        "dict_type",
        "model_type",
        "enum",
        "bool_type",
        "int_parsing",
        "greater_than_equal",
        "less_than_equal",
        "value_error",
    } <= types
    assert "float_type" in types  # the budget's amount
    assert "date_type" not in types  # no date field: the walk reads the schema, it does not list everything


def test_every_error_type_the_models_can_raise_has_our_words():
    types = set().union(*(possible_error_types(m) for m in MODELS))
    assert types - set(WORDS) == set()
    # And every entry names a real pydantic error type (a typo would never match).
    assert set(WORDS) - set(PYDANTIC_ERRORS) == set()


@pytest.mark.parametrize("kind", sorted(WORDS))
def test_each_entry_of_the_mapping_answers_in_our_words(kind: str):
    """Each function on a sample error of its type (with the context pydantic would give)."""
    ctx = {
        "min_length": 2,
        "max_length": 3,
        "actual_length": 5,
        "field_type": "List",
        "pattern": r"^\d{12}$",
        "expected": "'Tooling' or 'DataLake'",
        "ge": 0,
        "le": 16,
        "gt": 0,
        "lt": 16,
        "error": "the value breaks the rule",
        "class_name": "Network",
    }
    for value in ("dev, prod", 5, None, ["a"], {"a": 1}, True):
        problem, fix = words_for(SchemaError(kind, ("network", "subnet_ids"), value, None, ctx))
        assert problem and fix
        assert not [f for f in RAW if f in f"{problem} {fix}"], (kind, problem, fix)


def test_an_unknown_error_type_still_gets_our_words():
    problem, fix = words_for(SchemaError("url_scheme", ("x",), "ftp://a", None, {}))
    assert problem == "the text 'ftp://a' is not accepted here"
    assert not [f for f in RAW if f in f"{problem} {fix}"]


# --- the corpus: bad inputs for each type, formatted as the loader formats them --------------
def _example(name: str) -> Any:
    return yaml.safe_load((EXAMPLE / name).read_text(encoding="utf-8"))


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        data[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for part in path[:-1]:
            data = data[part]
        del data[path[-1]]

    return change


ORDER = ("project_profiles", 0, "environments", 0, "deployment_order")
# (error type pydantic raises, file, edit, path of our issue, words our problem must contain)
CORPUS: list[tuple[str, str, Callable[[Any], None], str, str]] = [
    ("missing", "mesh.yaml", _delete(("projects", 0, "use_case")), "projects[0].use_case", "required key 'use_case'"),
    ("extra_forbidden", "mesh.yaml", _set(("projects", 0, "usecase"), "x"), "projects[0].usecase", "unknown key"),
    ("string_type", "dev.yaml", _set(("account",), 123456789012), "account", "expected text, got the number"),
    ("string_type", "dev.yaml", _set(("region",), None), "region", "expected text, got an empty value"),
    ("string_unicode", "dev.yaml", _set(("region",), b"\xff"), "region", "expected text, got binary data"),
    (
        "string_too_short",
        "mesh.yaml",
        _set(("glossaries", 0, "terms", 0, "name"), ""),
        "glossaries[0].terms[0].name",
        "the text is empty",
    ),
    (
        "string_too_long",
        "mesh.yaml",
        _set(("projects", 0, "description"), "x" * 2049),
        "projects[0].description",
        "2,049 characters long; at most 2,048",
    ),
    ("string_pattern_mismatch", "dev.yaml", _set(("account",), "12345"), "account", "'12345' has the wrong format"),
    (
        "string_pattern_mismatch",
        "mesh.yaml",
        _set(("identity_center", "groups", "Finance Team"), "9067a1b2c3-1a2b3c4d-0001-4a5b-8c9d-0e1f2a3b4c5d"),
        "identity_center.groups.Finance Team",
        "key 'Finance Team' has the wrong format",
    ),
    ("list_type", "mesh.yaml", _set(("environments",), "dev, prod"), "environments", "expected a list, got the text"),
    (
        "list_type",
        "mesh.yaml",
        _set(("projects", 0, "contributors"), "finance-analysts"),
        "projects[0].contributors",
        "expected a list",
    ),
    (
        "too_short",
        "staging.yaml",
        _set(("network", "subnet_ids"), ["subnet-1a2b3c4de5f60001"]),
        "network.subnet_ids",
        "1 item(s); at least 2",
    ),
    (
        "too_short",
        "mesh.yaml",
        _set(("project_profiles", 0, "environments"), []),
        "project_profiles[0].environments",
        "the list is empty; at least 1",
    ),
    ("too_long", "dev.yaml", _set(("tags",), {f"k{i}": "v" for i in range(51)}), "tags", "51 items; at most 50"),
    (
        "dict_type",
        "mesh.yaml",
        _set(("identity_center", "groups"), ["a"]),
        "identity_center.groups",
        "expected a mapping",
    ),
    ("model_type", "dev.yaml", _set(("network",), "vpc-1a2b3c4d"), "network", "expected a mapping (key: value lines)"),
    ("enum", "mesh.yaml", _set(("blueprints", 0), "tooling"), "blueprints[0]", "value 'tooling' is not allowed"),
    ("bool_type", "dev.yaml", _set(("deletion_protection",), [True]), "deletion_protection", "expected true or false"),
    (
        "bool_parsing",
        "dev.yaml",
        _set(("deletion_protection",), "maybe"),
        "deletion_protection",
        "expected true or false",
    ),
    ("int_type", "mesh.yaml", _set(ORDER, [1]), "project_profiles[0].environments[0].deployment_order", "whole number"),
    (
        "int_parsing",
        "mesh.yaml",
        _set(ORDER, "first"),
        "project_profiles[0].environments[0].deployment_order",
        "whole number",
    ),
    (
        "int_parsing_size",
        "mesh.yaml",
        _set(ORDER, "1" * 5000),
        "project_profiles[0].environments[0].deployment_order",
        "whole number",
    ),
    (
        "int_from_float",
        "mesh.yaml",
        _set(ORDER, 1.5),
        "project_profiles[0].environments[0].deployment_order",
        "got the number 1.5",
    ),
    (
        "greater_than_equal",
        "mesh.yaml",
        _set(ORDER, -1),
        "project_profiles[0].environments[0].deployment_order",
        "-1 is below the minimum 0",
    ),
    (
        "less_than_equal",
        "mesh.yaml",
        _set(ORDER, 17),
        "project_profiles[0].environments[0].deployment_order",
        "17 is above the maximum 16",
    ),
    # The models' own rules (PydanticCustomError, with their fix).
    (
        "listed_twice",
        "mesh.yaml",
        _set(("projects", 0, "owners"), ["finance-team-leads", "finance-team-leads"]),
        "projects[0].owners",
        "'finance-team-leads' listed more than once",
    ),
    (
        "allowed_values_on_non_string",
        "mesh.yaml",
        _set(("metadata_forms", 1, "fields", 0, "allowed_values"), [1, 2]),
        "metadata_forms[1].fields[0].allowed_values",
        "applies to string fields only",
    ),
    # Unions: the member the value's shape fits speaks; when none fits, the shapes it may take.
    (
        "string_type",
        "mesh.yaml",
        _set(("projects", 0, "profile"), 5),
        "projects[0].profile",
        "expected a mapping or text, got the number 5",
    ),
    (
        "list_type",
        "mesh.yaml",
        _set(("projects", 0, "owners", 0), {"group": "finance-team-leads", "environments": "dev, prod"}),
        "projects[0].owners[0].environments",
        "expected a list",
    ),
    ("float_type", "dev.yaml", _set(("budget", "amount"), [5000]), "budget.amount", "expected a number, got a list"),
    ("float_parsing", "dev.yaml", _set(("budget", "amount"), "lots"), "budget.amount", "expected a number"),
    ("greater_than", "dev.yaml", _set(("budget", "amount"), 0), "budget.amount", "is not above 0"),
]


def _model_of(file: str) -> type[BaseModel]:
    return MeshDefinition if file == "mesh.yaml" else EnvironmentConfig


def _formatted(file: str, data: Any) -> tuple[set[str], list[ConfigIssue]]:
    """The error types pydantic raises on ``data`` and the issues the loader's formatting makes of
    them (on the document as parsed from YAML text, so that typed values and lines are real)."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    doc, parse_issues = parse_yaml(text, file)
    assert doc is not None and not parse_issues, parse_issues
    model = _model_of(file)
    with pytest.raises(ValidationError) as raised:
        model.model_validate(doc.data)
    errors = raised.value.errors()
    return {e["type"] for e in errors}, schema_issues(model, doc, errors, doc.data)


@pytest.mark.parametrize(("kind", "file", "edit", "path", "words"), CORPUS, ids=[f"{c[0]}-{c[3]}" for c in CORPUS])
def test_a_bad_input_is_told_in_our_words(kind: str, file: str, edit: Callable[[Any], None], path: str, words: str):
    data = copy.deepcopy(_example(file))
    edit(data)
    kinds, issues = _formatted(file, data)
    assert kind in kinds, f"the corpus entry raises {kinds}, not {kind}"
    assert raw_text_in(issues) == [], "\n".join(i.render() for i in issues)
    matching = [i for i in issues if i.path == path and words in i.problem]
    assert matching, "\n".join(i.render() for i in issues)
    assert all(i.fix.strip() for i in issues)


def test_the_corpus_covers_every_error_type_the_models_can_raise():
    types = set().union(*(possible_error_types(m) for m in MODELS))
    # value_error / assertion_error: raised only by a validator that raises ValueError or asserts;
    # the models' validators raise PydanticCustomError with a fix instead (covered above).
    # finite_number: YAML's .inf / .nan are refused by the parse step before the schema sees them.
    assert types - {c[0] for c in CORPUS} == {"value_error", "assertion_error", "finite_number"}


def test_a_comma_separated_list_gets_the_list_written_out():
    data = _example("mesh.yaml")
    data["environments"] = "dev, prod"
    _, issues = _formatted("mesh.yaml", data)
    (issue,) = [i for i in issues if i.path == "environments"]
    assert issue.problem == "expected a list, got the text 'dev, prod'"
    assert issue.fix == "write a YAML list: [dev, prod]"


def test_a_group_given_twice_says_which_and_how_to_fix_it():
    data = _example("mesh.yaml")
    data["projects"][0]["owners"] = ["finance-team-leads", "finance-team-leads"]
    _, issues = _formatted("mesh.yaml", data)
    (issue,) = issues
    assert issue.problem == "'finance-team-leads' listed more than once"
    assert issue.fix == "list each entry once"


def test_a_value_no_member_of_a_union_takes_is_told_every_shape_it_may_take():
    data = _example("mesh.yaml")
    data["blueprints"][0] = 5
    _, issues = _formatted("mesh.yaml", data)
    (issue,) = issues
    assert issue.path == "blueprints[0]"
    assert issue.problem.startswith("expected a mapping or one of Tooling, DataLake, LakehouseCatalog")
    assert issue.problem.endswith(", got the number 5")


def test_a_blueprint_name_in_the_wrong_case_gets_the_right_one():
    data = _example("mesh.yaml")
    data["blueprints"][0] = "tooling"
    _, issues = _formatted("mesh.yaml", data)
    (issue,) = issues
    assert issue.fix.startswith("did you mean 'Tooling'? use one of: Tooling, DataLake")


def test_the_loader_shows_no_raw_text_for_the_whole_corpus_at_once(env_dir: Path):
    """Through load_mesh: every file broken in several ways at once, one ConfigError."""
    edit_text(env_dir / "dev.yaml", 'account: "123456789012"', "account: 123456789012")
    edit_text(env_dir / "dev.yaml", "deletion_protection: false", "deletion_protection: maybe")
    edit_text(env_dir / "mesh.yaml", "environments: [dev, staging, prod]", "environments: dev, staging, prod")
    with pytest.raises(ConfigError) as raised:
        load_mesh(env_dir)
    rendered = raised.value.render()
    assert [f for f in RAW if f in rendered] == []
    assert "write a YAML list: [dev, staging, prod]" in rendered
    assert "expected true or false, got the text 'maybe'" in rendered
