"""Where docks from other parts of the app plug into the window.

Each entry is a function `install(window)` that builds its docks, calls `window.add_dock(dock, area)` and
connects to `window.prediction_ready`, `window.session` and `window.canvas`. They run in this order after the
window's own docks exist and before the saved layout is restored, so their docks keep their saved places.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

INSTALLERS: list[Callable] = []


def _install_layer_docks(window) -> None:
    from gui.docks import layers, playground, why

    layers.install(window)
    playground.install(window)
    why.install(window)


INSTALLERS.append(_install_layer_docks)


def _install_collection(window) -> None:
    from gui import collect

    collect.install(window)


INSTALLERS.append(_install_collection)


def install_all(window) -> list[str]:
    """Runs every registered installer on the window and returns a message for each one that failed.

    A broken panel must not keep the canvas and the prediction from opening, so failures are collected
    (and printed with their traceback) instead of raised.
    """
    failures = []
    for install in INSTALLERS:
        try:
            install(window)
        except Exception as error:  # any bug in a panel; the window shows the message
            traceback.print_exc()
            failures.append(f"{getattr(install, '__name__', install)}: {type(error).__name__}: {error}")
    return failures
