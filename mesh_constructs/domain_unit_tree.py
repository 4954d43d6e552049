"""The domain-unit tree of a domain, with owners and policy grants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Stack
from aws_cdk import aws_datazone as datazone
from constructs import Construct

ROOT = "root"


@dataclass(frozen=True)
class DomainUnitSpec:
    """One unit. ``key``: stable identity (construct id); ``parent``: key of the parent unit,
    None for a child of the root unit. ``owner_groups``: group name -> group id @default none.
    Construct ids use the group name, so reordering owners never replaces one."""

    key: str
    name: str
    parent: str | None = None
    description: str = ""
    owner_groups: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DomainUnitTreeProps:
    """``units`` in any order (parents are created first). ``root_owner_groups``:
    administrators, group name -> group id. ``scopes``: unit key -> the construct that unit, its
    owners and its grants are created in (a nested stack's, to spread a large tree over stacks)
    @default the tree itself; a unit and its parent must share a stack (place subtrees, not units).
    The root unit's owners and grants always stay in the tree's own stack."""

    domain_id: str
    root_domain_unit_id: str
    units: Sequence[DomainUnitSpec]
    root_owner_groups: Mapping[str, str] = field(default_factory=dict)
    scopes: Mapping[str, Construct] = field(default_factory=dict)


class DomainUnitTree(Construct):
    """Domain units under the domain's root unit.

    Grants are relationships, added with methods: ``allow_project_creation`` and
    ``add_to_member_pool`` (which also grants every ancestor up to the root unit, as DataZone
    requires of a project member).
    """

    def __init__(self, scope: Construct, construct_id: str, props: DomainUnitTreeProps) -> None:
        super().__init__(scope, construct_id)
        self._domain_id = props.domain_id
        self._ids: dict[str, str] = {ROOT: props.root_domain_unit_id}
        self._parents: dict[str, str] = {}
        self._grants: set[tuple[str, str, str]] = set()
        # Last owner created on each unit: the next one waits for it (see _owner).
        self._last_owner: dict[str, datazone.CfnOwner] = {}
        self._root_scope = Construct(self, "Root")
        self._scopes: dict[str, Construct] = {ROOT: self._root_scope}

        for group_name, group_id in props.root_owner_groups.items():
            self._owner(self._root_scope, f"Owner-{group_name}", ROOT, group_id)

        for spec in _parents_first(props.units):
            parent = spec.parent or ROOT
            # With no scope given the path is the one of earlier releases (Units/<key>): the
            # logical ids of a deployed tree stay.
            unit_scope = Construct(props.scopes.get(spec.key, self), spec.key)
            if parent != ROOT and Stack.of(unit_scope) is not Stack.of(self._scopes[parent]):
                # A reference between two nested stacks would pass through the parent as an output
                # and a parameter, and move the child whenever the parent moves.
                raise ValueError(f"domain unit {spec.key} is not in the stack of its parent {parent}")
            self._scopes[spec.key] = unit_scope
            unit = datazone.CfnDomainUnit(
                unit_scope,
                "Resource",
                domain_identifier=props.domain_id,
                name=spec.name,
                description=spec.description or None,
                parent_domain_unit_identifier=self._ids[parent],
            )
            self._ids[spec.key] = unit.attr_id
            self._parents[spec.key] = parent
            for group_name, group_id in spec.owner_groups.items():
                self._owner(unit_scope, f"Owner-{group_name}", spec.key, group_id)

    def unit_id(self, key: str) -> str:
        return self._ids[key]

    def ancestors(self, key: str) -> list[str]:
        """Keys from the unit itself up to and including the root unit."""
        chain = [key]
        while chain[-1] != ROOT:
            chain.append(self._parents[chain[-1]])
        return chain

    def allow_project_creation(self, key: str, group_name: str, group_id: str, profile_ids: Sequence[str]) -> None:
        """Let a group create projects in the unit and its children from the given profiles."""
        self._grant(
            key,
            f"CreateProjects-{group_name}",
            "CREATE_PROJECT_FROM_PROJECT_PROFILE",
            datazone.CfnPolicyGrant.PolicyGrantDetailProperty(
                create_project_from_project_profile=datazone.CfnPolicyGrant.CreateProjectFromProjectProfilePolicyGrantDetailProperty(
                    include_child_domain_units=True, project_profiles=list(profile_ids)
                )
            ),
            group_id,
        )

    def add_to_member_pool(self, key: str, group_name: str, group_id: str) -> None:
        """Let a group be a project member in the unit: granted on the unit and every ancestor."""
        construct_id = f"MemberPool-{group_name}"
        for unit in self.ancestors(key):
            # Checked before the detail is built: every project of a unit asks again for its groups.
            if (unit, construct_id, _MEMBER_POOL) in self._grants:
                continue
            self._grant(
                unit,
                construct_id,
                _MEMBER_POOL,
                datazone.CfnPolicyGrant.PolicyGrantDetailProperty(
                    add_to_project_member_pool=datazone.CfnPolicyGrant.AddToProjectMemberPoolPolicyGrantDetailProperty(
                        include_child_domain_units=False
                    )
                ),
                group_id,
            )

    def _owner(self, scope: Construct, construct_id: str, key: str, group_id: str) -> None:
        owner = datazone.CfnOwner(
            scope,
            construct_id,
            domain_identifier=self._domain_id,
            entity_type="DOMAIN_UNIT",
            entity_identifier=self._ids[key],
            owner=datazone.CfnOwner.OwnerPropertiesProperty(
                group=datazone.CfnOwner.OwnerGroupPropertiesProperty(group_identifier=group_id)
            ),
        )
        # AddEntityOwner on one unit is a read-modify-write of the unit's owner list: two owners
        # of the same unit created concurrently fail with ConditionalCheckFailed. MDAA chains
        # them the same way (datazone-l3-construct, chainOwnersSequentially). Owners of different
        # units stay parallel.
        previous = self._last_owner.get(key)
        if previous is not None:
            owner.node.add_dependency(previous)
        self._last_owner[key] = owner

    def _grant(
        self,
        key: str,
        construct_id: str,
        policy_type: str,
        detail: datazone.CfnPolicyGrant.PolicyGrantDetailProperty,
        group_id: str,
    ) -> None:
        # Idempotent: several projects of one unit share a group, the grant exists once.
        if (key, construct_id, policy_type) in self._grants:
            return
        self._grants.add((key, construct_id, policy_type))
        datazone.CfnPolicyGrant(
            self._scopes[key],
            construct_id,
            domain_identifier=self._domain_id,
            entity_type="DOMAIN_UNIT",
            entity_identifier=self._ids[key],
            policy_type=policy_type,
            detail=detail,
            principal=datazone.CfnPolicyGrant.PolicyGrantPrincipalProperty(
                group=datazone.CfnPolicyGrant.GroupPolicyGrantPrincipalProperty(group_identifier=group_id)
            ),
        )


_MEMBER_POOL = "ADD_TO_PROJECT_MEMBER_POOL"


def _parents_first(units: Sequence[DomainUnitSpec]) -> list[DomainUnitSpec]:
    """Units ordered so that each parent precedes its children, input order kept otherwise."""
    placed: set[str] = set()
    ordered: list[DomainUnitSpec] = []
    pending = list(units)
    while pending:
        ready = [u for u in pending if u.parent is None or u.parent in placed]
        if not ready:
            keys = ", ".join(u.key for u in pending)
            raise ValueError(f"domain units with a missing parent or in a cycle: {keys}")
        for unit in ready:
            placed.add(unit.key)
            ordered.append(unit)
        pending = [u for u in pending if u.key not in placed]
    return ordered
