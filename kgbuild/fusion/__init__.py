"""Fusion: one canonical entity per real thing, across documents and modalities.

* :mod:`.names` — name keys for blocking (tokens, Double Metaphone, acronyms).
* :mod:`.atoms` — what fusion resolves: the linker's entities, read from the store.
* :mod:`.features` and :mod:`.scorer` — pair features and the small trained model.
* :mod:`.resolver` — blocking, scoring and constrained clustering (pure, in memory).
* :mod:`.grounding` — words said or written about a picture linked to its boxes.
* :mod:`.fuse` — incremental fusion of a store; :mod:`.evaluate` — scores against gold.
"""
