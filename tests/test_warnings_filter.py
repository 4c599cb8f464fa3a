"""pyproject.toml's filterwarnings: a warning raised from the project's own code fails the test."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["model.collection.samples", "gui.canvas"])
def test_a_warning_from_the_project_fails_the_test(module):
    with pytest.raises(UserWarning, match="from the project"):
        warnings.warn_explicit("a warning from the project", UserWarning, "anything.py", 1, module=module)

