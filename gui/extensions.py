"""The parts of the window built by other modules, and how the window gets them.

Each installer builds its part, calls `window.add_dock(dock, area)` and connects to `window.prediction_ready`,
`window.session` and `window.canvas`, and returns what it built; `MainWindow` keeps the parts it is handed
(`install_all`), nobody sets attributes on it from outside. They run in this order after the window's own docks
exist and before the saved layout is restored, so their docks keep their saved places.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable


def _install_layer_docks(window) -> dict:
    from gui.docks import layers, playground, why

    return {"layer_docks": layers.install(window), "playground_dock": playground.install(window),
            "why_dock": why.install(window)}


def _install_collection(window) -> dict:
    from gui import collect

    return {"collector": collect.install(window)}


# Each returns {the part's name: the part}.
INSTALLERS: list[Callable[[object], dict]] = [_install_layer_docks, _install_collection]


def install_all(window) -> tuple[dict, list[str]]:
    """Runs every installer on the window.

    A broken panel must not keep the canvas and the prediction from opening, so failures are collected
    (and printed with their traceback) instead of raised.

    Returns:
        ({part name: part} of the installers that succeeded, a message for each one that failed).
    """
    parts, failures = {}, []
    for install in INSTALLERS:
        try:
            parts.update(install(window))
        except Exception as error:  # any bug in a panel; the window shows the message
            traceback.print_exc()
            failures.append(f"{getattr(install, '__name__', install)}: {type(error).__name__}: {error}")
    return parts, failures
