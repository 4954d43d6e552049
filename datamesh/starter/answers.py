"""What `datamesh init` needs to write a mesh: a few answers, their placeholders and their checks.

Every answer has a placeholder that validates, so that an unattended `datamesh init DIR` (CI, scripts)
writes a mesh that synthesizes as written; the next steps name the placeholders left to replace.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from mesh_config.formats import AccountId, IdentityCenterInstanceArn, Region, Slug

DEFAULT_ORG = "acme"
DEFAULT_ENVIRONMENTS = ("dev", "prod")
DEFAULT_REGION = "eu-west-1"
DEFAULT_BUSINESS_UNIT = "sales"
DEFAULT_USE_CASE = "analytics"
# Looks like an instance ARN (and passes its pattern) but names no real instance.
PLACEHOLDER_IDENTITY_CENTER_ARN = "arn:aws:sso:::instance/ssoins-0000000000000000"
PLACEHOLDER_TOOLS_ACCOUNT = "999999999999"
# Environments 1-8: 111111111111 ... 888888888888; later ones 100000000009, 100000000010 ...
_REPEATED_DIGITS = 8


def placeholder_account(position: int) -> str:
    """The placeholder account of the environment at ``position`` (0-based): distinct per environment,
    since validation refuses two environments in one account."""
    if position < _REPEATED_DIGITS:
        return str(position + 1) * 12
    return f"1{position + 1:011d}"


def placeholder_accounts() -> set[str]:
    return {PLACEHOLDER_TOOLS_ACCOUNT, *(placeholder_account(i) for i in range(64))}


@dataclass(frozen=True)
class EnvironmentAnswers:
    name: str
    account: str
    region: str
    identity_center_instance_arn: str


@dataclass(frozen=True)
class Answers:
    org: str
    environments: tuple[EnvironmentAnswers, ...]
    tools_account: str
    business_unit: str
    use_case: str

    @property
    def tools_region(self) -> str:
        """The pipeline's region: the first environment's (the tools account's home, most often)."""
        return self.environments[0].region

    @property
    def first(self) -> EnvironmentAnswers:
        return self.environments[0]

    @property
    def last(self) -> EnvironmentAnswers:
        return self.environments[-1]

    @property
    def project_key(self) -> str:
        return f"{self.business_unit}-{self.use_case}"


# answer kind -> (format, what the answer must look like, in the models' words)
_FORMATS: dict[str, tuple[TypeAdapter[str], str]] = {
    "name": (TypeAdapter(Slug), "lower-case letters and digits in words joined by single hyphens (e.g. 'sales-ops')"),
    "account": (TypeAdapter(AccountId), "a 12-digit AWS account id (e.g. 123456789012)"),
    "region": (TypeAdapter(Region), "an AWS region name (e.g. eu-west-1)"),
    "arn": (
        TypeAdapter(IdentityCenterInstanceArn),
        "an IAM Identity Center instance ARN, arn:aws:sso:::instance/ssoins- and 16 characters "
        "(Identity Center console > Settings > Instance ARN)",
    ),
}


def problem(kind: str, value: str) -> str | None:
    """Why ``value`` is not a valid answer of ``kind`` ('name', 'names', 'account', 'region', 'arn'), or None."""
    if kind == "names":
        names = [n.strip() for n in value.split(",") if n.strip()]
        if not names:
            return "name at least one environment (e.g. dev,prod)"
        return next((why for name in names if (why := problem("name", name))), None)
    adapter, words = _FORMATS[kind]
    try:
        adapter.validate_python(value)
    except ValidationError:
        return f"{value!r} is not {words}"
    return None


def problems(answers: Answers) -> list[str]:
    """Every invalid answer, each naming the option that gives it."""
    found = [
        (option, kind, value)
        for option, kind, value in (
            ("--org", "name", answers.org),
            ("--tools-account", "account", answers.tools_account),
            ("--business-unit", "name", answers.business_unit),
            ("--project", "name", answers.use_case),
        )
    ]
    for env in answers.environments:
        found += [
            ("--environments", "name", env.name),
            (f"--account {env.name}", "account", env.account),
            (f"--region {env.name}", "region", env.region),
            (f"--identity-center-arn {env.name}", "arn", env.identity_center_instance_arn),
        ]
    # Once each: an environment listed twice would repeat its answers' problems.
    messages = list(dict.fromkeys(f"{option}: {why}" for option, kind, value in found if (why := problem(kind, value))))
    names = [env.name for env in answers.environments]
    if not names:
        messages.append("--environments: name at least one environment (e.g. dev,prod)")
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        messages.append(f"--environments: listed more than once: {', '.join(doubles)}")
    return messages
