"""The rule: replacing or deleting what holds data or identity fails the plan unless allowed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from mesh_config.change_safety import AllowedChange, AllowedKind
from mesh_plan.changes import Action, Change

# Resources whose replacement or deletion loses data, history or an identity others refer to.
STATEFUL_TYPES = frozenset(
    {
        "AWS::DataZone::Domain",
        "AWS::DataZone::DomainUnit",
        "AWS::DataZone::Project",
        "AWS::DataZone::FormType",
        "AWS::DataZone::DataSource",
        "AWS::DataZone::UserProfile",
        "AWS::DataZone::GroupProfile",
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::Glue::Database",
        "AWS::Glue::Table",
        "AWS::LakeFormation::DataCellsFilter",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        # network.create's VPC holds no data, but SMUS projects' network interfaces live in its subnets.
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "Custom::DataZoneGlossary",
        "Custom::DataZoneFormType",
        # The organisation's stacks (mesh_plan/organization.py): OUs and permission sets are
        # identities accounts, SCPs and assignments refer to; a new trail starts a new history.
        "AWS::Organizations::OrganizationalUnit",
        "AWS::SSO::PermissionSet",
        "AWS::CloudTrail::Trail",
    }
)
# Never allowed: dependent stacks read the domain id through Fn::GetStackOutput, which CloudFormation
# does not re-resolve in a stack whose template did not change, so they would keep the old domain's
# id (README: "Replacing a domain").
NEVER = frozenset({"AWS::DataZone::Domain"})
DOMAIN_PROCEDURE = "see README 'Replacing a domain' for the manual procedure"


@dataclass(frozen=True)
class Violation:
    change: Change
    message: str
    fix: str


def _allowed(change: Change, allowed: Sequence[AllowedChange]) -> bool:
    kind = AllowedKind.REPLACE if change.action is Action.REPLACED else AllowedKind.DELETE
    return any(a.stack == change.stack and a.resource == change.logical_id and a.change is kind for a in allowed)


def violations(
    changes: Sequence[Change], allowed: Sequence[AllowedChange], refuse_orphaning: Collection[str] = ()
) -> list[Violation]:
    """``refuse_orphaning``: stacks where a retained resource's removal is refused too (the
    organisation's: mesh_plan/organization.py says why)."""
    out = []
    for change in changes:
        refused = (Action.REPLACED, Action.DELETED) + ((Action.ORPHANED,) if change.stack in refuse_orphaning else ())
        if change.resource_type not in STATEFUL_TYPES or change.action not in refused:
            continue
        verb = {Action.REPLACED: "replaced", Action.DELETED: "deleted"}.get(change.action, "removed from its stack")
        why = f" ({', '.join(change.reasons)})" if change.reasons else ""
        named = f" {change.name}" if change.name else ""
        what = f"{change.resource_type}{named} ({change.stack}/{change.logical_id}) would be {verb}{why}"
        if change.resource_type in NEVER:
            out.append(Violation(change, f"{what}: a domain is never replaced by the pipeline", DOMAIN_PROCEDURE))
        elif not _allowed(change, allowed):
            kind = "replace" if change.action is Action.REPLACED else "delete"
            losing = (
                "left outside any stack (retained, but unmanaged: adding it back fails on its name)"
                if change.action is Action.ORPHANED
                else "losing what it holds"
            )
            out.append(
                Violation(
                    change,
                    f"{what}, {losing}",
                    f"undo the edit (a create-only property cannot change in place; a removed resource can be "
                    f"kept with deletion_protection), or allow it in mesh.yaml: allow_changes: [{{stack: "
                    f"{change.stack}, resource: {change.logical_id}, change: {kind}, reason: ...}}]",
                )
            )
    return out


def unused(changes: Sequence[Change], allowed: Sequence[AllowedChange]) -> list[AllowedChange]:
    """Entries of allow_changes that match no change any more (already deployed: remove them)."""
    present = {(c.stack, c.logical_id) for c in changes}
    return [a for a in allowed if (a.stack, a.resource) not in present]
