"""Graph algorithms over the entity graph (networkx), and finding entities by name."""

from ..errors import AmbiguousEntity, EntityNotFound
from .entity_graph import build_entity_graph, load_entity_graph, resolve_entity
from .resolve import Candidate, EntityResolver

__all__ = ["AmbiguousEntity", "Candidate", "EntityNotFound", "EntityResolver", "build_entity_graph",
           "load_entity_graph", "resolve_entity"]
