"""What the server's log may show: never a sign-in secret. Signing in takes a one-time code from
the query (signin.py) and the API token only from a header or a form body, none of which a log
line holds but the query of `/login`; uvicorn's access log writes every query, so that one is
redacted (an old bookmark's `/login?token=...` included) while the app runs."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

ACCESS_LOGGER = "uvicorn.access"
SIGN_IN_QUERY = re.compile(r"(/login)\?[^\s\"]*")


def redact(text: str) -> str:
    return SIGN_IN_QUERY.sub(r"\1?[redacted]", text)


class RedactSignIn(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access formatter unpacks the arguments: keep their number and order.
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


@asynccontextmanager
async def redacted_access_log(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the filter is on uvicorn's access logger while the app is served."""
    logger = logging.getLogger(ACCESS_LOGGER)
    redacting = RedactSignIn()
    logger.addFilter(redacting)
    try:
        yield
    finally:
        logger.removeFilter(redacting)
