"""An account's cost budget with its alerts (``AWS::Budgets::Budget``), from an environment's
``budget`` (mesh_config/budget.py says where budgets live and in which currency)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_budgets as budgets
from constructs import Construct

from mesh_config.budget import Budget


@dataclass(frozen=True)
class AccountBudgetProps:
    """``name``: unique in the account. ``budget``: amount, currency, period, thresholds, recipients."""

    name: str
    budget: Budget


class AccountBudget(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: AccountBudgetProps) -> None:
        super().__init__(scope, construct_id)
        budget = props.budget
        subscribers = [
            budgets.CfnBudget.SubscriberProperty(address=email, subscription_type="EMAIL")
            for email in budget.recipients.emails
        ]
        if budget.recipients.sns_topic_arn is not None:
            subscribers.append(
                budgets.CfnBudget.SubscriberProperty(address=budget.recipients.sns_topic_arn, subscription_type="SNS")
            )
        self.budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=props.name,
                budget_type="COST",
                time_unit=budget.period.value.upper(),
                budget_limit=budgets.CfnBudget.SpendProperty(amount=budget.amount, unit=budget.currency),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        comparison_operator="GREATER_THAN",
                        notification_type=threshold.spend.value.upper(),
                        threshold=threshold.percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for threshold in budget.thresholds
            ],
        )
