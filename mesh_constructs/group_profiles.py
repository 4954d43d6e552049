"""IAM Identity Center groups assigned to a domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_datazone as datazone
from constructs import Construct


@dataclass(frozen=True)
class GroupProfilesProps:
    """``groups``: group name -> IAM Identity Center group id. The name is only the construct id."""

    domain_id: str
    groups: Mapping[str, str]


class GroupProfiles(Construct):
    """One ASSIGNED group profile per IdC group, so the group can sign in to the SMUS portal
    (MANUAL user assignment), own domain units, receive policy grants and join projects.
    """

    def __init__(self, scope: Construct, construct_id: str, props: GroupProfilesProps) -> None:
        super().__init__(scope, construct_id)
        self._profiles: dict[str, datazone.CfnGroupProfile] = {}
        # Each read of attr_id is a round trip to the jsii kernel, and every project member asks.
        self._ids: dict[str, str] = {}
        for name, group_id in props.groups.items():
            self._profiles[name] = datazone.CfnGroupProfile(
                self, name, domain_identifier=props.domain_id, group_identifier=group_id, status="ASSIGNED"
            )

    def group_id(self, name: str) -> str:
        """The DataZone id of a group; referencing it orders users after the profile."""
        group_id = self._ids.get(name)
        if group_id is None:
            group_id = self._ids[name] = self._profiles[name].attr_id
        return group_id
