"""AWS and input errors as one line a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException", "Throttling"})
UNAVAILABLE = frozenset(
    {"InternalServerException", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException"}
)


class MeshError(Exception):
    """A failure the caller can explain: ``kind`` classifies it, and the REST API maps it to a status
    (invalid 422, auth 401: not signed in to the console, forbidden 403, not_found 404, conflict 409,
    throttled 429, aws 502: another error AWS answered, unavailable and credentials 503: no usable
    AWS credentials, unreachable 504: no answer from AWS; aws_access.py)."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


class NotFound(MeshError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "not_found")


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest candidate, or nothing."""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def id(self) -> str: ...


N = TypeVar("N", bound=Named)


def by_name_or_id(name: str, found: Iterable[N], kind: str, env: str, declared: Iterable[str] = ()) -> N:
    """The item named ``name`` (its name or id) among ``found``, else NotFound with the closest
    name among those found and the ones the mesh declares."""
    items = list(found)
    for item in items:
        if name in (item.name, item.id):
            return item
    hint = did_you_mean(name, [*(i.name for i in items), *declared])
    raise NotFound(f"no {kind} '{name}' in {env}{hint}")


def from_aws(error: Exception, doing: str) -> MeshError:
    """One line for a botocore error raised while ``doing`` something."""
    # Imported here: aws_access builds on MeshError.
    from datamesh.aws_access import unavailable

    if isinstance(error, MeshError):
        return error  # already explained (an assumed role's refresh failing inside botocore, say)
    if (cannot := unavailable(error, doing)) is not None:
        return cannot
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        code, message = err.get("Code", "Unknown"), err.get("Message", str(error))
        if code in ("AccessDeniedException", "AccessDenied"):
            return MeshError(f"{doing}: access denied: {message}", "forbidden")
        if code in THROTTLED:
            return MeshError(f"{doing}: AWS throttled the requests even after retries; try again shortly", "throttled")
        if code == "ResourceNotFoundException":
            return NotFound(f"{doing}: not found: {message}")
        if code == "ConflictException":
            return MeshError(f"{doing}: conflict: {message}", "conflict")
        if code == "ValidationException":
            return MeshError(f"{doing}: {message}")
        if code in UNAVAILABLE:
            return MeshError(f"{doing}: AWS is unavailable ({code}); try again shortly", "unavailable")
        return MeshError(f"{doing}: {code}: {message}", "aws")
    if isinstance(error, BotoCoreError):
        return MeshError(f"{doing}: {error}", "unavailable")
    return MeshError(f"{doing}: {error}")
