"""Errors as RFC 9457 problem details (application/problem+json) for the API, as a page for the
console; never a stack trace in a response (the server log keeps unexpected ones)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from datamesh.aws_access import AwsUnavailable, fix_steps
from datamesh.errors import MeshError
from mesh_config.schema_errors import SchemaError, words_for

log = logging.getLogger("datamesh.web")
MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"

# MeshError.kind -> HTTP status.
STATUS: dict[str, int] = {
    "invalid": 422,
    "auth": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "throttled": 429,
    "aws": 502,
    "unavailable": 503,
    # The server has no usable AWS credentials: the service is unavailable until they are fixed.
    # Not 401, which would tell a signed-in user to sign in to the console again.
    "credentials": 503,
    # No answer from AWS within the timeouts (aws_access.py): the server as a gateway timed out.
    "unreachable": 504,
}
# Titles of the problem types that are not an HTTP status's phrase (RFC 9457: the type's summary).
TITLES: dict[str, str] = {
    "auth": "Not signed in",
    "credentials": "AWS credentials unavailable",
    "unreachable": "AWS unreachable",
}
# Problem type URNs that name AWS as what is missing.
TYPES: dict[str, str] = {"credentials": "aws-credentials", "unreachable": "aws-unreachable"}
# Throttling survived botocore's standard retries: ask the client to wait before the next try.
RETRY_AFTER_S = 30


class InvalidParam(BaseModel):
    location: str = Field(description="where: body.comment, query.limit...")
    message: str


class AwsAccess(BaseModel):
    """Why the server cannot act in AWS for an environment, and how to fix it."""

    environment: str
    profile: str | None = Field(description="the AWS profile the server runs with; null: the default chain")
    role: str | None = Field(description="the management role assumed from it; null: the profile's own credentials")
    failure: str = Field(
        description="no-credentials | unknown-profile | expired | invalid-credentials | assume-role | unreachable"
    )
    fix: list[str] = Field(description="what to do, in order")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="a URI naming the kind of problem (urn:datamesh:problem:<kind>)")
    title: str
    status: int
    detail: str = Field(description="what went wrong and what to do, in one line")
    instance: str = Field(description="the request path")
    errors: list[InvalidParam] | None = Field(None, description="each invalid parameter, for 422")
    aws: AwsAccess | None = Field(None, description="for aws-credentials and aws-unreachable: what failed, the fix")


# Renders a problem for the console: (request, problem) -> HTML response.
PageRenderer = Callable[[Request, Problem], Response]


def in_our_words(error: dict[str, Any]) -> str:
    """A request's validation error as the config loader words it, never pydantic's own text."""
    found = SchemaError(error["type"], tuple(error["loc"]), error.get("input"), None, dict(error.get("ctx") or {}))
    problem, fix = words_for(found, str(error.get("msg", "")))
    return f"{problem}; {fix}"


def problem(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    errors: list[InvalidParam] | None = None,
    aws: AwsAccess | None = None,
) -> Problem:
    return Problem(
        type=f"urn:datamesh:problem:{TYPES.get(kind, kind.replace('_', '-'))}",
        title=TITLES.get(kind, HTTPStatus(status).phrase),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        aws=aws,
    )


def aws_access(request: Request, error: AwsUnavailable) -> AwsAccess | None:
    """Who the server acted as in the request's environment, and the fix for ``error``."""
    env = request.path_params.get("env")
    environments = request.app.state.environments
    if env not in environments.names:
        return None
    acting = environments.acting_as(env)
    steps = fix_steps(error.failure, acting)
    return AwsAccess(environment=env, profile=acting.profile, role=acting.role, failure=error.failure, fix=steps)


def of_error(request: Request, error: MeshError) -> Problem:
    status = STATUS.get(error.kind, 422)
    access = aws_access(request, error) if isinstance(error, AwsUnavailable) else None
    return problem(request, status, error.kind, str(error), aws=access)


def respond(request: Request, found: Problem, render_page: PageRenderer) -> Response:
    """The API answers problem+json, the console a page."""
    headers = {"Retry-After": str(RETRY_AFTER_S)} if found.status == 429 else None
    if not request.url.path.startswith(API_PREFIX):
        response = render_page(request, found)
        if headers:
            response.headers.update(headers)
        return response
    body = found.model_dump(exclude_none=True)
    if found.aws is not None:
        body["aws"] = found.aws.model_dump()  # a null profile or role says something: kept
    return JSONResponse(body, status_code=found.status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI, render_page: PageRenderer) -> None:
    """Exception handlers for every failure."""

    async def mesh_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, MeshError)
        return respond(request, of_error(request, error), render_page)

    async def invalid_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        params = [
            InvalidParam(location=".".join(str(part) for part in e["loc"]), message=in_our_words(e))
            for e in error.errors()
        ]
        detail = "; ".join(f"{p.location}: {p.message}" for p in params)
        return respond(request, problem(request, 422, "invalid", detail, params), render_page)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).description
        if error.status_code == 404 and detail == "Not Found":
            detail = f"no such resource: {request.url.path} (the API's resources are listed at /docs)"
        kind = {404: "not_found", 405: "invalid", 413: "too_large"}.get(error.status_code, "invalid")
        return respond(request, problem(request, error.status_code, kind, detail), render_page)

    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        detail = "an unexpected error; the server's log has the details"
        return respond(request, problem(request, 500, "internal", detail), render_page)

    handlers: dict[Any, Any] = {
        MeshError: mesh_error,
        RequestValidationError: invalid_request,
        HTTPException: http_error,
        Exception: unexpected,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
