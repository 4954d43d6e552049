"""Every item of a paginated DataZone operation (boto3 paginators, DataZone's maximum page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datamesh.errors import from_aws

PAGE_SIZE = 50


def items(client: Any, operation: str, doing: str, key: str = "items", **kwargs: Any) -> Iterator[dict[str, Any]]:
    try:
        pages = client.get_paginator(operation).paginate(PaginationConfig={"PageSize": PAGE_SIZE}, **kwargs)
        for page in pages:
            yield from page.get(key, [])
    except Exception as error:
        raise from_aws(error, doing) from error


def search_results(client: Any, operation: str, item: str, doing: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The ``item`` member of each result of a Search / SearchListings call (results are unions
    such as {"glossaryItem": {...}}; other kinds are skipped)."""
    for result in items(client, operation, doing, **kwargs):
        if item in result:
            yield result[item]


def call(doing: str, fn: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return fn(**kwargs)  # type: ignore[no-any-return]
    except Exception as error:
        raise from_aws(error, doing) from error
