"""A domain snapshot written as the mesh YAML that describes it (mesh.yaml + <env>.yaml).

The mesh's names are derived from conventions (<unit>-domain-unit, <unit>-<use-case>-<env>-project,
<capability>-<env>-profile, <bu>-glossary), so each DataZone name becomes the slug the conventions
start from, and every object whose deployed name would differ says so in a comment. What the format
cannot express (users as owners or members, designations other than Owner and Contributor,
projects in the root unit, custom blueprints, a second glossary of one business unit...) is written
as an ``# export:`` comment, and an object that cannot be declared at all is written commented
out, so that nothing is dropped silently. The loader then validates the folder: the same messages
as `cdk synth`.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from datamesh.errors import MeshError
from datamesh.export.domain_reader import DomainSnapshot, Glossary, Principal, Profile, Project, Unit
from datamesh.export.form_smithy import parse_form
from datamesh.export.kept_sections import EXPORTED, kept_keys, merge
from datamesh.starter.text import schema_reference
from mesh_config import MeshConfig
from mesh_config.blueprints import Blueprint
from mesh_config.governance import ENTERPRISE_SCOPE, GRANT_POLICY
from mesh_config.naming import (
    DOMAIN_UNIT_RULE,
    PROFILE_RULE,
    PROJECT_RULE,
    PROJECT_STORAGE_LAYER,
    Naming,
    glossary_name,
)

MESH_FILE = "mesh.yaml"
GROUP_ID = re.compile(r"^([0-9a-f]{10}-)?[A-Fa-f0-9]{8}(-[A-Fa-f0-9]{4}){3}-[A-Fa-f0-9]{12}$")
PARAMETER = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
FORM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
OWNER, CONTRIBUTOR = "PROJECT_OWNER", "PROJECT_CONTRIBUTOR"
CREATE_PROJECTS = "CREATE_PROJECT_FROM_PROJECT_PROFILE"
GRANT_KEYS = {policy: key for key, policy in GRANT_POLICY.items()}  # CREATE_GLOSSARY -> create_glossary
BLUEPRINT_ORDER = [b.value for b in Blueprint]
DOC = "docs/adopting-an-existing-domain.md"


def slug(text: str, fallback: str = "unnamed") -> str:
    """A mesh key from a DataZone name: 'Sales Ops' -> 'sales-ops' (mesh_config.formats.Slug)."""
    words = re.sub(r"[^a-z0-9]+", "-", re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text).lower()).strip("-")
    if not words:
        return fallback
    return words if words[0].isalpha() else f"{fallback[0]}-{words}"


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def _shorten(base: str, room: int) -> str:
    return base[:room].rstrip("-") if len(base) > room else base


@dataclass(frozen=True)
class Target:
    """Where the export goes: the environment's name, and what an existing mesh already fixes."""

    env: str
    org: str
    short: str
    account: str
    existing: MeshConfig | None = None
    directory: Path = Path(".")  # the folder written, for the schema references
    existing_text: str | None = None  # the existing mesh.yaml, whose sections the export does not read are kept


@dataclass
class Notes:
    """Comments gathered per top-level section, written before its key: (text, YAML block or None)."""

    by_section: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)

    def add(self, section: str, text: str, block: str | None = None) -> None:
        self.by_section.setdefault(section, []).append((text, block))

    def skipped(self, section: str, why: str, entry: Any) -> None:
        """An entry that cannot be declared: the reason, then the entry commented out, indented as an
        item of its section so that uncommenting it (once fixed) is enough."""
        block = _dump([entry]).rstrip()  # "  - key: ...", the indentation of the section's items
        self.add(section, f"not declared: {why}. As it would read:", block)

    def count(self) -> int:
        return sum(len(v) for v in self.by_section.values())

    def comment(self, section: str) -> str:
        lines: list[str] = []
        for text, block in self.by_section.get(section, []):
            lines += textwrap.wrap(f"export: {text}", 106, subsequent_indent="  ")
            if block is not None:
                lines += block.splitlines()
        return "\n".join(lines)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.width = 110
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


