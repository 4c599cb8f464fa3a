"""One dock per file. Each dock is a QDockWidget with a stable objectName, so the saved layout finds it."""
