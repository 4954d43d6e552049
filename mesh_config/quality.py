"""Data quality of a table: its DQDL rules, when Glue evaluates them, and the score that alarms.

Glue Data Quality evaluates the rules (an AWS::Glue::DataQualityRuleset on the table) on the
schedule, publishes the results to CloudWatch, and the table's DataZone data source imports them,
so the asset shows its measured quality (docs/quality-and-lineage.md).
"""

from __future__ import annotations

from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mesh_config.formats import SchedulerCron

# Glue Data Quality's own limit is the ruleset's length (mesh_config/dqdl.MAX_RULESET); a table
# with more than this many rules is better split by concern.
MAX_RULES = 200


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QualitySchedule(_Model):
    cron: SchedulerCron = Field(
        description="EventBridge Scheduler cron expression, e.g. cron(0 6 * * ? *) (every day at 06:00)"
    )
    timezone: str = Field(
        "UTC", min_length=1, max_length=50, description="IANA time zone of the cron, e.g. Europe/Paris or UTC"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zones = available_timezones()
        # Without a tz database on the machine, EventBridge Scheduler still checks the name at deploy.
        if zones and value not in zones:
            raise ValueError(f"'{value}' is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)")
        return value


class Quality(_Model):
    """``rules`` are DQDL rules, one per item (mesh_config/dqdl.py checks them at synth)."""

    rules: list[str] = Field(
        min_length=1,
        max_length=MAX_RULES,
        description='DQDL rules, one per item, e.g. IsComplete "transaction_id", ColumnValues "amount" > 0',
    )
    schedule: QualitySchedule | None = Field(
        None, description="when Glue evaluates the rules; none: only when someone starts a run"
    )
    min_score: int | None = Field(
        None,
        ge=1,
        le=100,
        description=(
            "percent of rules that must pass: a CloudWatch alarm (to the environment's alarm topic, if any) "
            "when an evaluation scores below it; needs a schedule"
        ),
    )


def ruleset_name(database: str, table: str) -> str:
    """The table's Glue Data Quality ruleset: <database>.<table> (unique in the account, like the
    table; the CloudWatch metrics and the alarm name it)."""
    return f"{database}.{table}"
