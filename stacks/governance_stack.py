"""Glossaries and metadata forms of one domain, with the identity that curates them.

Deployed after the domain and the projects stacks (it references their ids). Glossaries are
created one after another (CreateGlossary allows 5 TPS, and a glossary whose terms relate to
another glossary's terms must follow it), then the forms, whose glossary-term fields need the
glossary ids, then the domain units' metadata rules, which name the forms' revisions and the
terms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct, IConstruct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.governance import GRANT_POLICY, split_term_ref
from mesh_config.mesh import DomainUnit
from mesh_config.metadata_rules import MetadataRule as MetadataRuleConfig
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.form_model import FormFieldSpec, FormFieldType
from mesh_constructs.glossary import GLOSSARY_ACTIONS, Glossary, GlossaryProps, GlossaryTermSpec, TermRef
from mesh_constructs.metadata_form import FORM_TYPE_ACTIONS, MetadataForm, MetadataFormProps
from mesh_constructs.metadata_rule import (
    METADATA_RULE_ACTIONS,
    MetadataRule,
    MetadataRuleProps,
    RequiredForm,
    RequiredTerm,
    unit_owner,
)
from mesh_constructs.project import DeployedProject
from mesh_constructs.project_grant import ProjectGrant, ProjectGrantProps, ProjectPolicy
from stacks.domain_stack import DomainStack
from stacks.removal import stateful_removal_policy


class GovernanceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        domain: DomainStack,
        projects: Mapping[str, DeployedProject],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mesh = config.mesh
        naming = config.naming(env_config)
        removal = stateful_removal_policy(env_config)
        domain_id = domain.domain.domain_id

        self.identity = domain.handler_identity(self, naming.datazone_handler_role())

        grants: dict[tuple[str, ProjectPolicy], list[ProjectGrant]] = {}
        for unit in mesh.domain_units:
            for kind, _, key in unit.grants.entries():
                policy = ProjectPolicy(GRANT_POLICY[kind])
                grant = ProjectGrant(
                    self,
                    f"Grant-{unit.id}-{policy.value}-{key}",
                    ProjectGrantProps(
                        domain_id=domain_id,
                        domain_unit_id=domain.unit_id(unit.id, self),
                        project_id=projects[key].project_id,
                        policy=policy,
                    ),
                )
                grants.setdefault((key, policy), []).append(grant)

        owners = sorted({g.owning_project for g in mesh.glossaries} | {f.owning_project for f in mesh.metadata_forms})
        memberships = {
            key: self.identity.own_project(self, f"HandlerOwns-{key}", projects[key].project_id) for key in owners
        }

        # Everything the handlers create runs one after another, each after its project's
        # membership and grants.
        created: list[IConstruct] = []

        def in_sequence(construct: IConstruct, key: str, policy: ProjectPolicy) -> None:
            construct.node.add_dependency(memberships[key], *grants.get((key, policy), []), *created[-1:])
            created.append(construct)

        self.glossaries: dict[str, Glossary] = {}
        if mesh.glossaries:
            glossary_handler = DataZoneHandler(
                self,
                "GlossaryHandler",
                DataZoneHandlerProps(
                    module="glossary",
                    identity=self.identity,
                    actions=GLOSSARY_ACTIONS,
                    description="Reconciles DataZone business glossaries",
                ),
            )
            for glossary in config.glossaries_in_order():
                name = naming.glossary(glossary.scope)

                def refs(values: list[str], scope: str = glossary.scope) -> tuple[TermRef, ...]:
                    pairs = (split_term_ref(v, scope) for v in values)
                    return tuple(TermRef(naming.glossary(s), t) for s, t in pairs)

                construct = Glossary(
                    self,
                    f"Glossary-{glossary.scope}",
                    GlossaryProps(
                        domain_id=domain_id,
                        owning_project_id=projects[glossary.owning_project].project_id,
                        name=name,
                        description=glossary.description,
                        handler=glossary_handler,
                        terms=[
                            GlossaryTermSpec(
                                name=t.name,
                                short_description=t.short_description,
                                long_description=t.long_description,
                                is_a=refs(t.is_a),
                                classifies=refs(t.classifies),
                            )
                            for t in glossary.terms
                        ],
                        removal_policy=removal,
                    ),
                )
                in_sequence(construct, glossary.owning_project, ProjectPolicy.CREATE_GLOSSARY)
                self.glossaries[glossary.scope] = construct
                CfnOutput(self, f"GlossaryId-{glossary.scope}", value=construct.glossary_id)

        self.forms: dict[str, MetadataForm] = {}
        if mesh.metadata_forms:
            form_handler = DataZoneHandler(
                self,
                "FormTypeHandler",
                DataZoneHandlerProps(
                    module="form_type",
                    identity=self.identity,
                    actions=FORM_TYPE_ACTIONS,
                    description="Reconciles DataZone metadata form types",
                ),
            )
            for form in mesh.metadata_forms:
                construct = MetadataForm(
                    self,
                    f"Form-{form.name}",
                    MetadataFormProps(
                        domain_id=domain_id,
                        owning_project_id=projects[form.owning_project].project_id,
                        name=form.name,
                        description=form.description,
                        handler=form_handler,
                        fields=[
                            FormFieldSpec(
                                name=f.name,
                                type=FormFieldType[f.type.name],
                                description=f.description,
                                required=f.required,
                                searchable=f.searchable,
                                allowed_values=tuple(f.allowed_values or ()),
                                glossary_id=self.glossaries[f.glossary].glossary_id if f.glossary else None,
                            )
                            for f in form.fields
                        ],
                        removal_policy=removal,
                    ),
                )
                in_sequence(construct, form.owning_project, ProjectPolicy.CREATE_FORM_TYPE)
                self.forms[form.name] = construct

        self.rules: dict[str, MetadataRule] = {}
        unit_rules = [(u, r) for u in mesh.domain_units for r in u.rules if r.exists_in(env_config.name)]
        if unit_rules:
            self._add_rules(unit_rules, domain, created)

        CfnOutput(self, "HandlerRoleArn", value=self.identity.role.role_arn)
        CfnOutput(self, "HandlerUserProfileId", value=self.identity.user_profile_id)

    def _add_rules(
        self, unit_rules: list[tuple[DomainUnit, MetadataRuleConfig]], domain: DomainStack, created: list[IConstruct]
    ) -> None:
        """The units' metadata rules, after the forms and glossaries they name (their revisions and
        ids), one after another; the handler identity first becomes an owner of each unit, since
        rules are the unit owners' (SMUS user guide, "Metadata enforcement rules for publishing")."""
        domain_id = domain.domain.domain_id
        handler = DataZoneHandler(
            self,
            "RuleHandler",
            DataZoneHandlerProps(
                module="metadata_rule",
                identity=self.identity,
                actions=METADATA_RULE_ACTIONS,
                description="Reconciles DataZone metadata-enforcement rules of domain units",
            ),
        )
        owners: dict[str, IConstruct] = {}
        for unit, rule in unit_rules:
            unit_id = domain.unit_id(unit.id, self)
            if unit.id not in owners:
                owner = unit_owner(
                    self, f"HandlerOwnsUnit-{unit.id}", domain_id, unit_id, self.identity.user_profile_id
                )
                owner.node.add_dependency(*created[-1:])
                created.append(owner)
                owners[unit.id] = owner
            construct = MetadataRule(
                self,
                f"Rule-{unit.id}-{rule.name}",
                MetadataRuleProps(
                    domain_id=domain_id,
                    domain_unit_id=unit_id,
                    name=rule.name,
                    action=rule.action.api_action,
                    description=rule.description,
                    include_child_units=rule.include_child_units,
                    forms=[RequiredForm(f, self.forms[f].revision) for f in rule.forms],
                    terms=[self._required_term(t) for t in rule.terms],
                    handler=handler,
                ),
            )
            construct.node.add_dependency(owners[unit.id], *created[-1:])
            created.append(construct)
            self.rules[rule.name] = construct

    def _required_term(self, ref: str) -> RequiredTerm:
        scope, term = split_term_ref(ref, "")
        return RequiredTerm(self.glossaries[scope].glossary_id, term)
