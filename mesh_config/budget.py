"""An environment's cost budget (environments/<name>.yaml `budget`): an AWS Budgets cost budget in
the environment's own account, with e-mail and SNS alerts at thresholds of actual or forecasted
spend.

Where: each account holds its own budget. AWS Budgets lets member accounts of an organisation
create budgets ("By default, single accounts, the management account, and member accounts in an
organization can create budgets", AWS Cost Management user guide, "Creating a budget"), so the
budget deploys with the environment's other stacks, needs nothing of the management account, is
visible to the account's own team, and follows the account if it moves. A management-account budget
with a LinkedAccount filter would tie every environment's alerting to the organisation stack and to
people who can see the payer's billing.

Currency: the API takes any string as the unit (``Spend.Unit``), but a cost budget is evaluated in
the currency AWS bills the account in: USD, unless the payer account has set a preferred payment
currency, whose three-letter code the budget must then use. The list below is the currencies AWS
documents for a preferred payment currency; whether a given one is accepted is decided by the
account's billing settings at deployment, not here.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import Email, _format


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# AWS Budgets: at most five notifications per budget, each with at most one SNS topic and ten
# e-mail subscribers (CreateBudget, NotificationsWithSubscribers).
MAX_NOTIFICATIONS = 5
MAX_EMAILS = 10
# The threshold of a PERCENTAGE notification: AWS Budgets accepts 0 to 1000 (a forecast of ten times
# the budget is still worth an alert); 0 itself would alert on any spend at all, so it is refused.
MAX_PERCENT = 1000

# The currencies AWS documents as a preferred payment currency (Billing user guide, "Changing which
# currency you use to pay your bill"); USD is the default of every account.
CURRENCIES = (
    "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "HKD", "INR", "JPY", "KRW", "NOK", "NZD",
    "SEK", "SGD", "USD", "ZAR",
)  # fmt: skip
Currency = _format(r"^[A-Z]{3}$", 'a three-letter currency code in capitals (e.g. "EUR", "USD")')
SnsTopicArn = _format(
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
    "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
)


class Period(StrEnum):
    """How often the budget resets (the budget's TimeUnit)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


class SpendKind(StrEnum):
    """What a threshold compares: the spend so far, or AWS's forecast for the whole period."""

    ACTUAL = "actual"
    FORECASTED = "forecasted"


class Threshold(_Model):
    percent: float = Field(
        gt=0, le=MAX_PERCENT, description="percent of the budgeted amount (more than 0, at most 1000)", examples=[80]
    )
    spend: SpendKind = Field(SpendKind.ACTUAL, description="actual or forecasted spend")


def _default_thresholds() -> list[Threshold]:
    # A warning, the limit reached, and the forecast going over: what most teams set first.
    return [
        Threshold(percent=80),
        Threshold(percent=100),
        Threshold(percent=100, spend=SpendKind.FORECASTED),
    ]


class Recipients(_Model):
    emails: list[Email] = Field(
        default_factory=list,
        description="addresses alerted at every threshold (at most 10)",
        examples=[["data-platform-finops@acme.example"]],
    )
    sns_topic_arn: SnsTopicArn | None = Field(
        None,
        description=(
            "an SNS topic alerted at every threshold (chat or paging tools subscribe to it); its access policy must "
            "let budgets.amazonaws.com publish"
        ),
    )

    def empty(self) -> bool:
        return not self.emails and self.sns_topic_arn is None


class Budget(_Model):
    # Not infinite: AWS Budgets takes a decimal amount, .inf in YAML would fail at deploy time.
    amount: float = Field(gt=0, allow_inf_nan=False, description="the budgeted cost per period", examples=[5000])
    currency: Currency = Field(
        "USD",
        description=(
            "the currency of amount: USD unless the payer account's preferred payment currency is another one, "
            "which the budget must then use"
        ),
        examples=["EUR"],
    )
    period: Period = Field(Period.MONTHLY, description="how often the budget resets")
    thresholds: list[Threshold] = Field(
        default_factory=_default_thresholds,
        description=(
            "when to alert (at most 5) @default 80 and 100 percent of actual spend, 100 percent of forecasted spend"
        ),
    )
    recipients: Recipients = Field(
        default_factory=Recipients, description="who is alerted: at least one e-mail address or an SNS topic"
    )
