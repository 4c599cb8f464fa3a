"""The built-in data sets: MNIST and its pen, scan and style copies for Digits, the Shapes generator.
Builds on model.core only."""
