"""Whether the management application can act in AWS at all: how long it waits for AWS, and what it
says when it cannot (no usable credentials, or no answer), apart from what AWS answered.

A credentials problem names the profile or role that failed and the command that fixes it; it is
never "not signed in": the console's own sign-in has nothing to do with AWS's.

Timeouts and retries (botocore `Config`). botocore's defaults are a 60 s connect and read timeout
and, in legacy mode, 5 attempts: an unreachable AWS held a console page 15 to 40 s and a CLI
command minutes. Chosen here:
- connect_timeout 1.5 s everywhere: a TCP connect to an AWS endpoint takes well under 100 ms from
  anywhere, and a lost SYN is sent again after 1 s (Linux's initial retransmission timeout), so one
  lost packet still connects in time; beyond that the network, VPN or proxy is the problem, and
  waiting longer does not help. (2 s left too little room: two attempts, plus making the clients
  on a loaded machine, came to 5.7 s.)
- the console: read_timeout 5 s (a DataZone list or search answers in well under a second; 5 s
  tolerates a slow one) and 2 attempts in standard mode (one retry: a lost connection or a single
  throttle is absorbed, then the page says so). Standard mode waits at most 50 ms before retrying a
  transient error (botocore 1.44, `retries/standard.py`, ExponentialBackoff: 1 s scale for
  throttling, 50 ms otherwise), so an unreachable endpoint answers within 1.5 + 0.05 + 1.5 s, plus
  making the clients (measured: 3.2 to 3.4 s a page under a load average of 5 on 2 cores); a
  reached endpoint that never answers costs at most 2 x 5 s.
- the CLI: botocore's read timeout, and 10 attempts in standard mode, since bulk commands meet
  throttling and nobody waits on a page; an unreachable AWS then fails a command after 10 x 1.5 s
  plus backoffs of at most 25 s (about half that on average), instead of minutes.
The same config is the botocore session's default, so the clients botocore makes for itself while
resolving credentials (SSO's GetRoleCredentials, a profile's AssumeRole) are bounded too
(botocore `Session.create_client` merges the session default into every client's config).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from datamesh.errors import MeshError

CONNECT_TIMEOUT_S = 1.5
CONSOLE_READ_TIMEOUT_S = 5
CONSOLE_ATTEMPTS = 2
CONSOLE_CONFIG = Config(
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=CONSOLE_READ_TIMEOUT_S,
    retries={"mode": "standard", "total_max_attempts": CONSOLE_ATTEMPTS},
)
CLI_CONFIG = Config(connect_timeout=CONNECT_TIMEOUT_S, retries={"mode": "standard", "max_attempts": 10})

EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
INVALID = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidSignatureException"}
)


class Failure(StrEnum):
    NO_CREDENTIALS = "no-credentials"  # none found in the profile, the environment or the instance
    UNKNOWN_PROFILE = "unknown-profile"
    EXPIRED = "expired"  # the SSO session or the session credentials ran out
    INVALID = "invalid-credentials"  # AWS does not know the access key
    ASSUME_ROLE = "assume-role"  # the profile's identity may not assume the management role
    UNREACHABLE = "unreachable"  # no answer from AWS within the timeouts


class AwsUnavailable(MeshError):
    """The application cannot act in AWS: kind ``credentials`` or ``unreachable``."""

    def __init__(self, message: str, failure: Failure) -> None:
        super().__init__(message, "unreachable" if failure is Failure.UNREACHABLE else "credentials")
        self.failure = failure


def unavailable(error: Exception, doing: str) -> AwsUnavailable | None:
    """The credentials or reachability problem ``error`` is, None for any other error."""
    if isinstance(error, AwsUnavailable):
        return error
    if isinstance(error, ProfileNotFound):
        return AwsUnavailable(f"{doing}: {error}", Failure.UNKNOWN_PROFILE)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return AwsUnavailable(f"{doing}: no AWS credentials were found", Failure.NO_CREDENTIALS)
    if isinstance(error, TokenRetrievalError | SSOTokenLoadError | UnauthorizedSSOTokenError | SSOError):
        return AwsUnavailable(f"{doing}: the AWS SSO session expired or was never started", Failure.EXPIRED)
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in EXPIRED:
            return AwsUnavailable(f"{doing}: the AWS session credentials expired", Failure.EXPIRED)
        if code in INVALID:
            return AwsUnavailable(f"{doing}: AWS does not accept the credentials ({code})", Failure.INVALID)
        return None
    if isinstance(error, ConnectionError | HTTPClientError):
        # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError...: botocore names the endpoint.
        return AwsUnavailable(f"{doing}: AWS did not answer: {error}", Failure.UNREACHABLE)
    return None


def assume_role_refused(error: Exception, role_arn: str) -> AwsUnavailable | None:
    """An AssumeRole the caller's identity may not make: a credentials problem too (the page shows
    the role), not "access denied" to what the page reads."""
    denied = ("AccessDenied", "AccessDeniedException")
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in denied:
        message = error.response["Error"].get("Message", "")
        return AwsUnavailable(f"assuming {role_arn}: refused: {message}", Failure.ASSUME_ROLE)
    return None


def check_profile(profile: str | None) -> None:
    """Refuses a profile no AWS config file defines, at start rather than on every page."""
    if profile is None:
        return
    session = botocore.session.Session()
    known = session.available_profiles
    if profile not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise MeshError(
            f"AWS profile '{profile}' is not defined in {session.get_config_variable('config_file')} or "
            f"{session.get_config_variable('credentials_file')} (defined: {listed}): "
            f"create it with 'aws configure sso --profile {profile}', or pick one of those"
        )


@dataclass(frozen=True)
class ActingAs:
    """Who the application acts as in one environment."""

    environment: str
    profile: str | None  # None: the default credential chain (AWS_PROFILE, environment variables...)
    role: str | None  # the management role assumed from the profile's identity, if any


def fix_steps(failure: Failure, acting: ActingAs) -> list[str]:
    """What to do, in order; the commands in `backquotes`, as the user types them."""
    profile = acting.profile or "<profile>"
    serve = f"`datamesh --profile {profile} serve`"
    if failure is Failure.UNREACHABLE:
        return [
            "check the network, VPN or proxy (HTTPS_PROXY) between this machine and AWS",
            "reload the page: it reads AWS again as soon as AWS answers",
        ]
    if failure is Failure.UNKNOWN_PROFILE:
        return ["list the profiles: `aws configure list-profiles`", f"restart with one of them: {serve}"]
    if failure is Failure.ASSUME_ROLE:
        who = f"`aws sts get-caller-identity{f' --profile {acting.profile}' if acting.profile else ''}`"
        return [
            f"see who you are in AWS: {who}",
            f"{acting.role} trusts only the principals in 'management.principals' of environment "
            f"{acting.environment}: use a profile with one of those roles",
            f"or act with the profile's own credentials: `datamesh --profile {profile} --no-assume serve`",
        ]
    if failure is Failure.INVALID:
        return [
            f"check the profile's keys: `aws sts get-caller-identity --profile {profile}`",
            f"fix them, then restart: {serve}",
        ]
    if acting.profile is None:
        # No profile given: the default chain found nothing usable.
        return [
            "sign in with your AWS profile: `aws sso login --profile <profile>`",
            f"restart the console with it: {serve}",
        ]
    return [
        f"sign in again: `aws sso login --profile {acting.profile}`",
        f"reload the page (credentials from environment variables need a restart: {serve})",
    ]
