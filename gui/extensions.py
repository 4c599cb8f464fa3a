"""Where docks from other parts of the app plug into the window.

Each entry is a function `install(window)` that builds its docks, calls `window.add_dock(dock, area)` and
connects to `window.prediction_ready`, `window.session` and `window.canvas`. They run in this order after the
window's own docks exist and before the saved layout is restored, so their docks keep their saved places.
"""

from __future__ import annotations

from typing import Callable

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


def install_all(window) -> None:
    """Runs every registered installer on the window."""
    for install in INSTALLERS:
        install(window)
