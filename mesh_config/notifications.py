"""Who is told what in one environment (<env>.yaml `notifications`): the operators who get the
monitoring alarms, the people behind the mesh's Identity Center groups who get DataZone's
subscription and data-source notifications, and the QA list told when the pipeline has deployed
and smoke-tested the environment. Optional: without the section the environment has no
monitoring stack, as before.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import Email, Slug, _format

SnsTopicArn = _format(
    r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
    "an SNS topic ARN (e.g. arn:aws:sns:eu-west-1:123456789012:ops-chat)",
)
HttpsUrl = _format(r"^https://[^\s/$.?#][^\s]*$", "an https:// URL (e.g. a paging tool's SNS integration URL)")
# Project keys are <domain unit>-<use case>, the projects' identity in mesh.yaml.
ProjectKey = _format(r"^[a-z0-9][a-z0-9-]*$", "a project key <domain unit>-<use case> (e.g. finance-reporting)")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlarmRecipients(_Model):
    """Where the environment's alarms go: all of them reach the environment's alarm topic
    (<org>-<env>-mesh-alarms), which these subscribe to."""

    emails: list[Email] = Field(
        default_factory=list,
        description="e-mail addresses subscribed to the alarm topic (each confirms once, from the mail SNS sends)",
        examples=[["data-platform-oncall@acme.example"]],
    )
    https_endpoints: list[HttpsUrl] = Field(
        default_factory=list,
        description=(
            "HTTPS subscriptions for paging tools that take SNS notifications (PagerDuty, Opsgenie: their "
            "integration URL); SNS confirms them by a request to the URL"
        ),
        examples=[["https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"]],
    )
    topic_arns: list[SnsTopicArn] = Field(
        default_factory=list,
        description=(
            "existing SNS topics that also receive every alarm and monitored event, e.g. the topic an AWS Chatbot "
            "(Amazon Q Developer in chat applications) channel listens to; their policy and key must let "
            "cloudwatch.amazonaws.com and events.amazonaws.com publish (docs/monitoring.md)"
        ),
        examples=[["arn:aws:sns:eu-west-1:123456789012:ops-chat"]],
    )

    def empty(self) -> bool:
        return not (self.emails or self.https_endpoints or self.topic_arns)


class Notifications(_Model):
    alarms: AlarmRecipients = Field(
        default_factory=AlarmRecipients,
        description=(
            "recipients of the monitoring alarms: failed custom-resource handlers, failed data-source runs and "
            "subscription grants, Lake Formation access denials, failed pipeline stages"
        ),
    )
    groups: dict[Slug, list[Email]] = Field(
        default_factory=dict,
        description=(
            "Identity Center group (a name under mesh.yaml identity_center.groups) -> the e-mail addresses of its "
            "people: a subscription request to a project notifies its owner groups, a decision notifies the "
            "requesting project's owner groups, a failed data-source run the producing project's owners"
        ),
        examples=[{"finance-owners": ["finance-data-owners@acme.example"]}],
    )
    project_topics: dict[ProjectKey, SnsTopicArn] = Field(
        default_factory=dict,
        description=(
            "project key <unit>-<use case> -> an SNS topic of that team's own, told of the project's DataZone "
            "events in addition to (or instead of) its owner groups' e-mail"
        ),
        examples=[{"finance-reporting": "arn:aws:sns:eu-west-1:123456789012:finance-reporting-team"}],
    )
    deployed: list[Email] = Field(
        default_factory=list,
        description=(
            "told when the pipeline has deployed this environment and its smoke test passed (e.g. the QA team "
            "when staging is ready); only for environments the pipeline deploys"
        ),
        examples=[["qa-team@acme.example"]],
    )
