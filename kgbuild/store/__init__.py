"""The graph store and the mapping from records to RDF."""

from .oxigraph_store import EXPORT_FORMATS, KGStore, SourceState

__all__ = ["EXPORT_FORMATS", "KGStore", "SourceState"]
