"""kgbuild: turn a corpus of text, images, audio and video into one knowledge graph."""

__version__ = "0.1.0"
