"""The networks: their architecture, saving and loading, the shipped models, the live path (LiteRT), saliency.
Builds on model.core only."""
