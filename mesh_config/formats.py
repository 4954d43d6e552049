"""Every text format the configuration accepts: the pattern, and what it means in words.

Models take their types from here, and the loader explains a mismatch with the words instead
of printing a bare regular expression.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field


def _format(pattern: str, words: str, explain: Callable[[str], str | None] | None = None) -> type[str]:
    PLAIN_WORDS[pattern] = words
    if explain is not None:
        EXPLAINED[pattern] = explain
    return Annotated[str, Field(pattern=pattern, description=words)]  # type: ignore[return-value]


# pattern -> description in words, filled by _format.
PLAIN_WORDS: dict[str, str] = {}
# pattern -> what is wrong with a value that does not match it, for the formats whose mismatch a
# bare "wrong format" would not explain (which segment of a prefix, and why it matters).
EXPLAINED: dict[str, Callable[[str], str | None]] = {}


def location_segment_problem(path: str) -> str | None:
    """Why a '/'-separated key path is not normalised. Glue and Lake Formation keep a location
    string as written, and S3 keeps '.', '..' and '//' as literal key characters, so one folder
    would have several names: finance/../sales/ is a finance table over sales' files, outside the
    overlap rule and with grants of its own."""
    if path.startswith("/"):
        return "it starts with '/': a key prefix is relative to the bucket, and '/x' is another key than 'x'"
    for segment in path.removesuffix("/").split("/") if path else []:
        if segment == "":
            return "it has an empty segment ('//'): S3 keeps it, so it is another key than the path with one '/'"
        if segment == "..":
            return (
                "segment '..' is a relative path that Glue and Lake Formation do not resolve: finance/../sales/ "
                "would be another name for sales/, a table over another table's files"
            )
        if segment == ".":
            return (
                "segment '.' is a relative path that Glue and Lake Formation do not resolve: "
                "a second name of its folder"
            )
    return None


def _s3_uri_problem(value: str) -> str | None:
    key = value.removeprefix("s3://").partition("/")[2]
    if key.startswith("/"):  # s3://bucket//x
        return "it has an empty segment ('//') after the bucket name"
    return location_segment_problem(key)


def _s3_prefix_problem(value: str) -> str | None:
    return location_segment_problem(value) or (
        None if value.endswith("/") else "it does not end with '/' (a table's location is a folder)"
    )


# Also the rule of environment names, which the loader checks before building a file name from one.
SLUG_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
Slug = _format(
    SLUG_PATTERN,
    "lower-case letters and digits in words joined by single hyphens, starting with a letter "
    "(e.g. 'finance', 'customer360', 'sales-ops')",
)
AccountId = _format(r"^\d{12}$", 'a 12-digit AWS account id, quoted (e.g. "123456789012")')
Region = _format(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$", "an AWS region name (e.g. eu-west-1)")
GroupId = _format(
    r"^([0-9a-f]{10}-)?[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$",
    "an IAM Identity Center group id: a UUID, optionally prefixed by the 10-hex identity store id "
    "(e.g. 9067a1b2c3-1a2b3c4d-0001-4a5b-8c9d-0e1f2a3b4c5d; Identity Center console > Groups > Group ID)",
)
VpcId = _format(r"^vpc-[0-9a-f]{8,17}$", "a VPC id (vpc- followed by 8 or 17 hex digits)")
SubnetId = _format(r"^subnet-[0-9a-f]{8,17}$", "a subnet id (subnet- followed by 8 or 17 hex digits)")
IdentityCenterInstanceArn = _format(
    r"^arn:(aws|aws-us-gov|aws-cn):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$",
    "an IAM Identity Center instance ARN (e.g. arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6; "
    "Identity Center console > Settings)",
)
# A key segment that is neither empty nor '.' nor '..' (location_segment_problem), written without
# the look-ahead that JSON Schema validators in editors may not support: it starts with another
# character than '.', or with one '.' and another character, or with '..' and at least one more.
_S3_URI_SEGMENT = r"([^/\s.][^/\s]*|\.[^/\s.][^/\s]*|\.\.[^/\s]+)"
_PREFIX_SEGMENT = r"([a-z0-9_=-][a-z0-9_.=-]*|\.[a-z0-9_=-][a-z0-9_.=-]*|\.\.[a-z0-9_.=-]+)"
S3Uri = _format(
    rf"^s3://[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9](/{_S3_URI_SEGMENT})*/?$",
    "an S3 URI: s3:// and a bucket name, then an optional /prefix of '/'-separated names, none of them empty, "
    "'.' or '..' (e.g. s3://acme-projects/dev)",
    _s3_uri_problem,
)
KmsKeyArn = _format(
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[a-zA-Z0-9-]+$",
    "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias",
)
ApproverPrincipalArn = _format(
    r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/*-]+$",
    "an IAM role or user ARN, '*' allowed in its name (e.g. arn:aws:iam::444444444444:role/aws-reserved/"
    "sso.amazonaws.com/*/AWSReservedSSO_ProdApprover_*)",
)
ConnectionArn = _format(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+$",
    "a CodeConnections connection ARN (Developer Tools console > Settings > Connections)",
)
RepositoryPath = _format(r"^[\w.-]+(/[\w.-]+)+$", "a repository path owner/name (GitLab: group/subgroup/project)")
Email = _format(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an e-mail address")
ParameterName = _format(
    r"^[a-zA-Z_][a-zA-Z0-9_]*$", "a blueprint parameter name: letters, digits and '_', not starting with a digit"
)
# DataZone's form-type name pattern (?![0-9_])\w+ with Java's ASCII \w, without the look-ahead
# that JSON Schema validators in editors may not support. Field names follow it too: they are
# Smithy member names.
FormName = _format(
    r"^[A-Za-z][A-Za-z0-9_]*$",
    "letters, digits and '_', starting with a letter (e.g. DataClassification, contains_pii)",
)
# Glue and Athena fold names to lower case and accept only letters, digits and '_'.
SnakeName = _format(
    r"^[a-z][a-z0-9_]*$", "lower-case letters, digits and '_', starting with a letter (e.g. gl_transactions)"
)
# Segments of lower-case letters, digits and _ . = -, each ending with '/', the first starting with
# a letter or digit: no '.', '..' or empty segment, so that two different strings never name the
# same files (location_segment_problem).
S3Prefix = _format(
    rf"^[a-z0-9][a-z0-9_.=-]*/({_PREFIX_SEGMENT}/)*$",
    "an S3 key prefix: names of lower-case letters, digits and _ . = -, each followed by '/', the first starting "
    "with a letter or digit, none of them empty, '.' or '..' (e.g. finance/gl_transactions/)",
    _s3_prefix_problem,
)
# The AWS::DataZone::DataSource schedule pattern: minute and hour are single numbers, so a data
# source runs at most once a day.
DataSourceCron = _format(
    r"^cron\(([0-5]?[0-9]) (2[0-3]|[0-1]?[0-9]) \S+ \S+ \S+ \S+\)$",
    "cron(<minute> <hour> <day-of-month> <month> <day-of-week> <year>) with a single minute and hour "
    "(DataZone runs a data source at most daily), e.g. cron(0 3 * * ? *)",
)
SchedulerCron = _format(
    r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$",
    "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) (EventBridge Scheduler), "
    "e.g. cron(0 6 * * ? *)",
)
IamRoleName = _format(
    r"^[\w+=,.@-]{1,64}$", "an IAM role name (letters, digits and + = , . @ _ -, at most 64), e.g. logistics-analyst"
)
