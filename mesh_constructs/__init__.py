"""Reusable SMUS data-mesh constructs.

Named mesh_constructs, not constructs: a top-level package called ``constructs`` would shadow
the ``constructs`` library that aws-cdk-lib imports and break every app that uses it.
Constructs take typed props, read no files and know nothing of YAML.
"""

from mesh_constructs.blueprint_enablement import BlueprintEnablement, BlueprintEnablementProps
from mesh_constructs.data_lake_buckets import DataLakeBuckets, DataLakeBucketsProps
from mesh_constructs.domain_unit_tree import DomainUnitSpec, DomainUnitTree, DomainUnitTreeProps
from mesh_constructs.group_profiles import GroupProfiles, GroupProfilesProps
from mesh_constructs.lake_formation_admins import LakeFormationSettings, LakeFormationSettingsProps
from mesh_constructs.project import Designation, Project, ProjectProps
from mesh_constructs.project_members import ProjectMembers, ProjectMembersProps
from mesh_constructs.project_profile import ProfileEnvironmentSpec, ProjectProfile, ProjectProfileProps
from mesh_constructs.smus_domain import SmusDomain, SmusDomainProps

__all__ = [
    "BlueprintEnablement",
    "BlueprintEnablementProps",
    "DataLakeBuckets",
    "DataLakeBucketsProps",
    "Designation",
    "DomainUnitSpec",
    "DomainUnitTree",
    "DomainUnitTreeProps",
    "GroupProfiles",
    "GroupProfilesProps",
    "LakeFormationSettings",
    "LakeFormationSettingsProps",
    "ProfileEnvironmentSpec",
    "Project",
    "ProjectMembers",
    "ProjectMembersProps",
    "ProjectProfile",
    "ProjectProfileProps",
    "ProjectProps",
    "SmusDomain",
    "SmusDomainProps",
]
