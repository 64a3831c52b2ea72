"""Vision: what detector classes mean in the graph, words that name them, and object tracking."""
