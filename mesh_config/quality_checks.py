"""Cross-checks of the tables' ``quality`` sections (mesh.yaml): every DQDL rule parses, names
columns of its table, and a table whose quality is measured carries no hand-typed score."""

from __future__ import annotations

from mesh_config.data_products import Table
from mesh_config.dqdl import MAX_RULESET, DqdlError, check_rule, ruleset
from mesh_config.errors import ConfigIssue, choices
from mesh_config.mesh import MeshDefinition
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]


def check_quality(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for i, catalog in enumerate(mesh.catalogs):
        for j, table in enumerate(catalog.tables):
            if table.quality is not None:
                issues += _check_table(doc, ("catalogs", i, "tables", j), table)
    return issues


def hand_typed_scores(table: Table) -> list[tuple[str, str]]:
    """(form, field) of every quality score typed into the table's forms: a field whose name holds
    'score' in a form whose name holds 'quality' (the DataQuality form of the bundled example)."""
    return [
        (form, name)
        for form, values in table.forms.items()
        if "quality" in form.lower()
        for name in values
        if "score" in name.lower()
    ]


def _check_table(doc: YamlDocument, loc: Loc, table: Table) -> list[ConfigIssue]:
    quality = table.quality
    assert quality is not None
    issues: list[ConfigIssue] = []
    columns = {c.name for _, _, c in table.all_columns()}
    for k, rule in enumerate(quality.rules):
        rule_loc = (*loc, "quality", "rules", k)
        try:
            checked = check_rule(rule)
        except DqdlError as error:
            issues.append(doc.issue(rule_loc, f"invalid DQDL rule '{rule}': {error.problem}", error.fix))
            continue
        for column in dict.fromkeys(checked.columns):
            if column not in columns:
                issues.append(
                    doc.issue(
                        rule_loc,
                        f"the rule names column '{column}', which the table does not have",
                        f"name one of its columns: {choices(columns)}",
                    )
                )
    if len(ruleset(quality.rules)) > MAX_RULESET:
        issues.append(
            doc.issue(
                (*loc, "quality", "rules"),
                f"the rules make a ruleset longer than Glue's {MAX_RULESET} characters",
                "keep the rules that matter; move checks of one concern into one CustomSql rule",
            )
        )
    if quality.min_score is not None and quality.schedule is None:
        issues.append(
            doc.issue(
                (*loc, "quality", "min_score"),
                "an alarm score without a schedule: nothing evaluates the rules, so the alarm never sees a score",
                "add quality.schedule (cron and timezone), or remove min_score",
            )
        )
    for form, name in hand_typed_scores(table):
        issues.append(
            doc.issue(
                (*loc, "forms", form, name),
                f"a hand-typed score ({form}.{name}) on a table with quality rules: its score is the one Glue Data "
                "Quality measures, which DataZone imports into the asset",
                f"remove {name} from forms.{form} (and the form if it has nothing else to say); the rules are in "
                "quality.rules",
            )
        )
    return issues
