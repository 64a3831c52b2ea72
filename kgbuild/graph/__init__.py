"""Graph algorithms over the entity graph (networkx)."""

from .entity_graph import EntityNotFound, build_entity_graph, load_entity_graph, resolve_entity

__all__ = ["EntityNotFound", "build_entity_graph", "load_entity_graph", "resolve_entity"]
