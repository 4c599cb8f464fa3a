"""Training and retraining: recipes, data pipelines, checkpoints, several devices, 'Correct me'.
Builds on every other model/ package."""
