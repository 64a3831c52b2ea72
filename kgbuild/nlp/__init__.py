"""Text models and rules shared by the text stages and the ``train``/``eval`` commands.

Nothing here is a stage: stages live in :mod:`kgbuild.stages` and import from here only
inside ``_load``, so building a pipeline never imports torch or transformers.
"""
