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


def test_a_retrains_summary_counts_imported_drawings_apart_from_built_in_ones():
    from types import SimpleNamespace

    from gui.docks.retrain import _mixed_in

    assert _mixed_in(SimpleNamespace(num_base=300, num_imported=120)) == \
        ", 300 built-in ones and 120 from imported files"
    assert _mixed_in(SimpleNamespace(num_base=300, num_imported=0)) == ", 300 built-in ones"
    assert _mixed_in(SimpleNamespace(num_base=0, num_imported=0)) == ""
