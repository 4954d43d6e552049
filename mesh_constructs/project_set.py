"""The SMUS projects of one stack and their members, in one template fragment.

The same resources, logical ids and template as one ``Project`` construct per project (a project at
``<key>/Resource``, its memberships at ``<key>/Member-<group>``), built in one call to the jsii
kernel instead of five a project and two a membership (mesh_constructs/template_fragment.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import aws_datazone as datazone
from constructs import Construct

from mesh_constructs.member_set import acknowledge_shared, add_memberships
from mesh_constructs.project import ProjectProps
from mesh_constructs.scope_cache import stack_of
from mesh_constructs.template_fragment import FragmentTemplate, TemplateFragment


@dataclass(frozen=True)
class KeyedProject:
    """``key``: the project's construct id (its mesh key), which its logical ids derive from."""

    key: str
    props: ProjectProps


class ProjectRef:
    """A project of a ``ProjectSet``: its id is asked of the kernel only when something uses it."""

    def __init__(self, project_set: ProjectSet, logical_id: str) -> None:
        self._set = project_set
        self.logical_id = logical_id
        self._project_id: str | None = None

    @property
    def project(self) -> datazone.CfnProject:
        return cast(datazone.CfnProject, self._set.fragment.include.get_resource(self.logical_id))

    @property
    def project_id(self) -> str:
        if self._project_id is None:
            self._project_id = self.project.attr_id
        return self._project_id


class ProjectSet(Construct):
    """``projects``: in template order; ``projects_by_key`` afterwards gives each one's ``ProjectRef``."""

    def __init__(self, scope: Construct, construct_id: str, projects: Sequence[KeyedProject]) -> None:
        super().__init__(scope, construct_id)
        stack = stack_of(scope)
        template = FragmentTemplate(stack)
        logical_ids: dict[str, str] = {}
        shared: list[str] = []
        for keyed in projects:
            p = keyed.props
            domain = template.value(p.domain_id)
            properties: dict[str, Any] = {
                "DomainIdentifier": domain,
                "DomainUnitId": template.value(p.domain_unit_id),
                "Name": p.name,
                "ProjectProfileId": template.value(p.project_profile_id),
            }
            if p.description:
                properties["Description"] = p.description
            if p.repository:
                properties["UserParameters"] = [p.repository.user_parameter_json()]
            project_id = logical_ids[keyed.key] = template.add(
                [keyed.key, "Resource"], "AWS::DataZone::Project", properties, removal_policy=p.removal_policy
            )
            shared += add_memberships(template, keyed.key, domain, {"Fn::GetAtt": [project_id, "Id"]}, p.members)
        self.fragment = TemplateFragment(self, "Fragment", template)
        self.projects_by_key = {key: ProjectRef(self, lid) for key, lid in logical_ids.items()}
        acknowledge_shared(self.fragment, shared)
