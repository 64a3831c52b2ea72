"""What fusion resolves: the entities the linker made, with the evidence of their mentions.

An *atom* is one entity node written at ingest: a named entity keyed by (type, normalised
name, document) — so the same name in two documents is two atoms, and whether they are one
thing is fusion's decision, made with their contexts — or one detected object. Fusion never
rewrites atoms; it groups them under a canonical entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Atom:
    iri: str
    label: str
    entity_type: str
    detected: bool = False  # an object seen in an image or video, not a name
    modalities: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    neighbours: frozenset[str] = frozenset()  # names (normalised labels) of the other named atoms of its sources
    contexts: tuple[str, ...] = ()  # a few windows of text around its mentions
    embedding: np.ndarray | None = field(default=None, repr=False)  # mean MiniLM vector of the contexts
    mentions: int = 0
    look: tuple | None = None  # detected objects: (picture dHash hex, relative x, y, w, h) — see .appearance

    @property
    def noisy(self) -> bool:
        """Only ever heard or read off an image: its spelling is a guess."""
        return bool(self.modalities) and self.modalities <= {"speech", "ocr"}

    def to_json(self) -> dict:
        return {"iri": self.iri, "label": self.label, "type": self.entity_type, "detected": self.detected,
                "modalities": sorted(self.modalities), "sources": sorted(self.sources),
                "neighbours": sorted(self.neighbours), "mentions": self.mentions,
                "look": list(self.look) if self.look else None}

    @classmethod
    def from_json(cls, data: dict, embedding: np.ndarray | None = None) -> Atom:
        return cls(data["iri"], data["label"], data["type"], data["detected"], frozenset(data["modalities"]),
                   frozenset(data["sources"]), frozenset(data["neighbours"]), (), embedding, data["mentions"],
                   tuple(data["look"]) if data.get("look") else None)
