"""Explicit permission to replace or delete a stateful resource (the change plan refuses otherwise)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AllowedKind(StrEnum):
    REPLACE = "replace"
    DELETE = "delete"


class AllowedChange(BaseModel):
    """One reviewed exception, kept in git history with its reason. Remove it once deployed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stack: str = Field(min_length=1, description="stack name", examples=["acme-dev-projects-1"])
    resource: str = Field(
        min_length=1, description="logical id as the plan prints it", examples=["salesanalyticsD81D6479"]
    )
    change: AllowedKind = Field(description="replace or delete")
    reason: str = Field(
        min_length=20,
        max_length=1024,
        description="why losing what it holds is acceptable",
        examples=["Sales analytics moves to the full profile; its notebooks are in git"],
    )
