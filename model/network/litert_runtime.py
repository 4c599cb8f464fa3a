"""The live path without TensorFlow: a saved model's LiteRT flatbuffer run by its interpreter (XNNPACK).

`LiveModel` opens the files `model.network.litert_convert` writes beside a `model.keras` and returns, per call,
every layer's output of one ensemble member and the ensemble's probabilities, ~0.3-0.6 ms for the Quick
model (TensorFlow's tf.function path: ~2.5 ms). Importing `ai_edge_litert` takes ~0.15 s and never
holds the GIL for more than ~20 ms; importing TensorFlow takes ~4.5 s with a single 1.1 s hold, which
froze the window at start. Use a `LiveModel` from one thread at a time.
"""

from __future__ import annotations

import json
import os

import numpy as np

from model.core.storage import open_npz
from model.network.litert_convert import PROBABILITIES, output_name, table_path, tflite_path

# One thread: for a 28x28 image a second thread costs more in hand-over than it saves, and the
# window's other thread needs the other core.
INTERPRETER_THREADS = 1


class LiteRTUnavailableError(RuntimeError):
    """The LiteRT runtime (the `ai-edge-litert` package) cannot be imported here."""


def interpreter_class():
    """Returns LiteRT's `Interpreter` class.

    Raises:
        LiteRTUnavailableError: the package is missing or broken (the message says how to fix it).
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as error:
        raise LiteRTUnavailableError(
            f"LiteRT is not available ({error}); install it with: pip install ai-edge-litert") from error
    return Interpreter


class LiveModel:
    """A converted model: every layer's output and the probabilities for one 28x28 image.

    Args:
        model_path: the `.keras` file whose live files (`model.network.litert_convert`) lie beside it.

    Raises:
        LiteRTUnavailableError: no LiteRT runtime.
        OSError, ValueError: the live files are missing or unreadable.
    """

    def __init__(self, model_path: str | os.PathLike) -> None:
        interpreter = interpreter_class()(model_path=str(tflite_path(model_path)), num_threads=INTERPRETER_THREADS)
        interpreter.allocate_tensors()
        signature = interpreter.get_signature_runner()
        self._interpreter = interpreter
        self._input_index = next(iter(signature.get_input_details().values()))["index"]
        self._output_index = {name: details["index"] for name, details in signature.get_output_details().items()}
        self._specs, self._weights = _read_table(model_path)
        self.num_outputs = int(signature.get_output_details()[PROBABILITIES]["shape"][-1])

    @property
    def members(self) -> int:
        """How many networks the model averages."""
        return len(self._specs)

    def layer_specs(self, member: int) -> list[tuple[str, str, dict]]:
        """Returns (name, kind, config) of each of a member's layers after the input, as `Predictor` shows them."""
        return self._specs[member]

    def run(self, batch: np.ndarray, member: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Returns (the member's layer outputs without the batch axis, the ensemble's probabilities).

        Args:
            batch: (1, 28, 28, 1) float32.
            member: 0-based ensemble member.
        """
        interpreter = self._interpreter
        interpreter.set_tensor(self._input_index, batch)
        interpreter.invoke()
        values = [interpreter.get_tensor(self._output_index[output_name(member, position)])[0]
                  for position in range(len(self._specs[member]))]
        return values, interpreter.get_tensor(self._output_index[PROBABILITIES])[0]

    def weights(self, member: int, layer_name: str, first: str, second: str) -> tuple[np.ndarray, np.ndarray]:
        """Returns two stored arrays of a layer ("kernel", "bias" or "scale", "offset").

        Raises:
            KeyError: the layer has no such arrays.
        """
        prefix = f"{member}/{layer_name}"
        return self._weights[f"{prefix}/{first}"], self._weights[f"{prefix}/{second}"]


def _read_table(model_path) -> tuple[list, dict]:
    with open_npz(table_path(model_path)) as table:
        meta = json.loads(str(table["meta"]))
        weights = {name: np.asarray(table[name], np.float32) for name in table.files if name != "meta"}
    specs = [[(name, kind, _tuples(config)) for name, kind, config in member] for member in meta["specs"]]
    return specs, weights


def _tuples(config: dict) -> dict:
    # JSON has no tuples; the docks compare shapes and sizes as tuples, as Keras gives them.
    return {key: tuple(value) if isinstance(value, list) else value for key, value in config.items()}
