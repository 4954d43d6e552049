"""Keys that earlier releases accepted and this one removes or reads differently: one table, and
every refusal of them points to its upgrade note in CHANGELOG.md.

A *removed* key is refused here, on the file's data before the schema sees it, and taken out, so
that it neither hides the file's other problems (the schema would reject the whole model) nor is
reported twice. A *changed* key is still part of the schema; the rule that enforces its new
meaning (named in ``rule``) takes its fix and pointer from this table.

tests/test_retired_keys.py proves that each entry is refused with its pointer and that each note
exists under CHANGELOG.md's "Upgrade notes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesh_config.errors import ConfigIssue
from mesh_config.yaml_source import YamlDocument

MESH_FILE = "mesh.yaml"
ENVIRONMENT_FILE = "<env>.yaml"
ANY = "*"  # any item of a list


def upgrade_note(heading: str) -> str:
    """Where a user reads on: the heading of a note under CHANGELOG.md's '### Upgrade notes'."""
    return f"CHANGELOG.md, upgrade note '{heading}'"


@dataclass(frozen=True)
class RetiredKey:
    file: str  # MESH_FILE or ENVIRONMENT_FILE
    path: tuple[str, ...]  # keys from the document root; ANY for every item of a list
    problem: str  # what changed, for the user who still writes the key as before
    fix: str  # what to do instead
    note: str  # heading of the upgrade note
    rule: str | None = None  # changed keys: the check that enforces the new meaning

    @property
    def removed(self) -> bool:
        return self.rule is None

    @property
    def fix_with_note(self) -> str:
        return f"{self.fix}; see {upgrade_note(self.note)}"

    @property
    def shown_path(self) -> str:
        return ".".join(p if p != ANY else "[]" for p in self.path).replace(".[]", "[]")


LAYOUT_NOTE = "stacks follow resources, not business units"
VIEWERS_NOTE = "project viewers removed"
APPROVERS_NOTE = "approver principals required with manual approval"
REDSHIFT_SUBNETS_NOTE = "three subnets with Redshift Serverless"
ADMIN_PRINCIPALS_NOTE = "admin management roles need principals"
# Not a key: formats (storage prefixes, unit names) that newly refuse values which used to load.
PREFIXES_NOTE = "prefixes and unit names newly refused"

RETIRED_KEYS: tuple[RetiredKey, ...] = (
    RetiredKey(
        MESH_FILE,
        ("projects", ANY, "viewers"),
        "key 'viewers' was removed: SageMaker Unified Studio (DataZone V2) projects have only the Owner and "
        "Contributor designations, and a read-only designation would fail the deploy",
        "remove 'viewers'. Every group declared under identity_center.groups is assigned to the domain and can "
        "already browse and search the catalog; to query the project's data, make the group a contributor, or a "
        "member of a consumer project that subscribes to its data products",
        VIEWERS_NOTE,
    ),
    *(
        RetiredKey(
            MESH_FILE,
            ("domain_units", ANY, key),
            f"key '{key}' was removed: stacks no longer follow business units",
            f"remove it; the mesh-wide 'layout' ({replacement}) sets how many stacks hold them, and moving to it "
            "replaces deployed projects and tables once",
            LAYOUT_NOTE,
        )
        for key, replacement in (
            ("project_stack_shards", "layout.project_stacks"),
            ("product_stack_shards", "layout.product_stacks"),
        )
    ),
    RetiredKey(
        ENVIRONMENT_FILE,
        ("promotion", "approver_principals"),
        "'approver_principals' is now required with 'manual_approval: true' (before, anyone allowed "
        "codepipeline:PutApprovalResult in the tools account could approve)",
        "list the IAM principals (e.g. the approvers' Identity Center permission-set role ARNs in the tools "
        "account, '*' allowed) that may assume the stage's approver role",
        APPROVERS_NOTE,
        rule="validation._check_promotion",
    ),
    RetiredKey(
        ENVIRONMENT_FILE,
        ("network", "subnet_ids"),
        "three subnets are now required where a project profile uses RedshiftServerless, whose workgroups need "
        "subnets in three Availability Zones",
        "list at least 3 private subnets, each in a different Availability Zone, or remove RedshiftServerless "
        "from those profiles",
        REDSHIFT_SUBNETS_NOTE,
        rule="validation.check_network",
    ),
    RetiredKey(
        ENVIRONMENT_FILE,
        ("management", "principals"),
        "'principals' is now required with 'access: admin'",
        "list under management.principals the tools-account roles that may assume it, or set 'access: readonly'",
        ADMIN_PRINCIPALS_NOTE,
        rule="management_checks._admin_without_principals",
    ),
)


def changed_key(file: str, *path: str) -> RetiredKey:
    """The entry a rule enforces; a KeyError here is a programming error caught by the tests."""
    return next(k for k in RETIRED_KEYS if k.file == file and k.path == path and not k.removed)


def _matches(data: Any, pattern: tuple[str, ...], loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every location of ``pattern`` in ``data`` (ANY: each item of a list)."""
    if not pattern:
        return [loc]
    head, rest = pattern[0], pattern[1:]
    if head == ANY:
        items = enumerate(data) if isinstance(data, list) else ()
        return [m for i, item in items for m in _matches(item, rest, (*loc, i))]
    if isinstance(data, dict) and head in data:
        return _matches(data[head], rest, (*loc, head))
    return []


def _without(data: Any, loc: tuple[str | int, ...]) -> Any:
    """A copy of ``data`` without the key at ``loc``; only the containers on the way are copied."""
    if len(loc) == 1:
        return {k: v for k, v in data.items() if k != loc[0]}
    head = loc[0]
    if isinstance(data, list):
        return [_without(v, loc[1:]) if i == head else v for i, v in enumerate(data)]
    return {k: (_without(v, loc[1:]) if k == head else v) for k, v in data.items()}


def refuse_removed_keys(data: Any, doc: YamlDocument, file: str) -> tuple[Any, list[ConfigIssue]]:
    """``data`` without the removed keys it still sets, and an issue for each, pointing to its note."""
    issues = []
    for key in RETIRED_KEYS:
        if key.file != file or not key.removed:
            continue
        for loc in _matches(data, key.path):
            issues.append(doc.issue(loc, key.problem, key.fix_with_note))
            data = _without(data, loc)
    return data, issues
