"""How a model reads in the status bar and the Training panel."""

from __future__ import annotations

from gui.progress_text import model_summary
from model.network.model_store import ModelInfo


def test_a_model_trained_with_imported_drawings_shows_their_accuracy_apart():
    info = ModelInfo("shapes", ["circle", "square", "triangle"], recipe="quick",
                     metrics={"val_accuracy": 0.982, "imported_val_accuracy": 0.913})
    assert model_summary("Shapes", info) == "Shapes · Quick recipe · 98.2% accuracy · 91.3% on imported drawings"


def test_a_model_without_imported_drawings_says_nothing_of_them():
    info = ModelInfo("shapes", ["circle", "square", "triangle"], recipe="quick", metrics={"val_accuracy": 0.982})
    assert model_summary("Shapes", info) == "Shapes · Quick recipe · 98.2% accuracy"
