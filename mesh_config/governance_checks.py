"""Cross-reference rules for glossaries, metadata forms and unit grants (mesh.yaml).

Like every rule of the loader, each appends issues with the file, the path and the fix, so one
run reports every problem.
"""

from __future__ import annotations

from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.governance import (
    ENTERPRISE_SCOPE,
    GRANT_POLICY,
    MAX_GLOSSARIES_PER_DOMAIN,
    MAX_RELATIONS,
    MAX_TERMS_PER_DOMAIN,
    FieldType,
    Glossary,
    split_term_ref,
)
from mesh_config.mesh import MeshDefinition, Project
from mesh_config.naming import glossary_name
from mesh_config.placement import unit_ancestors
from mesh_config.project_references import referenced_project
from mesh_config.yaml_source import YamlDocument


def check_governance(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    projects = {p.key: p for p in mesh.projects}
    issues = _check_grants(mesh, doc, projects)
    issues += _check_glossaries(mesh, doc, projects)
    issues += _check_forms(mesh, doc, projects)
    return issues


def _check_grants(mesh: MeshDefinition, doc: YamlDocument, projects: dict[str, Project]) -> list[ConfigIssue]:
    units = {u.id: u for u in mesh.domain_units}
    issues = []
    for i, unit in enumerate(mesh.domain_units):
        for kind, j, key in unit.grants.entries():
            loc = ("domain_units", i, "grants", kind, j)
            project, found = referenced_project(doc, loc, key, projects)
            issues += found
            if project is not None and unit.id not in unit_ancestors(project.domain_unit, units):
                issues.append(
                    doc.issue(
                        loc,
                        f"project '{key}' belongs to unit '{project.domain_unit}', outside unit '{unit.id}' and its "
                        "children: the grant would not apply to it",
                        f"move the grant to unit '{project.domain_unit}' or one of its parents",
                    )
                )
        for kind in GRANT_POLICY:
            for j in repeated_indexes(list(getattr(unit.grants, kind))):
                issues.append(
                    doc.issue(
                        ("domain_units", i, "grants", kind, j), "project listed twice", "remove the repeated entry"
                    )
                )
    return issues


def _check_owner(
    mesh: MeshDefinition,
    doc: YamlDocument,
    projects: dict[str, Project],
    loc: tuple[str | int, ...],
    key: str,
    what: str,
    grant: str,
) -> list[ConfigIssue]:
    """The owning project exists in every environment and is granted the right to create ``what``."""
    project, issues = referenced_project(
        doc,
        loc,
        key,
        projects,
        mesh.environments,
        f", where the {what} must (glossaries and forms exist in every environment)",
        "pick a project present in every environment, or add {missing} to the project's 'environments'",
    )
    if project is None:
        return issues
    units = {u.id: u for u in mesh.domain_units}
    granted = any(key in getattr(units[u].grants, grant) for u in unit_ancestors(project.domain_unit, units))
    if not granted:
        issues.append(
            doc.issue(
                loc,
                f"project '{key}' may not create a {what}: no unit on its path has it under grants.{grant} "
                f"({GRANT_POLICY[grant]})",
                f"add '{key}' to grants.{grant} of domain unit '{project.domain_unit}' (or of a parent unit)",
            )
        )
    return issues


def _check_glossaries(mesh: MeshDefinition, doc: YamlDocument, projects: dict[str, Project]) -> list[ConfigIssue]:
    business_units = {u.id for u in mesh.domain_units if u.parent is None}
    scopes = [g.scope for g in mesh.glossaries]
    issues = [
        doc.issue(("glossaries", i, "scope"), f"duplicate glossary '{scopes[i]}'", "declare each glossary once")
        for i in repeated_indexes(scopes)
    ]
    # Glossary names are unique in a domain, and the glossary handler adopts an existing glossary by
    # name: two scopes of one name (business unit '<org>-enterprise' beside 'enterprise') would
    # manage one glossary, each overwriting the other's terms.
    names = [glossary_name(mesh.org, scope) for scope in scopes]
    issues += [
        doc.issue(
            ("glossaries", i, "scope"),
            f"glossary '{scopes[i]}' is named {names[i]}, the name of glossary "
            f"'{scopes[names.index(names[i])]}': a domain holds one glossary of a name",
            f"declare the terms in glossary '{scopes[names.index(names[i])]}', or rename business unit "
            f"'{scopes[i]}' (<org>-enterprise-glossary is the enterprise glossary's name)",
        )
        for i in repeated_indexes(names)
        if scopes[names.index(names[i])] != scopes[i]  # the same scope twice is reported above
    ]
    if len(mesh.glossaries) > MAX_GLOSSARIES_PER_DOMAIN:
        issues.append(
            doc.issue(
                ("glossaries",),
                f"{len(mesh.glossaries)} glossaries; a domain holds at most {MAX_GLOSSARIES_PER_DOMAIN:,}",
                "merge glossaries, or ask AWS for a higher DataZone quota first",
            )
        )
    total_terms = sum(len(g.terms) for g in mesh.glossaries)
    if total_terms > MAX_TERMS_PER_DOMAIN:
        issues.append(
            doc.issue(
                ("glossaries",),
                f"{total_terms:,} glossary terms; a domain holds at most {MAX_TERMS_PER_DOMAIN:,}",
                "remove terms, or ask AWS for a higher DataZone quota first",
            )
        )
    terms_of = {g.scope: {t.name for t in g.terms} for g in mesh.glossaries}
    for i, glossary in enumerate(mesh.glossaries):
        if glossary.scope != ENTERPRISE_SCOPE and glossary.scope not in business_units:
            issues.append(
                doc.issue(
                    ("glossaries", i, "scope"),
                    f"glossary scope '{glossary.scope}' is neither 'enterprise' nor a business unit",
                    f"use 'enterprise' or one of the business units: {choices(business_units)}",
                )
            )
        issues += _check_owner(
            mesh,
            doc,
            projects,
            ("glossaries", i, "owning_project"),
            glossary.owning_project,
            "glossary",
            "create_glossary",
        )
        names = [t.name for t in glossary.terms]
        issues += [
            doc.issue(("glossaries", i, "terms", j, "name"), f"duplicate term '{names[j]}'", "declare each term once")
            for j in repeated_indexes(names)
        ]
        for j, term in enumerate(glossary.terms):
            for kind in ("is_a", "classifies"):
                refs = getattr(term, kind)
                if len(refs) > MAX_RELATIONS:
                    issues.append(
                        doc.issue(
                            ("glossaries", i, "terms", j, kind),
                            f"term '{term.name}' has {len(refs)} '{kind}' relations; DataZone allows {MAX_RELATIONS}",
                            "keep the ten closest terms; relate the others through a broader term",
                        )
                    )
        for j, kind, k, ref in glossary.relations():
            issues += _check_relation(doc, ("glossaries", i, "terms", j, kind, k), glossary, j, ref, terms_of)
    issues += _check_glossary_cycles(mesh, doc)
    return issues


def _check_relation(
    doc: YamlDocument,
    loc: tuple[str | int, ...],
    glossary: Glossary,
    term_index: int,
    ref: str,
    terms_of: dict[str, set[str]],
) -> list[ConfigIssue]:
    scope, target = split_term_ref(ref, glossary.scope)
    if scope not in terms_of:
        return [
            doc.issue(
                loc,
                f"relation '{ref}' names glossary '{scope}', which is not declared",
                f"write 'Term' for this glossary or '<scope>/Term' with a scope among: {choices(terms_of)}",
            )
        ]
    if target not in terms_of[scope]:
        return [
            doc.issue(
                loc,
                f"relation '{ref}': glossary '{scope}' has no term '{target}'",
                f"use one of its terms: {choices(terms_of[scope])}",
            )
        ]
    if scope == glossary.scope and target == glossary.terms[term_index].name:
        return [doc.issue(loc, f"term '{target}' relates to itself", "remove the relation")]
    return []


def glossary_dependencies(glossaries: list[Glossary]) -> dict[str, set[str]]:
    """Glossary scope -> scopes of the other glossaries its terms relate to."""
    known = {g.scope for g in glossaries}
    deps: dict[str, set[str]] = {g.scope: set() for g in glossaries}
    for glossary in glossaries:
        for _, _, _, ref in glossary.relations():
            scope, _ = split_term_ref(ref, glossary.scope)
            if scope != glossary.scope and scope in known:
                deps[glossary.scope].add(scope)
    return deps


def _check_glossary_cycles(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    """Glossaries deploy one after another, each after those its terms point to: relations
    between glossaries must not form a cycle."""
    deps = glossary_dependencies(mesh.glossaries)
    index = {g.scope: i for i, g in enumerate(mesh.glossaries)}
    issues: list[ConfigIssue] = []
    reported: set[frozenset[str]] = set()

    def walk(scope: str, path: list[str]) -> None:
        for nxt in sorted(deps[scope]):
            if nxt in path:
                cycle = [*path[path.index(nxt) :], nxt]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    issues.append(
                        doc.issue(
                            ("glossaries", index[cycle[0]], "terms"),
                            f"glossaries relate to each other's terms in a cycle: {' -> '.join(cycle)}",
                            "make relations between glossaries point one way (e.g. business-unit terms to "
                            "enterprise terms, never back): a glossary is deployed after those it points to",
                        )
                    )
                continue
            walk(nxt, [*path, nxt])

    for glossary in mesh.glossaries:
        walk(glossary.scope, [glossary.scope])
    return issues


def _check_forms(mesh: MeshDefinition, doc: YamlDocument, projects: dict[str, Project]) -> list[ConfigIssue]:
    names = [f.name for f in mesh.metadata_forms]
    issues = [
        doc.issue(
            ("metadata_forms", i, "name"),
            f"duplicate metadata form '{names[i]}'",
            "form names are unique in a domain: rename or remove one",
        )
        for i in repeated_indexes(names)
    ]
    glossaries = {g.scope for g in mesh.glossaries}
    for i, form in enumerate(mesh.metadata_forms):
        issues += _check_owner(
            mesh,
            doc,
            projects,
            ("metadata_forms", i, "owning_project"),
            form.owning_project,
            "metadata form",
            "create_form_type",
        )
        fields = [f.name for f in form.fields]
        issues += [
            doc.issue(
                ("metadata_forms", i, "fields", j, "name"), f"duplicate field '{fields[j]}'", "rename or remove one"
            )
            for j in repeated_indexes(fields)
        ]
        for j, field in enumerate(form.fields):
            loc = ("metadata_forms", i, "fields", j)
            # allowed_values on another type than string is refused by FormField itself.
            if field.allowed_values is not None:
                issues += [
                    doc.issue((*loc, "allowed_values", k), "value listed twice", "remove the repeated value")
                    for k in repeated_indexes(field.allowed_values)
                ]
            if field.searchable and field.type is not FieldType.STRING:
                issues.append(
                    doc.issue(
                        (*loc, "searchable"),
                        f"searchable {field.type.value} field '{field.name}': DataZone indexes text fields for search",
                        "remove 'searchable', or make the field a string",
                    )
                )
            if field.type is FieldType.GLOSSARY_TERM and field.glossary is None:
                issues.append(
                    doc.issue(
                        loc,
                        f"glossary_term field '{field.name}' names no glossary",
                        f"add 'glossary:' with one of: {choices(glossaries)}",
                    )
                )
            elif field.glossary is not None and field.type is not FieldType.GLOSSARY_TERM:
                issues.append(
                    doc.issue(
                        (*loc, "glossary"), f"'glossary' on a {field.type.value} field", "use type: glossary_term"
                    )
                )
            elif field.glossary is not None and field.glossary not in glossaries:
                issues.append(
                    doc.issue(
                        (*loc, "glossary"),
                        f"unknown glossary '{field.glossary}'",
                        f"use the scope of a declared glossary: {choices(glossaries)}",
                    )
                )
    return issues
