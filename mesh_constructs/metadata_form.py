"""A DataZone metadata form type, its Smithy model generated from typed fields.

A custom resource, not ``AWS::DataZone::FormType``: CreateFormType needs a caller who is a member
of the owning project, and the CloudFormation execution role is not (MDAA's create_form_type
handler documents the 403 it got). The handler identity owns the project instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler
from mesh_constructs.form_model import MAX_MODEL_LENGTH, FormFieldSpec, form_model

FORM_TYPE_ACTIONS = ("datazone:CreateFormType", "datazone:DeleteFormType", "datazone:GetDomain", "datazone:GetFormType")


@dataclass(frozen=True)
class MetadataFormProps:
    """``removal_policy`` @default RETAIN: assets carry the form's values."""

    domain_id: str
    owning_project_id: str
    name: str
    fields: Sequence[FormFieldSpec]
    handler: DataZoneHandler
    description: str = ""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


class MetadataForm(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: MetadataFormProps) -> None:
        super().__init__(scope, construct_id)
        model = form_model(props.name, props.fields)
        # Glossary ids are still tokens here; their placeholders are about as long as the ids.
        if len(model) > MAX_MODEL_LENGTH:
            raise ValueError(f"form {props.name}: the model is {len(model)} characters, over {MAX_MODEL_LENGTH}")
        self.model = model
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneFormType",
            {
                "DomainId": props.domain_id,
                "OwningProjectId": props.owning_project_id,
                "Name": props.name,
                "Description": props.description,
                "Model": model,
            },
            props.removal_policy,
        )
        self.revision: str = self.resource.get_att_string("Revision")
