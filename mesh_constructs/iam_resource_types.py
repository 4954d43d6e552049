"""Which DataZone actions IAM can scope to a domain, and which it cannot.

The Service Authorization Reference lists the ``domain`` resource type for only a few DataZone
actions. For every other action IAM evaluates the request against ``*``: a statement whose only
resource is the domain ARN does not allow it, and the deploy succeeds while each call is refused
(AccessDenied). So a DataZone statement is split by the action's resource type, not written once
for the domain.

The table is checked in rather than read at synth (constructs read no files): it holds every
DataZone action the mesh allows, as cfn-lint 1.58.0 bundles the reference in
``cfnlint/data/AdditionalSpecs/Policies.json`` (its maintenance task downloads the reference's
machine-readable form, https://servicereference.us-east-1.amazonaws.com).
tests/test_iam_resource_types.py compares the table with that file for every entry and checks
that every DataZone action in the synthesized templates is in it; on drift it prints the table
to paste here.

No CDK here: this is data, importable by any layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

DOMAIN = "domain"

# action -> its IAM resource type ("domain"), or None when the reference lists none ('*' only).
DATAZONE_RESOURCE_TYPES: Mapping[str, str | None] = MappingProxyType(
    {
        "datazone:AcceptSubscriptionRequest": None,
        "datazone:CreateAssetRevision": None,
        "datazone:CreateDataProduct": None,
        "datazone:CreateDataProductRevision": None,
        "datazone:CreateFormType": None,
        "datazone:CreateGlossary": None,
        "datazone:CreateGlossaryTerm": None,
        "datazone:CreateListingChangeSet": None,
        "datazone:CreateRule": None,
        "datazone:CreateSubscriptionRequest": None,
        "datazone:DeleteDataProduct": None,
        "datazone:DeleteFormType": None,
        "datazone:DeleteGlossary": None,
        "datazone:DeleteGlossaryTerm": None,
        "datazone:DeleteRule": None,
        "datazone:GetAsset": None,
        "datazone:GetDataProduct": None,
        "datazone:GetDataSource": None,
        "datazone:GetDataSourceRun": None,
        "datazone:GetDomain": DOMAIN,
        "datazone:GetEnvironment": None,
        "datazone:GetFormType": None,
        "datazone:GetGlossary": None,
        "datazone:GetGroupProfile": None,
        "datazone:GetProject": None,
        "datazone:GetProjectProfile": None,
        "datazone:GetRule": None,
        "datazone:GetSubscription": None,
        "datazone:GetSubscriptionRequestDetails": None,
        "datazone:GetUserProfile": None,
        "datazone:ListConnections": None,
        "datazone:ListDomainUnitsForParent": None,
        "datazone:ListEnvironments": None,
        "datazone:ListProjectMemberships": None,
        "datazone:ListProjects": None,
        "datazone:ListRules": None,
        "datazone:ListSubscriptionGrants": None,
        "datazone:ListSubscriptionRequests": None,
        "datazone:ListSubscriptions": None,
        "datazone:PostLineageEvent": None,
        "datazone:RejectSubscriptionRequest": None,
        "datazone:RevokeSubscription": None,
        "datazone:Search": None,
        "datazone:SearchListings": None,
        "datazone:StartDataSourceRun": None,
        "datazone:UpdateGlossary": None,
        "datazone:UpdateGlossaryTerm": None,
        "datazone:UpdateRule": None,
    }
)


def split_datazone_actions(actions: Iterable[str]) -> tuple[list[str], list[str]]:
    """(actions IAM scopes to a domain ARN, actions it evaluates against '*'), each sorted.

    An action missing from the table is refused rather than guessed: a guess of "domain" is the
    AccessDenied this module exists to prevent."""
    actions = set(actions)
    unknown = sorted(a for a in actions if a not in DATAZONE_RESOURCE_TYPES)
    if unknown:
        raise ValueError(
            f"no IAM resource type recorded for {', '.join(unknown)}: add them to DATAZONE_RESOURCE_TYPES in "
            "mesh_constructs/iam_resource_types.py (tests/test_iam_resource_types.py prints the entries from "
            "cfn-lint's copy of the Service Authorization Reference)"
        )
    on_domain = sorted(a for a in actions if DATAZONE_RESOURCE_TYPES[a] == DOMAIN)
    unscoped = sorted(a for a in actions if DATAZONE_RESOURCE_TYPES[a] is None)
    return on_domain, unscoped
