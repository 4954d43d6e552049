"""Every item of a paginated DataZone operation (boto3 paginators, the operation's maximum page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datamesh.errors import from_aws

PAGE_SIZE = 50
LIMIT_KEYS = ("maxResults", "MaxResults")


def page_size(client: Any, operation: str) -> int:
    """The largest page ``operation`` accepts, at most PAGE_SIZE.

    Most DataZone List/Search operations take 50, but ListPolicyGrants and ListDomainUnitsForParent
    take 25 (maxResults range in the service model). botocore checks only the minimum of a range, so
    a larger page would leave the client and be refused by the service with a ValidationException.
    """
    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
    members = model.input_shape.members if model.input_shape is not None else {}
    for key in LIMIT_KEYS:
        if key in members:
            return min(PAGE_SIZE, int(members[key].metadata.get("max", PAGE_SIZE)))
    return PAGE_SIZE


def items(client: Any, operation: str, doing: str, key: str = "items", **kwargs: Any) -> Iterator[dict[str, Any]]:
    try:
        config = {"PageSize": page_size(client, operation)}
        pages = client.get_paginator(operation).paginate(PaginationConfig=config, **kwargs)
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
