"""cdk-nag 3 acknowledgments: each finding id named exactly, each with its reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, reason: str, *finding_ids: str) -> None:
    Validations.of(construct).acknowledge(*(Acknowledgment(id=f, reason=reason) for f in finding_ids))
