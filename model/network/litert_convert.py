"""Converting a saved Keras model into the live path's files: a LiteRT flatbuffer and its layer table.

Beside `model.keras` go `model.tflite` (one call returns every layer's output of every ensemble member and
the averaged probabilities, for a batch of one) and `model.layers.npz` (each member's layer names, kinds and
settings, the kernels, biases and batch-normalisation affines the teaching docks show, and the size and
modification time of the `model.keras` they were made from). `model.network.litert_runtime` runs them without
TensorFlow. Both are written atomically, the table last: a table whose stamp matches the model file vouches
for the flatbuffer beside it.

This module imports TensorFlow. A process that has not imported it yet runs the conversion in a child
process (`python -m model.network.litert_convert MODEL.keras`), so TensorFlow's import never holds its GIL.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from model.core.storage import atomic_path, atomic_write_bytes, open_npz

LOG = logging.getLogger(__name__)
TFLITE_SUFFIX = ".tflite"
TABLE_SUFFIX = ".layers.npz"
PROBABILITIES = "probabilities"
# A conversion takes 3-15 s on 2 busy cores, most of it importing TensorFlow.
CHILD_TIMEOUT_S = 300


class ConversionError(RuntimeError):
    """The model could not be converted for LiteRT (the message says why)."""


def tflite_path(model_path: str | os.PathLike) -> Path:
    """Returns the flatbuffer beside a `.keras` file: `model.keras` -> `model.tflite`."""
    return Path(model_path).with_suffix(TFLITE_SUFFIX)


def table_path(model_path: str | os.PathLike) -> Path:
    """Returns the layer table beside a `.keras` file: `model.keras` -> `model.layers.npz`."""
    return Path(model_path).with_suffix(TABLE_SUFFIX)


def model_stamp(model_path: str | os.PathLike) -> list[int]:
    """Returns what identifies one version of a model file: its size and modification time in nanoseconds.

    Exact equality, not "newer than": a rollback swaps in an older file that must not keep the other's cache.
    """
    status = Path(model_path).stat()
    return [int(status.st_size), int(status.st_mtime_ns)]


def output_name(member: int, position: int) -> str:
    """Returns the flatbuffer output holding a member's `position`-th layer (0-based, input excluded)."""
    return f"m{member}_{position:03d}"


def write_live_files(keras_model, model_path: str | os.PathLike) -> Path:
    """Converts `keras_model` (the one saved at `model_path`) and writes its flatbuffer and layer table.

    Returns:
        The flatbuffer's path.

    Raises:
        ConversionError: TensorFlow could not convert the model.
    """
    stamp = model_stamp(model_path)
    flatbuffer = convert(keras_model)
    target = atomic_write_bytes(tflite_path(model_path), flatbuffer)
    table = layer_table(keras_model)
    table["meta"] = np.array(json.dumps({"stamp": stamp, "tflite_bytes": len(flatbuffer),
                                         "specs": table.pop("specs")}))
    with atomic_path(table_path(model_path)) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, **table)
    return target


def convert(keras_model) -> bytes:
    """Returns a LiteRT flatbuffer whose outputs are every member's layers and the averaged probabilities."""
    import tensorflow as tf

    try:
        converter = tf.lite.TFLiteConverter.from_keras_model(_all_outputs_model(keras_model))
        with contextlib.redirect_stdout(io.StringIO()):  # Keras' export prints the traced signature
            return bytes(converter.convert())
    except Exception as error:  # the converter raises many types (ConverterError, ValueError, MLIR errors)
        raise ConversionError(f"TensorFlow could not convert the model ({type(error).__name__}: {error})") from error


def layer_table(keras_model) -> dict:
    """Returns the numpy arrays and specs the docks read: "specs" (per member, [name, kind, config]),
    "<member>/<layer>/kernel" and "/bias" for weighted layers, "/scale" and "/offset" for batch norms."""
    from model.network.inference import batch_norm_affine, kernel_and_bias, member_models, network_layers, spec_of

    table, specs = {}, []
    for member, network in enumerate(member_models(keras_model)):
        layers = network_layers(network)
        specs.append([list(spec_of(layer, network)) for layer in layers])
        for layer in layers:
            prefix = f"{member}/{layer.name}"
            if hasattr(layer, "kernel"):
                table[f"{prefix}/kernel"], table[f"{prefix}/bias"] = kernel_and_bias(layer)
            if hasattr(layer, "moving_variance"):
                table[f"{prefix}/scale"], table[f"{prefix}/offset"] = batch_norm_affine(layer)
    table["specs"] = specs
    return table


def _all_outputs_model(keras_model):
    import keras

    from model.network.inference import member_models, network_layers

    inputs = keras.Input((28, 28, 1), batch_size=1, name="input")
    outputs, member_probabilities = {}, []
    for member, network in enumerate(member_models(keras_model)):
        values = keras.Model(network.input, [layer.output for layer in network_layers(network)])(inputs)
        values = values if isinstance(values, (list, tuple)) else [values]
        for position, value in enumerate(values):
            outputs[output_name(member, position)] = value
        member_probabilities.append(values[-1])
    outputs[PROBABILITIES] = (keras.layers.Average()(member_probabilities) if len(member_probabilities) > 1
                              else member_probabilities[0])
    return keras.Model(inputs, outputs)


def ensure_live_files(model_path: str | os.PathLike, keras_model=None) -> None:
    """Makes the live files of a saved model unless they are there and fresh.

    Converts in this process when TensorFlow is already imported here (or `keras_model` is given) and this is the
    main thread, else in a child process, so that this process never imports TensorFlow for it, and a window's
    worker thread never traces TensorFlow graphs (in a Qt thread that crashed the process now and then).

    Raises:
        ConversionError: with the reason.
    """
    if live_files_fresh(model_path):
        return
    on_main_thread = threading.current_thread() is threading.main_thread()
    if keras_model is not None or ("tensorflow" in sys.modules and on_main_thread):
        if keras_model is None:
            import keras

            keras_model = keras.models.load_model(model_path, compile=False)
        write_live_files(keras_model, model_path)
        return
    _convert_in_child(Path(model_path))


def live_files_fresh(model_path: str | os.PathLike) -> bool:
    """Returns True if the model's flatbuffer and layer table exist and were made from this very file."""
    try:
        with open_npz(table_path(model_path)) as table:
            meta = json.loads(str(table["meta"]))
        return (meta["stamp"] == model_stamp(model_path)
                and tflite_path(model_path).stat().st_size == meta["tflite_bytes"])
    except (OSError, KeyError, ValueError):
        return False


def _convert_in_child(model_path: Path) -> None:
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        finished = subprocess.run([sys.executable, "-m", "model.network.litert_convert", str(model_path)],
                                  env=environment, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ConversionError(f"the conversion process did not finish ({error})") from error
    if finished.returncode != 0:
        last_line = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConversionError(f"the conversion process failed: {last_line}")


def main(argv: list[str] | None = None) -> int:
    """`python -m model.network.litert_convert MODEL.keras`: writes the model's live files; exit code 1 on failure."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m model.network.litert_convert MODEL.keras", file=sys.stderr)
        return 2
    try:
        write_live_files(_load(arguments[0]), arguments[0])
    except Exception as error:  # reported to the parent as the last line of stderr
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


def _load(model_path: str):
    import keras

    return keras.models.load_model(model_path, compile=False)


if __name__ == "__main__":
    sys.exit(main())
