"""Cross-account Lake Formation shares and team grants."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import IamRoleName, Slug, SnakeName


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Principals(_Model):
    """Who receives the grants in one account."""

    projects: list[Slug] = Field(
        default_factory=list,
        description="project keys: their SMUS project user roles (looked up at deploy time) receive the grants",
    )
    roles: list[IamRoleName] = Field(default_factory=list, description="IAM role names in the account")

    def empty(self) -> bool:
        return not (self.projects or self.roles)


class ShareFilter(_Model):
    """What a filtered consumer sees: a Lake Formation data-cells filter per shared table."""

    row_filter: str | None = Field(
        None,
        min_length=1,
        description="a Lake Formation row filter (PartiQL subset), e.g. sample_bucket = 0; none: every row",
    )
    excluded_columns: list[SnakeName] = Field(
        default_factory=list, description="columns removed from what the consumer sees (e.g. the PII ones)"
    )


class PiiOverride(_Model):
    """An explicit, reasoned exception to the PII rule, kept in git history."""

    columns: list[SnakeName] = Field(min_length=1, description="the pii columns shared on purpose")
    reason: str = Field(min_length=20, max_length=1024, description="why this consumer may see them")


class ShareConsumer(_Model):
    environment: Slug = Field(description="the consumer environment (its account receives the share)")
    filter: ShareFilter | None = Field(None, description="none: full access to the shared tables")
    principals: Principals = Field(description="who may query the shared tables in the consumer account")
    pii_override: PiiOverride | None = Field(
        None, description="share pii columns to an environment without production_data: the columns and why"
    )
    accept_ram_invitation: bool = Field(
        False,
        description=(
            "accept the AWS RAM invitation of the share in the consumer account: needed only when the accounts are "
            "not in one AWS Organization with RAM sharing enabled (inside one, shares are accepted automatically)"
        ),
    )


class Share(_Model):
    """Tables of a domain catalog shared from the producer environment's account to consumers'."""

    name: Slug = Field(description="names the share's filters and links, e.g. customers")
    catalog: Slug = Field(description="business unit of the shared catalog")
    producer: Slug = Field(description="environment whose account holds the data (e.g. prod)")
    tables: list[SnakeName] = Field(min_length=1, description="names of the catalog's tables to share")
    consumers: list[ShareConsumer] = Field(min_length=1)


class TeamPermission(StrEnum):
    SELECT = "select"
    INSERT = "insert"
    DELETE = "delete"
    DESCRIBE = "describe"
    ALTER = "alter"
    UPDATE = "update"  # SQL's right, refused by validation: Lake Formation has no UPDATE


class TableGrant(_Model):
    table: SnakeName = Field(description="a table name of one of the environment's catalogs")
    permissions: list[TeamPermission] = Field(min_length=1)
    columns: list[SnakeName] | None = Field(
        None, min_length=1, description="SELECT only these columns (Lake Formation column-level SELECT)"
    )


class Team(_Model):
    """A team's least-privilege grants on catalog tables, in each environment."""

    name: Slug
    groups: list[Slug] = Field(
        default_factory=list,
        description=(
            "IAM Identity Center groups (identity_center.groups): Lake Formation principals through its Identity "
            "Center integration"
        ),
    )
    roles: list[IamRoleName] = Field(default_factory=list, description="IAM role names in each environment's account")
    environments: list[Slug] | None = Field(None, description="where the grants apply; default: every environment")
    grants: list[TableGrant] = Field(min_length=1)

    def exists_in(self, env: str) -> bool:
        return self.environments is None or env in self.environments
