"""Reading media: finding the files of a corpus and decoding audio, video and images.

Nothing here knows about the graph: these modules turn files into samples, frames and
pixel arrays for the stages, and raise coded :mod:`kgbuild.errors` when a file cannot be read.
"""