class MeshExport:
    """Builds the two documents from one snapshot."""

    def __init__(self, snapshot: DomainSnapshot, target: Target) -> None:
        self.s = snapshot
        self.t = target
        self.naming = Naming(target.org, target.env, target.short, target.account)
        self.notes = Notes()
        self.group_keys: dict[str, str] = {}  # group id -> mesh group name
        self.unit_keys: dict[str, str] = {}  # DataZone unit id -> mesh unit id
        self.unit_parent: dict[str, str | None] = {}  # mesh unit id -> mesh parent id
        self.profile_keys: dict[str, str] = {}  # profile id -> capability
        self.project_keys: dict[str, str] = {}  # project id -> <unit>-<use-case>
        self.project_units: dict[str, str] = {}  # project key -> mesh unit id
        self.grants: dict[str, dict[str, list[str]]] = {}  # mesh unit id -> grant kind -> project keys
        self.used_blueprints: set[str] = set()
        self.glossary_scopes: dict[str, str] = {}  # glossary id -> scope
        self.project_grants: list[tuple[str, str, str, str]] = []  # (unit key, unit name, grant kind, project id)

    # --- names -----------------------------------------------------------------------------------

    def _group(self, group_id: str, where: str) -> str | None:
        """The mesh name of a group, declared on first use; None (with a note) if it cannot be."""
        if group_id in self.group_keys:
            return self.group_keys[group_id]
        if not GROUP_ID.match(group_id):
            self.notes.add(
                "identity_center", f"group {group_id} ({where}) is not an IAM Identity Center group id: not declared"
            )
            return None
        existing = {}
        if self.t.existing is not None:
            existing = {v.lower(): k for k, v in self.t.existing.mesh.identity_center.groups.items()}
        taken = set(self.group_keys.values())
        name = existing.get(group_id.lower()) or _unique(
            slug(self.s.group_names.get(group_id, ""), f"group-{group_id[-8:]}"), taken
        )
        self.group_keys[group_id] = name
        return name

    def _groups(self, principals: Iterable[Principal], where: str, section: str) -> list[str]:
        out = []
        users = []
        for p in principals:
            if p.kind == "group":
                name = self._group(p.id, where)
                if name is not None and name not in out:
                    out.append(name)
            else:
                users.append(self._user(p.id))
        if users:
            self.notes.add(
                section,
                f"{where}: user owner(s) {', '.join(users)} are kept in the domain but not declared "
                "(the mesh's owners are Identity Center groups)",
            )
        return out

    def _user(self, user_id: str) -> str:
        name = self.s.user_names.get(user_id)
        return f"{name} ({user_id})" if name else user_id

    # --- sections --------------------------------------------------------------------------------

    def domain(self) -> CommentedMap:
        d = self.s.domain
        out = CommentedMap()
        if d.description:
            out["description"] = d.description
        out["user_assignment"] = d.user_assignment
        out["administrators"] = self._groups(self.s.root_owners, "the root domain unit", "domain")
        if d.name != self.naming.domain():
            self.notes.add(
                "domain",
                f"the domain is named '{d.name}' ({d.id}); the mesh names it {self.naming.domain()}: importing it into "
                f"the domain stack then renames it ({DOC})",
            )
        if d.kms_key:
            self.notes.add(
                "domain",
                f"the domain is encrypted with {d.kms_key}; the KMS key is create-only on AWS::DataZone::Domain, so "
                "the domain stack must be given this key before an import, or CloudFormation replaces the domain",
            )
        return out

    def units(self) -> CommentedSeq:
        out = CommentedSeq()
        taken: set[str] = set()
        for unit in self.s.units:
            out.append(self._unit(unit, taken))
        return out

    def _unit(self, unit: Unit, taken: set[str]) -> CommentedMap:
        base = slug(unit.name).removesuffix("-domain-unit") or "unit"
        parent = self.unit_keys.get(unit.parent_id) if unit.parent_id else None
        if parent is not None and not base.startswith(f"{parent}-"):
            base = f"{parent}-{base}"
        key = _unique(_shorten(base, DOMAIN_UNIT_RULE.max_length - len("-domain-unit") - 3), taken)
        self.unit_keys[unit.id] = key
        self.unit_parent[key] = parent
        entry = CommentedMap()
        entry["id"] = key
        if parent is not None:
            entry["parent"] = parent
        if unit.description:
            entry["description"] = unit.description
        entry["owners"] = self._groups(unit.owners, f"unit '{unit.name}'", "domain_units")
        creators = []
        for grant in unit.grants:
            kind = GRANT_KEYS.get(grant.policy)
            principal = grant.principal
            if grant.policy == CREATE_PROJECTS and principal is not None and principal.kind == "group":
                name = self._group(principal.id, f"unit '{unit.name}'")
                if name is not None and name not in creators:
                    creators.append(name)
            elif kind is not None and principal is not None and principal.kind == "project":
                self.project_grants.append((key, unit.name, kind, principal.id))
            else:
                if principal is None:
                    who = grant.other
                elif principal.kind == "user":
                    who = f"user {self._user(principal.id)}"
                else:
                    who = f"{principal.kind} {self.s.group_names.get(principal.id, principal.id)}"
                self.notes.add(
                    "domain_units",
                    f"unit '{unit.name}': {grant.policy} granted to {who} is kept "
                    "in the domain but not declared (the mesh grants project creation to groups, glossaries and "
                    "forms to named projects)",
                )
        if creators:
            entry["project_creators"] = creators
        if self.naming.domain_unit(key) != unit.name:
            entry.yaml_add_eol_comment(f"export: '{unit.name}' ({unit.id}) in the domain", "id")
        return entry

    def profiles(self) -> CommentedSeq:
        out = CommentedSeq()
        taken: set[str] = set()
        for profile in self.s.profiles:
            entry = self._profile(profile, taken)
            if entry is not None:
                out.append(entry)
        return out

    def _profile(self, profile: Profile, taken: set[str]) -> CommentedMap | None:
        where = f"profile '{profile.name}'"
        base = slug(profile.name).removesuffix(f"-{self.t.short}-profile").removesuffix("-profile") or "profile"
        capability = _unique(_shorten(base, PROFILE_RULE.max_length - len(f"-{self.t.short}-profile") - 3), taken)
        entry = CommentedMap()
        entry["capability"] = capability
        if profile.description:
            entry["description"] = profile.description
        environments = CommentedSeq()
        for env in profile.environments:
            if env.blueprint not in BLUEPRINT_ORDER:
                self.notes.add(
                    "project_profiles",
                    f"{where}: environment '{env.name}' uses blueprint {env.blueprint}, not a managed SMUS blueprint "
                    "the mesh can enable: left out",
                )
                continue
            item = CommentedMap()
            item["blueprint"] = env.blueprint
            if env.name != env.blueprint:
                item["name"] = env.name
            if env.description:
                item["description"] = env.description
            if env.deployment_mode == "ON_DEMAND":
                item["deployment_mode"] = "ON_DEMAND"
            if env.deployment_order:
                item["deployment_order"] = env.deployment_order
            overrides = CommentedSeq()
            for o in env.overrides:
                if not PARAMETER.match(o.name):
                    self.notes.add("project_profiles", f"{where}: parameter '{o.name}' has a name the mesh refuses")
                    continue
                override = CommentedMap([("name", o.name), ("value", o.value)])
                if o.editable:
                    override["editable"] = True
                overrides.append(override)
            if overrides:
                item["parameter_overrides"] = overrides
            if (env.account and env.account != self.s.domain.account) or (
                env.region and env.region != self.s.domain.region
            ):
                self.notes.add(
                    "project_profiles",
                    f"{where}: environment '{env.name}' deploys to account {env.account} / {env.region}; the mesh "
                    "deploys every environment to the domain's account and region",
                )
            environments.append(item)
        entry["environments"] = environments
        if not any(e["blueprint"] == Blueprint.TOOLING.value for e in environments):
            self.notes.skipped(
                "project_profiles", f"{where} has no Tooling environment, which every SMUS project needs", entry
            )
            return None
        self.profile_keys[profile.id] = capability
        self.used_blueprints |= {e["blueprint"] for e in environments}
        if profile.status != "ENABLED":
            self.notes.add("project_profiles", f"{where} is {profile.status} in the domain; the mesh enables it")
        if profile.resource_tags:
            self.notes.add(
                "project_profiles",
                f"{where}: project resource tags {', '.join(profile.resource_tags)} are not expressed by the mesh",
            )
        if self.naming.project_profile(capability) != profile.name:
            entry.yaml_add_eol_comment(f"export: '{profile.name}' ({profile.id}) in the domain", "capability")
        return entry

    def projects(self) -> CommentedSeq:
        out = CommentedSeq()
        taken: set[str] = set()
        for project in self.s.projects:
            entry = self._project(project, taken)
            if entry is not None:
                out.append(entry)
        return out

    def _project(self, project: Project, taken: set[str]) -> CommentedMap | None:
        where = f"project '{project.name}'"
        unit = self.unit_keys.get(project.domain_unit_id or "")
        base = slug(project.name).removesuffix(f"-{self.t.short}-project").removesuffix("-project") or "project"
        if unit is not None:
            base = base.removeprefix(f"{unit}-") or base
        room = PROJECT_RULE.max_length - len(f"{unit or ''}--{self.t.short}-project") - 3
        use_case = _shorten(base, room)
        key = _unique(f"{unit}-{use_case}", taken)
        use_case = key.removeprefix(f"{unit}-")
        entry = CommentedMap()
        entry["domain_unit"] = unit or "<a domain unit>"
        entry["use_case"] = use_case
        entry["profile"] = self.profile_keys.get(project.profile_id or "", "<a profile>")
        if project.description:
            entry["description"] = project.description
        members: dict[str, list[str]] = {OWNER: [], CONTRIBUTOR: []}
        for m in project.members:
            if m.principal.kind == "user":
                self.notes.add(
                    "projects",
                    f"{where}: user {self._user(m.principal.id)} ({m.designation}) is kept in the domain but not "
                    "declared (the mesh's members are Identity Center groups)",
                )
                continue
            name = self._group(m.principal.id, where)
            if name is None:
                continue
            if m.designation not in members:
                self.notes.add(
                    "projects",
                    f"{where}: group {name} has designation {m.designation}; the mesh declares only Owner and "
                    "Contributor (SMUS V2 projects): not declared",
                )
                continue
            members[m.designation].append(name)
        entry["owners"] = members[OWNER]
        if members[CONTRIBUTOR]:
            entry["contributors"] = members[CONTRIBUTOR]
        why = None
        if unit is None:
            why = f"{where} is in the root domain unit, where the mesh declares no project: move it to a unit first"
        elif project.profile_id not in self.profile_keys:
            why = f"{where} has no project profile the mesh declares (see project_profiles)"
        elif not members[OWNER]:
            why = f"{where} has no group owner; the mesh needs one (add an Identity Center group as owner)"
        if why is not None:
            self.notes.skipped("projects", why, entry)
            return None
        self.project_keys[project.id] = key
        self.project_units[key] = unit  # type: ignore[assignment]
        if project.status != "ACTIVE":
            self.notes.add("projects", f"{where} is {project.status} in the domain")
        if self.naming.project(unit, use_case) != project.name:  # type: ignore[arg-type]
            entry.yaml_add_eol_comment(f"export: '{project.name}' ({project.id}) in the domain", "use_case")
        return entry

    def _business_unit(self, unit: str) -> str:
        while self.unit_parent.get(unit) is not None:
            unit = self.unit_parent[unit]  # type: ignore[assignment]
        return unit

    def _grant(self, project_key: str, kind: str, unit: str | None = None, why: str = "") -> None:
        """``why``: a grant the domain does not show but the mesh needs (the project owns a glossary
        or a form type, so it had the right somewhere): noted as derived."""
        unit = unit or self.project_units[project_key]
        keys = self.grants.setdefault(unit, {}).setdefault(kind, [])
        if project_key in keys:
            return
        if why and any(project_key in self.grants.get(u, {}).get(kind, []) for u in self._ancestors(unit)):
            return  # granted on a parent unit already
        keys.append(project_key)
        if why:
            self.notes.add(
                "domain_units", f"grants.{kind} of unit '{unit}' lists {project_key}, not read from the domain: {why}"
            )

    def _ancestors(self, unit: str) -> list[str]:
        out = [unit]
        while self.unit_parent.get(out[-1]) is not None:
            out.append(self.unit_parent[out[-1]])  # type: ignore[arg-type]
        return out

    def _read_grants(self) -> None:
        for unit, unit_name, kind, project_id in self.project_grants:
            key = self.project_keys.get(project_id)
            if key is None:
                self.notes.add(
                    "domain_units",
                    f"unit '{unit_name}': {GRANT_POLICY[kind]} granted to project {project_id}, which is not declared",
                )
            elif unit in self._ancestors(self.project_units[key]):
                self._grant(key, kind, unit)
            else:
                self.notes.add(
                    "domain_units",
                    f"unit '{unit_name}': {GRANT_POLICY[kind]} granted to project {key} of another unit: the mesh "
                    "declares a grant on the project's own unit or a parent",
                )

    def glossaries(self) -> CommentedSeq:
        business_units = {k for k, parent in self.unit_parent.items() if parent is None}
        scopes: dict[str, str] = {}  # glossary id -> scope
        by_name = {glossary_name(self.t.org, s): s for s in [ENTERPRISE_SCOPE, *sorted(business_units)]}
        owned = [g for g in self.s.glossaries if g.owning_project_id in self.project_keys]
        for g in self.s.glossaries:
            if g.owning_project_id not in self.project_keys:
                self.notes.add(
                    "glossaries",
                    f"not declared: glossary '{g.name}' ({g.id}) with {len(g.terms)} term(s): its owning project "
                    f"{g.owning_project_id} is not declared (see projects)",
                )
        for g in owned:
            if g.name in by_name and by_name[g.name] not in scopes.values():
                scopes[g.id] = by_name[g.name]
        for g in sorted(owned, key=lambda g: g.name):
            if g.id in scopes:
                continue
            bu = self._business_unit(self.project_units[self.project_keys[g.owning_project_id]])
            for scope in (bu, ENTERPRISE_SCOPE):
                if scope not in scopes.values():
                    scopes[g.id] = scope
                    break
            else:
                self.notes.add(
                    "glossaries",
                    f"not declared: glossary '{g.name}' ({g.id}) with {len(g.terms)} term(s): the mesh has one "
                    f"glossary per business unit and one enterprise glossary, and '{bu}' and 'enterprise' are taken. "
                    "Merge its terms into one of them, or keep it outside the mesh",
                )
        terms = {t.id: (scopes[g.id], t.name) for g in owned if g.id in scopes for t in g.terms}
        out = CommentedSeq()
        for g in owned:
            if g.id in scopes:
                out.append(self._glossary(g, scopes[g.id], terms))
        return out

    def _glossary(self, g: Glossary, scope: str, terms: dict[str, tuple[str, str]]) -> CommentedMap:
        owner = self.project_keys[g.owning_project_id]
        self._grant(owner, "create_glossary", why=f"it owns glossary '{g.name}'")
        entry = CommentedMap()
        entry["scope"] = scope
        entry["owning_project"] = owner
        if g.description:
            entry["description"] = g.description
        name = glossary_name(self.t.org, scope)
        if name != g.name:
            entry.yaml_add_eol_comment(f"export: '{g.name}' ({g.id}) in the domain, renamed {name}", "scope")
            self.notes.add(
                "glossaries",
                f"glossary '{g.name}' is named {name} by the mesh, whose glossary handler adopts a glossary by that "
                "name only: rename it in the portal before the first deploy, or a second glossary is created",
            )
        if g.status != "ENABLED":
            self.notes.add("glossaries", f"glossary '{g.name}' is {g.status} in the domain; the mesh enables it")
        out = CommentedSeq()
        for t in g.terms:
            term = CommentedMap([("name", t.name)])
            if t.short_description:
                term["short_description"] = t.short_description
            if t.long_description:
                term["long_description"] = t.long_description
            for kind, ids in (("is_a", t.is_a), ("classifies", t.classifies)):
                refs = []
                for term_id in ids:
                    if term_id not in terms:
                        self.notes.add(
                            "glossaries",
                            f"term '{g.name}/{t.name}': {kind} relation to term {term_id}, which is not declared",
                        )
                        continue
                    other_scope, other = terms[term_id]
                    refs.append(other if other_scope == scope else f"{other_scope}/{other}")
                if refs:
                    term[kind] = refs
            if t.status != "ENABLED":
                self.notes.add(
                    "glossaries", f"term '{g.name}/{t.name}' is {t.status} in the domain; the mesh enables it"
                )
            out.append(term)
        entry["terms"] = out
        self.glossary_scopes[g.id] = scope
        return entry

    def forms(self) -> CommentedSeq:
        out = CommentedSeq()
        for form in self.s.form_types:
            where = f"form type '{form.name}'"
            owner = self.project_keys.get(form.owning_project_id or "")
            parsed = parse_form(form.name, form.smithy)
            for problem in parsed.problems:
                self.notes.add("metadata_forms", f"{where}: {problem}")
            entry = CommentedMap()
            entry["name"] = form.name
            if form.description:
                entry["description"] = form.description
            entry["owning_project"] = owner or f"<owner {form.owning_project_id}>"
            fields = CommentedSeq()
            for f in parsed.fields:
                if not FORM_NAME.match(f.name):
                    self.notes.add("metadata_forms", f"{where}: field {f.name} has a name the mesh refuses: left out")
                    continue
                item = CommentedMap([("name", f.name), ("type", f.type)])
                if f.type == "glossary_term":
                    scope = self.glossary_scopes.get(f.glossary_id or "")
                    if scope is None:
                        self.notes.add(
                            "metadata_forms",
                            f"{where}: field {f.name} takes terms of glossary {f.glossary_id}, which is not declared: "
                            "left out",
                        )
                        continue
                    item["glossary"] = scope
                if f.required:
                    item["required"] = True
                if f.searchable:
                    item["searchable"] = True
                if f.allowed_values:
                    item["allowed_values"] = f.allowed_values
                if f.description:
                    item["description"] = f.description
                fields.append(item)
            entry["fields"] = fields
            why = None
            if not FORM_NAME.match(form.name):
                why = f"{where} has a name the mesh refuses (letters, digits and '_')"
            elif owner is None:
                why = f"{where} is owned by project {form.owning_project_id}, which is not declared"
            elif not fields:
                why = f"{where} has no field the mesh can declare"
            if why is not None:
                self.notes.skipped("metadata_forms", why, entry)
                continue
            self._grant(owner, "create_form_type", why=f"it owns form type '{form.name}'")  # type: ignore[arg-type]
            if form.status != "ENABLED":
                self.notes.add("metadata_forms", f"{where} is {form.status} in the domain; the mesh enables it")
            out.append(entry)
        return out

    def _default_storage(self, location: str) -> bool:
        """Whether the location is the foundation stack's project-storage bucket, the one the mesh
        deploys without project_artifacts_s3_uri (a domain the mesh deployed keeps it)."""
        return location.rstrip("/") == f"s3://{self.naming.bucket(PROJECT_STORAGE_LAYER)}"

    def blueprints(self) -> list[str]:
        enabled = set(self.s.enabled_blueprints)
        for name in sorted(enabled - set(BLUEPRINT_ORDER)):
            self.notes.add(
                "blueprints", f"blueprint {name} is enabled in the domain but is not a managed SMUS blueprint"
            )
        wanted = (enabled & set(BLUEPRINT_ORDER)) | self.used_blueprints | {Blueprint.TOOLING.value}
        return [b for b in BLUEPRINT_ORDER if b in wanted]

    # --- documents -------------------------------------------------------------------------------

    def mesh(self, kept: list[str] | None = None) -> CommentedMap:
        """mesh.yaml; ``kept``: the sections an existing mesh.yaml keeps, named in the header."""
        kept = kept or []
        d = self.s.domain
        domain = self.domain()
        units = self.units()
        profiles = self.profiles()
        projects = self.projects()
        self._read_grants()
        glossaries = self.glossaries()
        forms = self.forms()
        for entry in units:
            grants = self.grants.get(entry["id"])
            if grants:
                entry["grants"] = CommentedMap(
                    (k, grants[k]) for k in ("create_glossary", "create_form_type") if k in grants
                )
        groups = CommentedMap()
        for group_id in sorted(self.s.assigned_groups):
            self._group(group_id, "assigned to the domain")
        for group_id, name in sorted(self.group_keys.items(), key=lambda kv: kv[1]):
            groups[name] = group_id
            real = self.s.group_names.get(group_id)
            if real and real != name:
                groups.yaml_add_eol_comment(f"export: '{real}' in Identity Center", name)
        if self.s.network and self.s.network.s3_location and not self._default_storage(self.s.network.s3_location):
            self.notes.add(
                "blueprints",
                f"the Tooling blueprint keeps project files in {self.s.network.s3_location}; the mesh's default is the "
                "foundation stack's bucket: to keep this one, set project_artifacts_s3_uri and its KMS key in "
                f"{self.t.env}.yaml",
            )

        out = CommentedMap()
        existing = self.t.existing.mesh if self.t.existing is not None else None
        # Over an existing mesh, these two and every other section the export does not read are
        # then replaced by the existing file's own text (kept_sections.py).
        out["org"] = self.t.org
        out["environments"] = list(existing.environments) if existing else [self.t.env]
        out["identity_center"] = CommentedMap([("groups", groups)])
        out["domain"] = domain
        out["blueprints"] = self.blueprints()
        out["domain_units"] = units
        out["project_profiles"] = profiles
        out["projects"] = projects
        out["glossaries"] = glossaries
        out["metadata_forms"] = forms
        header = [*_modeline(self.t.directory, "mesh.schema.json"), ""]
        header += [
            f"Exported by `datamesh export` from domain '{d.name}' ({d.id}), account {d.account}, {d.region}.",
            f"Review every 'export:' comment before the first deploy, then follow {DOC} to bring the domain's",
            "objects under the mesh without recreating them.",
        ]
        if kept:
            header += textwrap.wrap(
                f"Kept as they were in the previous mesh.yaml: {', '.join(kept)}. Replaced by what the domain "
                f"holds: {', '.join(EXPORTED)}.",
                100,
            )
        out.yaml_set_start_comment("\n".join(header))
        for section in self.notes.by_section:
            key = section if section in out else "identity_center"
            out.yaml_set_comment_before_after_key(key, before=self.notes.comment(section), indent=0)
        return out

    def environment(self) -> CommentedMap:
        d, network = self.s.domain, self.s.network
        out = CommentedMap()
        out["name"] = self.t.env
        out["account"] = d.account
        out["region"] = d.region
        out["identity_center_instance_arn"] = (
            d.idc_instance_arn or "REPLACE: the domain has no Identity Center instance"
        )
        net = CommentedMap()
        net["vpc_id"] = (network and network.vpc_id) or "REPLACE: the VPC of the projects' Tooling environments"
        net["subnet_ids"] = (
            list(network.subnet_ids)
            if network and network.subnet_ids
            else ["REPLACE: a private subnet", "REPLACE: a private subnet in another Availability Zone"]
        )
        out["network"] = net
        out["deletion_protection"] = True
        out.yaml_add_eol_comment("adopted objects are RETAINed when removed from the mesh", "deletion_protection")
        header = [*_modeline(self.t.directory, "environment.schema.json")]
        header.append(f"Exported by `datamesh export` from domain {d.id}: the network is the Tooling blueprint's.")
        out.yaml_set_start_comment("\n".join(header))
        return out


