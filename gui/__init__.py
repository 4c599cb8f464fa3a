"""Everything Qt: the window, the canvas, the docks and the workers. Knows nothing about TensorFlow."""
