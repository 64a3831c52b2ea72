"""Exports to graph formats and graph databases beyond RDF: GraphML, GEXF, Neo4j bulk
import CSV, and an idempotent Cypher script."""

from .property_graph import PropertyGraph, load_property_graph

__all__ = ["PropertyGraph", "load_property_graph"]
