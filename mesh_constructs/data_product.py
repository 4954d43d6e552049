"""A DataZone data product over published assets of one project, published as one listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.data_source_runs import CuratedForm, TermId, form_property, term_property
from mesh_constructs.datazone_handler import DataZoneHandler

# Actions the data-product handler calls (mesh_constructs/handlers/data_product.py).
DATA_PRODUCT_ACTIONS = (
    "datazone:CreateDataProduct",
    "datazone:CreateDataProductRevision",
    "datazone:CreateListingChangeSet",
    "datazone:DeleteDataProduct",
    "datazone:GetDataProduct",
    "datazone:GetDomain",
    "datazone:Search",
    "datazone:SearchListings",
)


@dataclass(frozen=True)
class DataProductProps:
    """``assets``: asset names in the inventory of ``project_id``, which the handler's identity
    must own (the caller orders it, and the run that publishes the assets, before this).
    ``fingerprint`` @default "": changes when a form or glossary the product uses changes (weak
    references, mesh_config.fingerprints). Removal unpublishes and deletes the product."""

    domain_id: str
    project_id: str
    name: str
    assets: Sequence[str]
    handler: DataZoneHandler
    description: str = ""
    terms: Sequence[TermId] = ()
    forms: Sequence[CuratedForm] = ()
    fingerprint: str = ""


class DataProduct(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DataProductProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneDataProduct",
            {
                "DomainId": props.domain_id,
                "ProjectId": props.project_id,
                "Name": props.name,
                **({"Description": props.description} if props.description else {}),
                **({"Fingerprint": props.fingerprint} if props.fingerprint else {}),
                "Assets": list(props.assets),
                "Terms": [term_property(t) for t in props.terms],
                "Forms": [form_property(f) for f in props.forms],
            },
            RemovalPolicy.DESTROY,
        )
        self.data_product_id: str = self.resource.get_att_string("DataProductId")
