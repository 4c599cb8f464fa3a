"""pyproject.toml's filterwarnings: a warning raised from the project's own code fails the test."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["model.collection.samples", "gui.canvas"])
def test_a_warning_from_the_project_fails_the_test(module):
    with pytest.raises(UserWarning, match="from the project"):
        warnings.warn_explicit("a warning from the project", UserWarning, "anything.py", 1, module=module)



def test_a_file_the_project_leaves_open_fails_the_test():
    # What pytest issues when a file opened by the project is collected unclosed: the ResourceWarning, raised as an
    # error by the filter above, cannot leave __del__ and reaches pytest as an unraisable exception.
    report = ("Exception ignored in: <_io.FileIO name='arrays.npz' mode='rb' closefd=True>\n\nTraceback (most recent "
              "call last):\n  File \"model/collection/sample_cache.py\", line 24, in read_cache\n"
              "ResourceWarning: unclosed file")
    with pytest.raises(pytest.PytestUnraisableExceptionWarning):
        warnings.warn(pytest.PytestUnraisableExceptionWarning(report), stacklevel=1)
    with pytest.raises(ResourceWarning):
        warnings.warn_explicit("unclosed file <arrays.npz>", ResourceWarning, "model/collection/sample_cache.py", 24,
                               module="model.collection.sample_cache")
