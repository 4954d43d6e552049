"""Which property changes replace a resource: the CloudFormation provider schemas' createOnlyProperties,
as cfn-lint ships them, and the documented behaviour of the mesh's own custom resources."""

from __future__ import annotations

from functools import cache

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

# The mesh's custom resources have no provider schema. Their handlers create a new resource (a new
# physical id, so CloudFormation deletes the old one) when these properties change (see each
# handler's docstring in mesh_constructs/handlers/); anything else is updated in place.
CUSTOM_CREATE_ONLY: dict[str, tuple[str, ...]] = {
    "Custom::DataZoneGlossary": ("DomainId",),
    "Custom::DataZoneFormType": ("DomainId", "Name"),
    "Custom::DataZoneSubscription": ("DomainId", "ConsumerProjectId", "ProducerProjectId", "AssetName"),
    "Custom::DataZoneMetadataRule": ("DomainId", "DomainUnitId", "Action"),
}


@cache
def create_only_paths(resource_type: str, region: str = "eu-west-1") -> tuple[tuple[str, ...], ...]:
    """Property paths (e.g. ('TableInput', 'Name')) whose change replaces a resource of this type."""
    if resource_type.startswith("Custom::") or resource_type.startswith("AWS::CloudFormation::CustomResource"):
        return tuple((p,) for p in CUSTOM_CREATE_ONLY.get(resource_type, ()))
    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except Exception:  # an unknown type: cfn-lint already fails the build on it
        return ()
    return tuple(tuple(p.removeprefix("/properties/").split("/")) for p in schema.get("createOnlyProperties", []))
