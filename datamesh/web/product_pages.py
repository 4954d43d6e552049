"""The console's data-product pages: every product of the domain with its listing, and one
product's assets (linked to their pages), glossary terms and forms. Read only: the YAML's
data_products own what they declare."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from datamesh.services.names import Names
from datamesh.services.products import ProductService
from datamesh.web.environments import Ctx
from datamesh.web.pages import page

router = APIRouter(include_in_schema=False)


@router.get("/env/{env}/products")
def products(request: Request, ctx: Ctx) -> HTMLResponse:
    found = ProductService(ctx).list()
    return page(request, "products.html", ctx, products=found, owners=Names(ctx).projects())


@router.get("/env/{env}/products/{product:path}")
def product(request: Request, ctx: Ctx, product: str) -> HTMLResponse:
    details = ProductService(ctx).show(product)
    return page(request, "product.html", ctx, details=details, owners=Names(ctx).projects())
