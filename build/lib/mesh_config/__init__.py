"""Configuration layer: YAML under environments/ -> validated, typed MeshConfig.

This package never imports aws_cdk; the stacks consume what it produces.
"""

from mesh_config.environment import EnvironmentConfig, Network
from mesh_config.errors import ConfigError, ConfigIssue
from mesh_config.loaded import MeshConfig
from mesh_config.loader import load_mesh
from mesh_config.naming import Naming

__all__ = ["ConfigError", "ConfigIssue", "EnvironmentConfig", "MeshConfig", "Naming", "Network", "load_mesh"]
