"""Cursor pagination of the API's lists.

The services read DataZone's own pages to the end (boto3 paginators); the API hands the result
out in pages behind an opaque cursor, so clients never depend on how a page is made and a later
version may carry DataZone's nextToken in it instead.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from datamesh.errors import MeshError

T = TypeVar("T")
PREFIX = "v1:"
MAX_LIMIT = 200

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page; omit for the first page")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="items in the whole list")
    next_cursor: str | None = Field(description="pass as ?cursor= to get the next page; null on the last page")


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{PREFIX}{offset}".encode()).decode()


def decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(PREFIX) and (offset := int(text[len(PREFIX) :])) >= 0:
            return offset
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise MeshError(f"cursor '{cursor}' is not one this API returned: start again without ?cursor=")


def page_of(rows: Sequence[T], cursor: str | None, limit: int) -> Page[T]:
    start = decode(cursor)
    end = start + limit
    return Page[T](items=list(rows[start:end]), total=len(rows), next_cursor=encode(end) if end < len(rows) else None)
