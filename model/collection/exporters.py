"""Export a task's data set and model for use outside ConvCanvas.

- `export_folder`: `<dest>/<label>/<id>.png` (+ each sample's Quick, Draw! .json), `strokes.ndjson`,
  `labels.json` and a README: reads with `keras.utils.image_dataset_from_directory` or any ImageFolder loader.
- `export_npz`: one `.npz` with `x` (N, 28, 28) float32 exactly as the network sees them, `y` (N,) int64,
  `label_names` and `ids`.
- `export_model`: `model.keras`, `model.tflite`, `labels.json` and a README stating the exact preprocessing.

Every file is written atomically (`model.core.storage`). A full, read-only or forbidden destination is found before
anything is written and raises `model.core.disk.DiskError` (one line naming the folder); so does one that fills up
halfway.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np

from model.core import disk, storage
from model.core.preprocessing import BOX_SIZE, IMAGE_SIZE, TARGET_STROKE_WIDTH
from model.network import model_store

PREPROCESSING_TEXT = f"""## Preprocessing (the exact steps; `model/core/preprocessing.py: preprocess` in ConvCanvas)

1. Convert the drawing to grayscale in [0, 1]. Decide the ink colour from the image border: a light border means
   dark ink on light paper, which is inverted so ink is bright. Subtract the paper level and stretch to [0, 1].
2. Crop to the pixels with ink above 0.2.
3. Bring the pen width to {TARGET_STROKE_WIDTH} px at the final size (thin pens thickened, thick pens thinned).
4. Scale the crop so its longer side is {BOX_SIZE} px, keeping the aspect ratio (area averaging).
5. Paste it into a {IMAGE_SIZE}x{IMAGE_SIZE} black image and shift it so its centre of mass is at the centre.
6. Scale so the brightest pixel is 1.0.

The result is float32, shape ({IMAGE_SIZE}, {IMAGE_SIZE}), white ink on black, values in [0, 1], as in MNIST.
The network takes a batch of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}, 1) and returns one probability per label, in the
order of `labels.json`. An empty drawing (no ink) has no image and should get no prediction.
"""


def export_folder(store, dest, labels=None) -> Path:
    """Copies a task's samples into `dest/<label>/` with their stroke records, an ndjson of all strokes, and a README.

    Args:
        store: the task's `SampleStore`.
        dest: the export folder (created; existing files of the same names are replaced).
        labels: the labels to export (default: every label folder).

    Returns:
        `dest`.
    """
    dest = Path(dest)
    labels = list(labels) if labels is not None else store.labels()
    store.wait_for_writes()
    chosen = [sample for sample in store.samples() if sample.label in labels]
    disk.ensure_writable(dest, disk.samples_bytes(len(chosen)) + disk.MB)
    for sample in chosen:
        for source in (sample.path, sample.strokes_path):
            if source.exists():
                with storage.atomic_path(dest / sample.label / source.name) as temporary:
                    shutil.copyfile(source, temporary)
    store.write_ndjson(dest / "strokes.ndjson")
    storage.atomic_write_json(dest / "labels.json", labels)
    storage.atomic_write_text(dest / "README.md", _dataset_readme(store, labels))
    return dest


def export_npz(store, path, labels=None) -> Path:
    """Writes the task's samples as the network sees them: x (N, 28, 28) float32, y, label_names, ids.

    Returns:
        The path written.
    """
    labels = list(labels) if labels is not None else store.labels()
    # As the network sees them, uncompressed: an upper bound of the compressed file.
    disk.ensure_writable(Path(path).absolute().parent, sum(store.counts().values()) * 28 * 28 * 4 + disk.MB)
    x, y, ids = store.load_arrays(labels)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y, label_names=np.asarray(labels, dtype=str), ids=ids)
    return storage.atomic_write_bytes(path, buffer.getvalue())


def export_model(task_name: str, dest, *, tflite: bool = True) -> dict[str, Path]:
    """Exports a task's trained model: model.keras, model.tflite, labels.json and README.md in `dest`.

    Args:
        task_name: the task whose current model is exported.
        dest: the export folder (created).
        tflite: also convert to TensorFlow Lite (`tf.lite.TFLiteConverter.from_keras_model`).

    Returns:
        {"keras": path, "tflite": path, "labels": path, "readme": path} for the files written.

    Raises:
        model.network.model_store.ModelNotFoundError: the task has no trained model.
    """
    dest = Path(dest)
    keras_model, info = model_store.load_model(task_name)
    # The .keras copy and the .tflite conversion are each about the size of the model.
    disk.ensure_writable(dest, 2 * model_store.task_model_path(task_name).stat().st_size + disk.MB)
    written = {}
    with storage.atomic_path(dest / "model.keras") as temporary:
        shutil.copyfile(model_store.task_model_path(task_name), temporary)
    written["keras"] = dest / "model.keras"
    if tflite:
        written["tflite"] = storage.atomic_write_bytes(dest / "model.tflite", to_tflite(keras_model))
    written["labels"] = storage.atomic_write_json(dest / "labels.json", list(info.labels))
    written["readme"] = storage.atomic_write_text(dest / "README.md", _model_readme(info, tflite))
    return written


def to_tflite(keras_model) -> bytes:
    """Converts a Keras model to a TensorFlow Lite flatbuffer (float32, no quantisation)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    return converter.convert()


def _dataset_readme(store, labels) -> str:
    counts = store.counts()
    rows = "\n".join(f"| {label} | {counts.get(label, 0)} |" for label in labels)
    return f"""# ConvCanvas data set: {store.task_name}

One folder per label, one PNG per drawing (dark ink on white, 256x256, cropped to the drawing), and beside each
PNG a `.json` with its strokes in Quick, Draw!'s format (`"word"`, `"drawing": [[xs], [ys], [ts]]` per stroke,
pixels and milliseconds, plus `"pen_widths"`). `strokes.ndjson` holds every record, one per line.
Load it with `keras.utils.image_dataset_from_directory("<this folder>", color_mode="grayscale")` or
any ImageFolder loader; for the network's exact input apply the preprocessing below to each PNG.

| label | drawings |
| --- | --- |
{rows}

{PREPROCESSING_TEXT}"""


def _model_readme(info, tflite: bool) -> str:
    files = "`model.keras` (Keras 3)" + (", `model.tflite` (TensorFlow Lite, float32)" if tflite else "")
    return f"""# ConvCanvas model: {info.task}

Files: {files}, `labels.json` (the output order).
Labels: {json.dumps(list(info.labels))}. Trained: {info.trained_at} ({info.recipe}).

```python
import keras, numpy as np, json
model = keras.models.load_model("model.keras")
labels = json.load(open("labels.json"))
probabilities = model(image28[np.newaxis, ..., np.newaxis])[0]   # image28: see Preprocessing
print(labels[int(np.argmax(probabilities))])
```

{PREPROCESSING_TEXT}"""
