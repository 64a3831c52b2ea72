"""Vision: YOLO detection shared by the image and video stages, object tracking, what detector
classes mean in the graph, and words that name them."""
