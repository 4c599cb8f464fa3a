"""The user's drawings: saving and listing them, importing images and Quick, Draw! files, the user's own tasks,
exporting, tidying. Builds on model.network (an export holds the model) and model.core."""