def _modeline(directory: Path, schema: str) -> list[str]:
    """The editor's schema line (relative to the written folder, as `datamesh init` writes it)."""
    reference = schema_reference(directory, schema)
    return [f"yaml-language-server: $schema={reference}"] if reference else []


@dataclass(frozen=True)
class Written:
    files: list[Path]
    notes: int
    kept: list[str] = field(default_factory=list)  # sections of an existing mesh.yaml written as they were
    replaced: list[str] = field(default_factory=list)  # sections of an existing mesh.yaml written from the domain
    comments_lost: str | None = None  # why the kept sections lost their comments, None when they did not


def write_export(snapshot: DomainSnapshot, target: Target, directory: Path) -> Written:
    """Write mesh.yaml (and <env>.yaml unless the existing mesh already has it) into ``directory``;
    over an existing mesh.yaml (``target.existing_text``) the sections the export does not read are kept."""
    export = MeshExport(snapshot, target)
    texts: dict[Path, str] = {}
    merged = None
    if target.existing_text is None:
        texts[directory / MESH_FILE] = _dump(export.mesh())
    else:
        merged = merge(_dump(export.mesh(kept_keys(target.existing_text))), target.existing_text)
        texts[directory / MESH_FILE] = merged.text
    if target.existing is None:
        texts[directory / f"{target.env}.yaml"] = _dump(export.environment())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, text in texts.items():
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise MeshError(f"cannot write {error.filename or directory}: {error.strerror or error}") from None
    if merged is None:
        return Written(list(texts), export.notes.count())
    return Written(list(texts), export.notes.count(), merged.kept, merged.replaced, merged.comments_lost)
