"""Accepts the AWS RAM invitations of an account's Lake Formation shares (outside one organization)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler


@dataclass(frozen=True)
class RamInvitationsProps:
    """``handler``: a handler of module ``ram_invitation`` whose role may get and accept invitations."""

    sender_account: str
    handler: DataZoneHandler
    share_prefix: str = "LakeFormation"


class RamInvitations(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: RamInvitationsProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::RamInvitations",
            {"SenderAccountId": props.sender_account, "SharePrefix": props.share_prefix},
            RemovalPolicy.DESTROY,
        )
