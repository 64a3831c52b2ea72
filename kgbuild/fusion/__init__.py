"""Fusion: one canonical entity per real thing, across documents and modalities.

Run after the stages, over the whole store (not a stage: it needs every document, and
per-batch fusion would depend on ingest order); docs/fusion.md has the method and figures.

* :mod:`.fuse` — incremental fusion of a store (``FusionReport`` says what it did and which
  evidence it could not read); :mod:`.params` — the pipeline's ``fusion:`` block.
* :mod:`.evidence` — mentions, atoms and their contexts read from the store; :mod:`.atoms` —
  what fusion resolves: the linker's entities; :mod:`.context` — MiniLM context vectors.
* :mod:`.names` — name keys for blocking (tokens, Double Metaphone, acronyms).
* :mod:`.features` and :mod:`.scorer` — pair features and the small trained model;
  :mod:`.training` — its training pairs, built from CoNLL04 (``kgbuild train fusion``).
* :mod:`.resolver` — blocking, scoring and constrained clustering (pure, in memory).
* :mod:`.appearance` — the same detected object in copies of one picture.
* :mod:`.grounding` — words said or written about a picture linked to its boxes.
* :mod:`.state` — what incremental runs remember (``<store>/fusion.sqlite``).
* :mod:`.canonical` — reading the result (entity -> canonical entity); :mod:`.explain` —
  why two entities were merged, and undoing it; :mod:`.evaluate` — scores against gold.
"""
