"""The shared ground floor: where data lives, files written whole, damaged files set aside, settings, the task list,
strokes, and the one preprocessing function. Imports nothing else from model/."""
