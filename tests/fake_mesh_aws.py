"""The bundled mesh as deployed, answered by real boto3 clients: every environment's domain holds
exactly what the YAML declares (units with their owners and the grants of project_creators and
grants, the enabled blueprints and the profiles, projects and their group members, glossaries and
terms with their relations, form types with their Smithy model, the identity_center groups as group
profiles, the catalogs' tables as assets, published ones listed, the data products listed, the
YAML's subscriptions to assets accepted), plus one asset the YAML does not declare
(adhoc_churn_scores) and one pending request (PENDING_REQUEST). Names and values are the ones the
stacks write (mesh_config.naming, the constructs' defaults); ids are derived from the mesh's keys,
except a group profile's, which is the group's Identity Center id. Not modelled: the memberships and
grants of the mesh's own IAM-role identities (handlers, management roles), member-pool grants,
subscriptions to data products.

It hooks the clients where botocore's Stubber does ('before-call'): botocore validates every
request against the service model before it arrives here, and every answer is validated against
the operation's output shape, as Stubber does. Unlike Stubber it answers by operation and
parameters instead of a fixed sequence, so that one fake serves every command (the help examples).
Writes change its state (an accepted request gets a subscription, a revision bumps the asset's).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

from mesh_config import EnvironmentConfig, load_mesh
from mesh_config.blueprints import Blueprint
from mesh_config.data_products import tables_by_asset
from mesh_config.governance import GRANT_POLICY, FieldType, split_term_ref
from mesh_config.mesh import DeploymentMode
from mesh_config.naming import PROJECT_STORAGE_LAYER, approval_action_name, pipeline_name
from mesh_constructs.form_model import FormFieldSpec, FormFieldType, form_model

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADHOC_ASSET = "adhoc_churn_scores"
ADHOC_OWNER = "sales-analytics"
PENDING_REQUEST = "req-pending"
# The pending request: sales-analytics asks finance-reporting for its P&L reports.
PENDING = ("sales-analytics", "finance_pnl_reports_table", "Q3 revenue forecast")
GLUE_FORM = "GlueTableForm"
GLUE_FORM_TYPE = "amazon.datazone.GlueTableFormType"
ASSET_TYPE = "amazon.datazone.GlueTableAssetType"
PARAMS = "fake_mesh_params"
ROOT_UNIT = "unit-root"
DEV_DOMAIN = "dzd-dev"  # each environment's domain id is dzd-<environment>
# Blueprints deployed without regional parameters (mesh_constructs.blueprint_enablement).
NO_REGIONAL_PARAMETERS = {Blueprint.LAKEHOUSE_CATALOG.value}


class AwsError(Exception):
    """An error answer, as the service would send it."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _id(prefix: str, *parts: str) -> str:
    """An id within DataZone's 36 characters of [a-zA-Z0-9_-]."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", "-".join((prefix, *parts)))[:36]


def _hex_id(prefix: str, *parts: str) -> str:
    """An EC2-style id (vpc-/subnet- and 17 hex digits)."""
    return f"{prefix}-{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:17]}"


@dataclass
class Asset:
    name: str
    owner: str  # project key
    columns: list[tuple[str, str]]
    forms: dict[str, dict[str, Any]]
    terms: list[str]  # term ids
    published: bool
    revision: int = 1


@dataclass
class Request:
    id: str
    consumer: str  # project key
    asset: str
    reason: str
    status: str = "PENDING"
    comment: str = ""


@dataclass
class Domain:
    env: EnvironmentConfig
    id: str
    assets: dict[str, Asset] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    subscriptions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (request id, status)


class FakeMeshAws:
    def __init__(self, mesh_dir: str | Path) -> None:
        self.config = load_mesh(mesh_dir)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.problems: list[str] = []  # requests the fake cannot answer, answers the model refuses
        self.approvals: list[dict[str, Any]] = []
        self._clients: dict[str, Any] = {}
        self.domains = {d.id: d for d in (self._domain(env) for env in self.config.environments)}

    # --- the clients -------------------------------------------------------------------------

    def clients(self, profile: str | None = None, role: str | None = None) -> Any:
        """The CLI's and console's client factory: (profile, role) -> (service, region) -> client."""
        return lambda service, region: self.client(service)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            client = boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
            client.meta.events.register("before-parameter-build.*.*", self._remember)
            client.meta.events.register_first("before-call.*.*", self._answer)
            self._clients[service] = client
        return self._clients[service]

    @staticmethod
    def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[PARAMS] = dict(params)

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        service = model.service_model.service_name
        operation = xform_name(model.name)
        params = context.pop(PARAMS, {})
        self.calls.append((service, operation, params))
        handler = getattr(self, f"_{service}_{operation}", None)
        try:
            if handler is None:
                self.problems.append(f"the fake has no answer for {service}.{operation}")
                raise AwsError("FakeHasNoAnswer", f"{service}.{operation} is not answered by tests/fake_mesh_aws.py")
            answer = handler(params)
        except AwsError as error:
            return AWSResponse("https://fake", error.status, {}, None), {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            }
        try:
            validate_parameters(answer, model.output_shape)
        except Exception as error:
            self.problems.append(f"answer to {service}.{operation} refused by the model: {error}")
            raise
        return AWSResponse("https://fake", 200, {}, None), {**answer, "ResponseMetadata": {"HTTPStatusCode": 200}}

    # --- the mesh as deployed ----------------------------------------------------------------

    def _domain(self, env: EnvironmentConfig) -> Domain:
        domain = Domain(env, _id("dzd", env.name))  # DEV_DOMAIN for dev
        for name, (catalog, table) in tables_by_asset(self.config.mesh.catalogs).items():
            if catalog.environments is not None and env.name not in catalog.environments:
                continue
            domain.assets[name] = Asset(
                name,
                table.producer or catalog.owner,
                [(c.name, c.type) for _, _, c in table.all_columns()],
                {form: dict(values) for form, values in table.forms.items()},
                [self._term_id(ref) for ref in table.terms],
                table.published,
            )
        domain.assets[ADHOC_ASSET] = Asset(
            ADHOC_ASSET, ADHOC_OWNER, [("customer_id", "string"), ("churn_score", "double")],
            {"DataQuality": {"quality_score": 80}}, [], False,
        )  # fmt: skip
        for i, subscription in enumerate(self.config.mesh.subscriptions):
            if subscription.exists_in(env.name) and subscription.asset is not None:
                consumer, asset = subscription.consumer, subscription.asset
                request = Request(f"req-{i}", consumer, asset, subscription.reason, "ACCEPTED")
                domain.requests[request.id] = request
                domain.subscriptions[f"sub-{i}"] = (request.id, "APPROVED")
        domain.requests[PENDING_REQUEST] = Request(PENDING_REQUEST, *PENDING)
        return domain

    def _term_id(self, ref: str) -> str:
        scope, _, term = ref.partition("/")
        return _id("trm", scope, term)

    def _env_domain(self, params: dict[str, Any]) -> Domain:
        domain = self.domains.get(params.get("domainIdentifier", ""))
        if domain is None:
            raise AwsError("ResourceNotFoundException", f"domain {params.get('domainIdentifier')} not found", 404)
        return domain

    def _projects(self, domain: Domain) -> dict[str, Any]:
        """Project id -> (key, name, declaration) of the projects deployed in the domain."""
        return {_id("prj", p.key): (p.key, name, p) for name, p in self.config.declared_projects(domain.env).items()}

    def _project(self, domain: Domain, key: str) -> dict[str, Any]:
        project = next(p for p in self.config.mesh.projects if p.key == key)
        return {
            "domainId": domain.id,
            "id": _id("prj", key),
            "name": self.config.project_name(domain.env, project),
            "createdBy": "pipeline",
            "projectStatus": "ACTIVE",
        }

    def _project_id(self, domain: Domain, identifier: str) -> str:
        found = self._projects(domain).get(identifier)
        if found is None:
            raise AwsError("ResourceNotFoundException", f"project {identifier} not found", 404)
        return str(found[0])

    # --- CloudFormation ----------------------------------------------------------------------

    def _cloudformation_describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        for domain in self.domains.values():
            stack = self.config.naming(domain.env).stack("domain")
            if params.get("StackName") == stack:
                outputs = {"DomainId": domain.id, "RootDomainUnitId": ROOT_UNIT}
                outputs["PortalUrl"] = f"https://{domain.id}.sagemaker.{domain.env.region}.on.aws"
                return {
                    "Stacks": [
                        {
                            "StackName": stack,
                            "CreationTime": NOW,
                            "StackStatus": "UPDATE_COMPLETE",
                            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                        }
                    ]
                }
        raise AwsError("ValidationError", f"Stack with id {params.get('StackName')} does not exist")

    # --- DataZone: units, projects, members --------------------------------------------------

    def _datazone_list_domain_units_for_parent(self, params: dict[str, Any]) -> dict[str, Any]:
        self._env_domain(params)
        parent = params["parentDomainUnitIdentifier"]
        units = [
            {"id": _id("unit", u.id), "name": self.config.naming(self._env_domain(params).env).domain_unit(u.id)}
            for u in self.config.mesh.domain_units
            if _id("unit", u.parent or "root") == parent
        ]
        return {"items": units}

    def _datazone_list_projects(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        return {"items": [self._project(domain, key) for key, _, _ in self._projects(domain).values()]}

    def _datazone_get_project(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        key = self._project_id(domain, params["identifier"])
        declared = next(p for p in self.config.mesh.projects if p.key == key)
        profile = _id("pp", declared.profile)
        return {
            **self._project(domain, key),
            "description": declared.description,
            "projectProfileId": profile,
            "domainUnitId": _id("unit", declared.domain_unit),
        }

    def _datazone_get_group_profile(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        groups = {idc: name for name, idc in self.config.mesh.identity_center.groups.items()}
        idc = params["groupIdentifier"]
        if idc not in groups:
            raise AwsError("ResourceNotFoundException", f"group {idc} is not assigned to the domain", 404)
        return {"domainId": domain.id, "id": idc, "groupName": groups[idc], "status": "ASSIGNED"}

    def _datazone_list_project_memberships(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        key = self._project_id(domain, params["projectIdentifier"])
        project = next(p for p in self.config.mesh.projects if p.key == key)
        designations = dict.fromkeys(project.contributors_in(domain.env.name), "PROJECT_CONTRIBUTOR")
        designations.update(dict.fromkeys(project.owners_in(domain.env.name), "PROJECT_OWNER"))
        return {
            "members": [
                {"memberDetails": {"group": {"groupId": self._group_id(group)}}, "designation": designation}
                for group, designation in designations.items()
            ]
        }

    def _datazone_list_environments(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        project = params["projectIdentifier"]
        self._project_id(domain, project)
        environment = {
            "projectId": project,
            "id": _id("env", project),
            "domainId": domain.id,
            "createdBy": "pipeline",
            "name": "Tooling",
            "provider": "Amazon SageMaker",
            "status": "ACTIVE",
        }
        return {"items": [environment]}

    # --- DataZone: the domain, its units, grants, blueprints and profiles (what export reads) --

    def _group_id(self, name: str) -> str:
        """A group profile's id is its Identity Center group id (the GroupProfileId pattern of the
        DataZone API model is Identity Center's group-id format)."""
        return self.config.mesh.identity_center.groups[name]

    def _owners(self, groups: list[str]) -> list[dict[str, Any]]:
        return [{"group": {"groupId": self._group_id(g)}} for g in groups]

    def _datazone_get_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain({"domainIdentifier": params["identifier"]})
        env, declared = domain.env, self.config.mesh.domain
        return {
            "id": domain.id,
            "name": self.config.naming(env).domain(),
            "description": declared.description,
            "arn": f"arn:aws:datazone:{env.region}:{env.account}:domain/{domain.id}",
            "rootDomainUnitId": ROOT_UNIT,
            "domainExecutionRole": f"arn:aws:iam::{env.account}:role/domain-execution",  # CDK-generated name
            "status": "AVAILABLE",
            "domainVersion": "V2",
            "singleSignOn": {
                "type": "IAM_IDC",
                "userAssignment": declared.user_assignment.value,
                "idcInstanceArn": env.identity_center_instance_arn,
            },
            # The domain stack encrypts the domain with a key of its own (mesh_constructs.smus_domain).
            "kmsKeyIdentifier": self._domain_key(domain),
        }

    @staticmethod
    def _domain_key(domain: Domain) -> str:
        return f"arn:aws:kms:{domain.env.region}:{domain.env.account}:key/{_id('key', domain.env.name)}"

    def _unit_of(self, domain: Domain, identifier: str) -> Any:
        """The declared unit with this id, None for the root unit."""
        if identifier == ROOT_UNIT:
            return None
        unit = next((u for u in self.config.mesh.domain_units if _id("unit", u.id) == identifier), None)
        if unit is None:
            raise AwsError("ResourceNotFoundException", f"domain unit {identifier} not found", 404)
        return unit

    def _datazone_get_domain_unit(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        unit = self._unit_of(domain, params["identifier"])
        if unit is None:  # the root unit carries the domain's name; its owners are the administrators
            name = self.config.naming(domain.env).domain()
            owners = self._owners(self.config.mesh.domain.administrators)
            return {"id": ROOT_UNIT, "domainId": domain.id, "name": name, "owners": owners}
        answer = {
            "id": _id("unit", unit.id),
            "domainId": domain.id,
            "name": self.config.naming(domain.env).domain_unit(unit.id),
            "parentDomainUnitId": _id("unit", unit.parent or "root"),
            "owners": self._owners(unit.owners),
        }
        return {**answer, "description": unit.description} if unit.description else answer

    def _datazone_list_policy_grants(self, params: dict[str, Any]) -> dict[str, Any]:
        """The grants the domain and governance stacks create on a unit: project creation to the
        unit's project_creators (from every profile, children included), glossary and form type
        creation to the projects of grants (designation OWNER). Member-pool grants are not answered."""
        domain = self._env_domain(params)
        if params["entityType"] != "DOMAIN_UNIT":
            raise AwsError("ValidationException", "the fake answers grants on domain units only")
        unit = self._unit_of(domain, params["entityIdentifier"])
        policy = params["policyType"]
        found: list[dict[str, Any]] = []
        if unit is not None and policy == "CREATE_PROJECT_FROM_PROJECT_PROFILE":
            profiles = [_id("pp", p.capability) for p in self.config.profiles_in(domain.env)]
            detail = {"createProjectFromProjectProfile": {"includeChildDomainUnits": True, "projectProfiles": profiles}}
            found = [
                {"principal": {"group": {"groupIdentifier": self._group_id(g)}}, "detail": detail}
                for g in unit.project_creators
            ]
        elif unit is not None and policy in GRANT_POLICY.values():
            member = {"CREATE_GLOSSARY": "createGlossary", "CREATE_FORM_TYPE": "createFormType"}[policy]
            found = [
                {
                    "principal": {"project": {"projectIdentifier": _id("prj", key), "projectDesignation": "OWNER"}},
                    "detail": {member: {"includeChildDomainUnits": True}},
                }
                for kind, _, key in unit.grants.entries()
                if GRANT_POLICY[kind] == policy
            ]
        grants = [
            {**g, "createdAt": NOW, "createdBy": "pipeline", "grantId": _id("grant", unit.id, policy, str(i))}
            for i, g in enumerate(found)
        ]
        return {"grantList": grants}

    def _datazone_list_environment_blueprints(self, params: dict[str, Any]) -> dict[str, Any]:
        self._env_domain(params)
        provisioning = {"cloudFormation": {"templateUrl": "https://datazone-blueprints.s3.amazonaws.com/template"}}
        return {
            "items": [
                {
                    "id": _id("bp", b.value),
                    "name": b.value,
                    "provider": "Amazon SageMaker",
                    "provisioningProperties": provisioning,
                }
                for b in Blueprint
                if params.get("name") in (None, b.value)
            ]
        }

    def _datazone_list_environment_blueprint_configurations(self, params: dict[str, Any]) -> dict[str, Any]:
        """The mesh's blueprints enabled in the environment's region, with the regional parameters
        of mesh_constructs.blueprint_enablement (project storage: the foundation's artifacts bucket
        unless the environment names its own)."""
        domain = self._env_domain(params)
        env, naming = domain.env, self.config.naming(domain.env)
        regional = {
            "S3Location": env.project_artifacts_s3_uri or f"s3://{naming.bucket(PROJECT_STORAGE_LAYER)}",
            "KmsKeyArn": env.project_artifacts_kms_key_arn
            or f"arn:aws:kms:{env.region}:{env.account}:key/{_id('key', PROJECT_STORAGE_LAYER, env.name)}",
            # A VPC the mesh creates (network.create) has ids only once deployed: fake ones.
            "VpcId": env.network.vpc_id or _hex_id("vpc", env.name),
            "Subnets": ",".join(env.network.subnet_ids or [_hex_id("subnet", env.name, str(i)) for i in range(3)]),
        }
        return {
            "items": [
                {
                    "domainId": domain.id,
                    "environmentBlueprintId": _id("bp", b.value),
                    "enabledRegions": [env.region],
                    "regionalParameters": {env.region: {} if b.value in NO_REGIONAL_PARAMETERS else regional},
                }
                for b in self.config.blueprints_in(env)
            ]
        }

    def _profile_summary(self, domain: Domain, profile: Any) -> dict[str, Any]:
        return {
            "domainId": domain.id,
            "id": _id("pp", profile.capability),
            "name": self.config.naming(domain.env).project_profile(profile.capability),
            "createdBy": "pipeline",
            "status": "ENABLED",
            "domainUnitId": ROOT_UNIT,
        }

    def _datazone_list_project_profiles(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        return {"items": [self._profile_summary(domain, p) for p in self.config.profiles_in(domain.env)]}

    def _datazone_get_project_profile(self, params: dict[str, Any]) -> dict[str, Any]:
        """As mesh_constructs.project_profile writes it: every environment in the domain's account
        and region, a deployment order for ON_CREATE environments only."""
        domain = self._env_domain(params)
        profile = next(
            (p for p in self.config.profiles_in(domain.env) if _id("pp", p.capability) == params["identifier"]), None
        )
        if profile is None:
            raise AwsError("ResourceNotFoundException", f"project profile {params['identifier']} not found", 404)
        environments = []
        for e in profile.environments:
            item: dict[str, Any] = {
                "name": e.name or e.blueprint.value,
                "environmentBlueprintId": _id("bp", e.blueprint.value),
                "deploymentMode": e.deployment_mode.value,
                "configurationParameters": {
                    "parameterOverrides": [
                        {"name": o.name, "value": o.value, "isEditable": o.editable} for o in e.parameter_overrides
                    ]
                },
                "awsAccount": {"awsAccountId": domain.env.account},
                "awsRegion": {"regionName": domain.env.region},
            }
            if e.description:
                item["description"] = e.description
            if e.deployment_mode is DeploymentMode.ON_CREATE:
                item["deploymentOrder"] = e.deployment_order
            environments.append(item)
        summary = self._profile_summary(domain, profile)
        return {**summary, "description": profile.description, "environmentConfigurations": environments}

    def _datazone_search_group_profiles(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every group of identity_center is assigned to the domain (the domain stack's group
        profiles); an Identity Center group's name is its key in the mesh."""
        domain = self._env_domain(params)
        text = params.get("searchText", "").lower()
        return {
            "items": [
                {"domainId": domain.id, "id": idc, "groupName": name, "status": "ASSIGNED"}
                for name, idc in self.config.mesh.identity_center.groups.items()
                if params["groupType"] == "DATAZONE_SSO_GROUP" and text in name.lower()
            ]
        }

    # --- DataZone: metadata form types -------------------------------------------------------

    def _form_summary(self, domain: Domain, form: Any) -> dict[str, Any]:
        return {
            "domainId": domain.id,
            "name": form.name,
            "revision": "1",
            "owningProjectId": _id("prj", form.owning_project),
            "status": "ENABLED",
        }

    def _datazone_search_types(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        if params["searchScope"] != "FORM_TYPE":
            raise AwsError("ValidationException", f"search scope {params['searchScope']} is not answered by the fake")
        # The managed ones (amazon.datazone.*) are not the mesh's: answered only when asked for.
        forms = [] if params["managed"] else self.config.mesh.metadata_forms
        return {"items": [{"formTypeItem": self._form_summary(domain, f)} for f in forms]}

    def _datazone_get_form_type(self, params: dict[str, Any]) -> dict[str, Any]:
        """The model as the form type handler writes it: form_model's structure after the domain's
        namespace (mesh_constructs/handlers/form_type.py), glossary fields bound to the glossary ids."""
        domain = self._env_domain(params)
        form = next((f for f in self.config.mesh.metadata_forms if f.name == params["formTypeIdentifier"]), None)
        if form is None:
            raise AwsError("ResourceNotFoundException", f"form type {params['formTypeIdentifier']} not found", 404)
        fields = [
            FormFieldSpec(
                name=f.name,
                type=FormFieldType[f.type.name],
                description=f.description,
                required=f.required,
                searchable=f.searchable,
                allowed_values=tuple(f.allowed_values or ()),
                glossary_id=_id("gls", f.glossary) if f.glossary else None,
            )
            for f in form.fields
        ]
        smithy = f"namespace {domain.id.replace('-', '_')}\n\n{form_model(form.name, fields)}"
        return {**self._form_summary(domain, form), "description": form.description, "model": {"smithy": smithy}}

    # --- DataZone: glossaries, assets, listings ----------------------------------------------

    def _glossary_items(self, domain: Domain) -> list[dict[str, Any]]:
        naming = self.config.naming(domain.env)
        return [
            {
                "glossaryItem": {
                    "domainId": domain.id,
                    "id": _id("gls", g.scope),
                    "name": naming.glossary(g.scope),
                    "owningProjectId": _id("prj", g.owning_project),
                    "description": g.description,
                    "status": "ENABLED",
                }
            }
            for g in self.config.mesh.glossaries
        ]

    def _term_items(self, domain: Domain, glossary_id: str | None) -> list[dict[str, Any]]:
        return [
            {
                "glossaryTermItem": {
                    "domainId": domain.id,
                    "glossaryId": _id("gls", g.scope),
                    "id": self._term_id(f"{g.scope}/{t.name}"),
                    "name": t.name,
                    "shortDescription": t.short_description,
                    "longDescription": t.long_description,
                    **self._relations(g.scope, t),
                    "status": "ENABLED",
                }
            }
            for g in self.config.mesh.glossaries
            for t in g.terms
            if glossary_id in (None, _id("gls", g.scope))
        ]

    def _relations(self, scope: str, term: Any) -> dict[str, Any]:
        """termRelations by term id; a relation list is at least one id long (the model's min)."""
        relations = {
            kind: [self._term_id("/".join(split_term_ref(r, scope))) for r in refs]
            for kind, refs in (("isA", term.is_a), ("classifies", term.classifies))
            if refs
        }
        return {"termRelations": relations} if relations else {}

    def _asset_item(self, domain: Domain, asset: Asset) -> dict[str, Any]:
        return {
            "assetItem": {
                "domainId": domain.id,
                "identifier": _id("ast", asset.name),
                "name": asset.name,
                "owningProjectId": _id("prj", asset.owner),
                "typeIdentifier": ASSET_TYPE,
                "typeRevision": "1",
                "createdAt": NOW,
                "createdBy": "pipeline",
            }
        }

    def _datazone_search(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        scope = params["searchScope"]
        if scope == "GLOSSARY":
            return {"items": self._glossary_items(domain)}
        if scope == "GLOSSARY_TERM":
            wanted = params.get("filters", {}).get("filter", {})
            return {"items": self._term_items(domain, wanted.get("value"))}
        if scope == "ASSET":
            text = params.get("searchText", "").lower()
            owner = params.get("owningProjectIdentifier")
            found = [
                self._asset_item(domain, a)
                for a in domain.assets.values()
                # An asset's id matches too: the promotion check looks assets up by id.
                if (text in a.name.lower() or text == _id("ast", a.name).lower())
                and owner in (None, _id("prj", a.owner))
            ]
            return {"items": found}
        if scope == "DATA_PRODUCT":
            text = params.get("searchText", "").lower()
            return {"items": [self._product_item(domain, p) for p in self._products(domain) if text in p.name.lower()]}
        raise AwsError("ValidationException", f"search scope {scope} is not answered by the fake")

    # --- DataZone: data products (published at revision 1, as the products stacks leave them) ---

    def _products(self, domain: Domain) -> list[Any]:
        return [p for p in self.config.mesh.data_products if p.exists_in(domain.env.name)]

    def _product_item(self, domain: Domain, product: Any) -> dict[str, Any]:
        return {
            "dataProductItem": {
                "domainId": domain.id,
                "id": _id("dp", product.name),
                "name": product.name,
                "owningProjectId": _id("prj", product.owner),
                "description": product.description,
            }
        }

    def _datazone_get_data_product(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        product = next((p for p in self._products(domain) if _id("dp", p.name) == params["identifier"]), None)
        if product is None:
            raise AwsError("ResourceNotFoundException", f"data product {params['identifier']} not found", 404)
        return {
            "domainId": domain.id,
            "id": _id("dp", product.name),
            "revision": "1",
            "owningProjectId": _id("prj", product.owner),
            "name": product.name,
            "status": "CREATED",
            "items": [{"itemType": "ASSET", "identifier": _id("ast", t)} for t in product.tables],
            "formsOutput": [
                {"formName": n, "typeName": n, "typeRevision": "1", "content": json.dumps(v)}
                for n, v in product.forms.items()
            ],
            **({"glossaryTerms": [self._term_id(t) for t in product.terms]} if product.terms else {}),
        }

    def _asset(self, domain: Domain, identifier: str) -> Asset:
        for asset in domain.assets.values():
            if identifier in (asset.name, _id("ast", asset.name)):
                return asset
        raise AwsError("ResourceNotFoundException", f"asset {identifier} not found", 404)

    def _datazone_get_asset(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        asset = self._asset(domain, params["identifier"])
        columns = [{"columnName": n, "dataType": t} for n, t in asset.columns]
        glue = {"formName": GLUE_FORM, "typeName": GLUE_FORM_TYPE, "typeRevision": "5"}
        forms = [{**glue, "content": json.dumps({"columns": columns})}]
        forms += [
            {"formName": name, "typeName": name, "typeRevision": "1", "content": json.dumps(content)}
            for name, content in asset.forms.items()
        ]
        answer: dict[str, Any] = {
            "id": _id("ast", asset.name),
            "name": asset.name,
            "domainId": domain.id,
            "owningProjectId": _id("prj", asset.owner),
            "revision": str(asset.revision),
            "typeIdentifier": ASSET_TYPE,
            "typeRevision": "1",
            "formsOutput": forms,
        }
        if asset.terms:
            answer["glossaryTerms"] = list(asset.terms)
        if asset.published:
            answer["listing"] = {"listingId": _id("lst", asset.name), "listingStatus": "ACTIVE"}
        return answer

    def _datazone_create_asset_revision(self, params: dict[str, Any]) -> dict[str, Any]:
        """DataZone validates each form's content against its form type: an unknown field, a value
        of the wrong type or a missing required field is refused."""
        domain = self._env_domain(params)
        asset = self._asset(domain, params["identifier"])
        declared = {f.name: f for f in self.config.mesh.metadata_forms}
        forms: dict[str, dict[str, Any]] = {}
        for form in params.get("formsInput", []):
            content = json.loads(form.get("content", "{}"))
            if form["formName"] == GLUE_FORM:
                continue
            if form["formName"] not in declared:
                raise AwsError("ValidationException", f"form type {form['formName']} does not exist")
            fields = {f.name: f for f in declared[form["formName"]].fields}
            for name, value in content.items():
                where = f"{form['formName']}.{name}"
                if name not in fields:
                    raise AwsError("ValidationException", f"{where}: {name} is not a field of the form type")
                if not _fits(fields[name].type, value):
                    raise AwsError("ValidationException", f"{where}: {value!r} is not {fields[name].type}")
            missing = [n for n, f in fields.items() if f.required and n not in content]
            if missing:
                raise AwsError("ValidationException", f"{form['formName']}: required {', '.join(missing)} missing")
            forms[form["formName"]] = content
        asset.forms, asset.terms, asset.revision = forms, list(params.get("glossaryTerms", [])), asset.revision + 1
        answer = self._datazone_get_asset({"domainIdentifier": domain.id, "identifier": asset.name})
        return {k: v for k, v in answer.items() if k != "listing"}

    def _datazone_create_listing_change_set(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        asset = self._asset(domain, params["entityIdentifier"])
        asset.published = params["action"] == "PUBLISH"
        status = "ACTIVE" if asset.published else "INACTIVE"
        return {"listingId": _id("lst", asset.name), "listingRevision": str(asset.revision), "status": status}

    def _datazone_search_listings(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        text = params.get("searchText", "").lower()
        listings = [
            {
                "assetListing": {
                    "listingId": _id("lst", a.name),
                    "name": a.name,
                    "owningProjectId": _id("prj", a.owner),
                    "glossaryTerms": [{"name": t.rsplit("-", 1)[-1]} for t in a.terms],
                }
            }
            for a in domain.assets.values()
            if a.published and text in a.name.lower()
        ]
        listings += [
            {
                "dataProductListing": {
                    "listingId": _id("lst", "dp", p.name),
                    "name": p.name,
                    "entityId": _id("dp", p.name),
                    "entityRevision": "1",
                    "owningProjectId": _id("prj", p.owner),
                }
            }
            for p in self._products(domain)
            if text in p.name.lower()
        ]
        return {"items": listings}

    # --- DataZone: subscriptions -------------------------------------------------------------

    def _request_answer(self, domain: Domain, request: Request) -> dict[str, Any]:
        asset = self._asset(domain, request.asset)
        answer: dict[str, Any] = {
            "id": request.id,
            "createdBy": "requester",
            "domainId": domain.id,
            "status": request.status,
            "createdAt": NOW,
            "updatedAt": NOW,
            "requestReason": request.reason,
            "subscribedPrincipals": [{"project": {"id": _id("prj", request.consumer), "name": request.consumer}}],
            "subscribedListings": [
                {
                    "id": _id("lst", asset.name),
                    "name": asset.name,
                    "description": "",
                    "item": {"assetListing": {}},
                    "ownerProjectId": _id("prj", asset.owner),
                }
            ],
        }
        return {**answer, "decisionComment": request.comment} if request.comment else answer

    def _request(self, domain: Domain, identifier: str) -> Request:
        if identifier not in domain.requests:
            raise AwsError("ResourceNotFoundException", f"subscription request {identifier} not found", 404)
        return domain.requests[identifier]

    def _datazone_list_subscription_requests(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        found = [
            self._request_answer(domain, r)
            for r in domain.requests.values()
            if r.status == params.get("status", r.status)
            and params.get("approverProjectId") in (None, _id("prj", self._asset(domain, r.asset).owner))
            and params.get("owningProjectId") in (None, _id("prj", r.consumer))
        ]
        return {"items": found}

    def _datazone_get_subscription_request_details(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        return {**self._request_answer(domain, self._request(domain, params["identifier"])), "metadataForms": []}

    def _decide(self, params: dict[str, Any], status: str) -> dict[str, Any]:
        domain = self._env_domain(params)
        request = self._request(domain, params["identifier"])
        if request.status != "PENDING":
            raise AwsError("ConflictException", f"request {request.id} is {request.status}, not PENDING")
        request.status, request.comment = status, params.get("decisionComment", "")
        if status == "ACCEPTED":
            domain.subscriptions[_id("sub", request.id)] = (request.id, "APPROVED")
        return self._request_answer(domain, request)

    def _datazone_accept_subscription_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._decide(params, "ACCEPTED")

    def _datazone_reject_subscription_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._decide(params, "REJECTED")

    def _datazone_create_subscription_request(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        listing = params["subscribedListings"][0]["identifier"]
        asset = next((a for a in domain.assets.values() if _id("lst", a.name) == listing and a.published), None)
        if asset is None:
            raise AwsError("ResourceNotFoundException", f"listing {listing} not found", 404)
        consumer = self._project_id(domain, params["subscribedPrincipals"][0]["project"]["identifier"])
        request = Request(_id("req", str(len(domain.requests))), consumer, asset.name, params["requestReason"])
        domain.requests[request.id] = request
        return self._request_answer(domain, request)

    def _subscription_answer(self, domain: Domain, subscription_id: str) -> dict[str, Any]:
        request_id, status = domain.subscriptions[subscription_id]
        request = self._request_answer(domain, domain.requests[request_id])
        return {
            "id": subscription_id,
            "createdBy": "requester",
            "domainId": domain.id,
            "status": status,
            "createdAt": NOW,
            "updatedAt": NOW,
            "subscribedPrincipal": request["subscribedPrincipals"][0],
            "subscribedListing": request["subscribedListings"][0],
            "subscriptionRequestId": request_id,
        }

    def _datazone_list_subscriptions(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        found = [self._subscription_answer(domain, s) for s in domain.subscriptions]
        wanted = {
            "subscriptionRequestIdentifier": lambda s: s["subscriptionRequestId"],
            "subscribedListingId": lambda s: s["subscribedListing"]["id"],
            "owningProjectId": lambda s: s["subscribedPrincipal"]["project"]["id"],
            "approverProjectId": lambda s: s["subscribedListing"]["ownerProjectId"],
            "status": lambda s: s["status"],
        }
        for key, value in wanted.items():
            if key in params:
                found = [s for s in found if value(s) == params[key]]
        return {"items": found}

    def _subscription_id(self, domain: Domain, identifier: str) -> str:
        if identifier not in domain.subscriptions:
            raise AwsError("ResourceNotFoundException", f"subscription {identifier} not found", 404)
        return identifier

    def _datazone_list_subscription_grants(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        subscription = self._subscription_id(domain, params["subscriptionId"])
        request_id, _ = domain.subscriptions[subscription]
        listing = _id("lst", domain.requests[request_id].asset)
        grant = {
            "id": _id("grant", subscription),
            "createdBy": "datazone",
            "domainId": domain.id,
            "createdAt": NOW,
            "updatedAt": NOW,
            "subscriptionTargetId": _id("target", domain.env.name),
            "grantedEntity": {"listing": {"id": listing, "revision": "1"}},
            "status": "COMPLETED",
        }
        return {"items": [grant]}

    def _datazone_revoke_subscription(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._env_domain(params)
        subscription = self._subscription_id(domain, params["identifier"])
        request_id, _ = domain.subscriptions[subscription]
        domain.subscriptions[subscription] = (request_id, "REVOKED")
        return {**self._subscription_answer(domain, subscription), "retainPermissions": False}

    # --- Lake Formation, CodePipeline --------------------------------------------------------

    def _lakeformation_list_permissions(self, params: dict[str, Any]) -> dict[str, Any]:
        table = params["Resource"]["Table"]
        account = self.config.environments[0].account
        resource = {"Table": {"CatalogId": account, "DatabaseName": table["DatabaseName"], "Name": table["Name"]}}
        producer = f"arn:aws:iam::{account}:role/datazone_usr_role_producer"
        consumer = f"arn:aws:iam::{account}:role/datazone_usr_role_consumer"
        return {
            "PrincipalResourcePermissions": [
                {
                    "Principal": {"DataLakePrincipalIdentifier": producer},
                    "Resource": resource,
                    "Permissions": ["SELECT", "DESCRIBE"],
                    "PermissionsWithGrantOption": ["SELECT"],
                },
                {
                    "Principal": {"DataLakePrincipalIdentifier": consumer},
                    "Resource": resource,
                    "Permissions": ["SELECT"],
                },
            ]
        }

    def _waiting(self) -> dict[str, str]:
        """Environment -> approval token of the promotions waiting: every environment with approvers."""
        return {e.name: f"token-{e.name}" for e in self.config.environments if e.promotion.approvers}

    def _codepipeline_get_pipeline_state(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["name"] != pipeline_name(self.config.mesh.org):
            raise AwsError("PipelineNotFoundException", f"pipeline {params['name']} not found")
        stages = [
            {
                "stageName": env,
                "actionStates": [
                    {
                        "actionName": approval_action_name(env),
                        "latestExecution": {"status": "InProgress", "token": token, "lastStatusChange": NOW},
                    }
                ],
            }
            for env, token in self._waiting().items()
        ]
        return {"pipelineName": params["name"], "stageStates": stages}

    def _codepipeline_put_approval_result(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["token"] not in self._waiting().values():
            raise AwsError("InvalidApprovalTokenException", "the approval token is not valid")
        self.approvals.append(params)
        return {"approvedAt": NOW}


def _fits(kind: FieldType, value: Any) -> bool:
    if kind is FieldType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is FieldType.FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is FieldType.BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, str)
