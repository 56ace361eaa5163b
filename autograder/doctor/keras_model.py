"""Adapting a Keras model + batch + loss to ``loss_fn`` + variables, and finding variables Keras never tracks."""
from __future__ import annotations

import contextlib


def is_keras_layer(obj) -> bool:
    try:
        import keras
    except ImportError:
        return False
    return isinstance(obj, keras.layers.Layer)


def make_loss_fn(model, batch, loss, training: bool = True):
    import keras
    if isinstance(batch, dict) or not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise TypeError("batch must be a tuple (x, y) or (x, y, sample_weight)")
    x, y = batch[0], batch[1]
    sw = batch[2] if len(batch) > 2 else None
    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise TypeError("pass loss=... (a Keras loss or a callable loss(y_true, y_pred)); the model is not compiled")
    if isinstance(loss, str):
        loss = keras.losses.get(loss)

    def loss_fn():
        y_pred = model(x, training=training)
        if sw is not None:
            return loss(y, y_pred, sample_weight=sw)
        return loss(y, y_pred)

    return loss_fn


def _tracked_ids(model) -> set[int]:
    """ids of every variable Keras tracks, and of the TensorFlow variable inside each (what a tape reports)."""
    ids = set()
    for v in model.variables:
        ids.add(id(v))
        inner = getattr(v, "value", None)
        if inner is not None:
            ids.add(id(inner))
    return ids


def untracked_variables(model, where: dict | None = None) -> list:
    """Raw ``tf.Variable``s reachable from the model's attributes that Keras does not track. ``where`` (if given)
    receives id(variable) -> (attribute path such as ``layers[2].gain``, ``file:line`` of its assignment)."""
    import tensorflow as tf
    tracked = _tracked_ids(model)
    found, seen = [], set()

    def visit(obj, depth, path, owner, attr):
        if id(obj) in seen or depth > 6:
            return
        seen.add(id(obj))
        if isinstance(obj, tf.Variable):
            if id(obj) not in tracked and obj.trainable:
                found.append(obj)
                if where is not None:
                    where[id(obj)] = (path, _assignment_line(type(owner), attr) if attr else None)
            return
        if is_keras_layer(obj):  # public attributes first: `gain`, not Keras' private bookkeeping of it
            for key, value in sorted(vars(obj).items(), key=lambda kv: kv[0].startswith("_")):
                visit(value, depth + 1, f"{path}.{key}" if path else key, obj, key)
            return
        if isinstance(obj, dict):
            for key, value in list(obj.items()):
                visit(value, depth + 1, f"{path}[{key!r}]", owner, attr)
        elif isinstance(obj, (list, tuple)):
            for k, value in enumerate(list(obj)):
                visit(value, depth + 1, f"{path}[{k}]", owner, attr)

    seen.add(id(model))
    for i, layer in enumerate(getattr(model, "layers", None) or []):  # named as a reader finds it: layers[i]
        visit(layer, 1, f"layers[{i}]", None, None)
    seen.discard(id(model))
    visit(model, 0, "", None, None)
    return found


def _assignment_line(cls, attr: str) -> str | None:
    """``file:line`` of ``self.<attr> = ...`` in the layer's own methods (``__init__``, ``build``, ``call``)."""
    import linecache
    from .source import _short, is_user_frame
    for method in ("__init__", "build", "call"):
        code = getattr(getattr(cls, method, None), "__code__", None)
        if code is None or not is_user_frame(code.co_filename):
            continue
        lines = linecache.getlines(code.co_filename)
        end = max((ln for _, _, ln in code.co_lines() if ln), default=code.co_firstlineno)
        for lineno in range(code.co_firstlineno, min(end, len(lines)) + 1):
            text = lines[lineno - 1].replace(" ", "")
            if text.startswith(f"self.{attr}=") or f"self.{attr}=" in text.split("#")[0]:
                return f"{_short(code.co_filename)}:{lineno}"
    return None


@contextlib.contextmanager
def recording_creations(created_at: dict | None):
    """Record, into ``created_at`` (id(variable) -> the learner's ``file:line``), each variable created inside."""
    if created_at is None:
        yield
        return
    import traceback
    import tensorflow as tf
    from .source import user_location

    def record(next_creator, **kwargs):
        v = next_creator(**kwargs)
        created_at[id(v)] = user_location(traceback.extract_stack()[:-1])
        return v

    with tf.variable_creator_scope(record):
        yield


def untracked_reads(model, read_variables) -> list:
    """Of the trainable variables a forward pass read, those ``model.trainable_variables`` does not list (for
    example the weights of a layer created inside ``call()``)."""
    tracked = _tracked_ids(model)   # after the call: it may have built the model
    return [v for v in read_variables if id(v) not in tracked and getattr(v, "trainable", True)]


def read_but_untracked(model, loss_fn, created_at: dict | None = None) -> list:
    """``untracked_reads`` of one forward pass of ``loss_fn``; ``created_at`` as in ``recording_creations``."""
    import tensorflow as tf
    try:
        with recording_creations(created_at), tf.GradientTape() as tape:
            loss_fn()
    except Exception:
        return []
    return untracked_reads(model, tape.watched_variables())


def snapshot_state(model) -> list:
    """The model's non-trainable state (batch-norm statistics, seed generators): the doctor's extra forward
    passes in training mode would change it, so it is put back afterwards."""
    saved = []
    for v in getattr(model, "non_trainable_variables", []):
        try:
            saved.append((v, v.numpy().copy()))
        except Exception:
            continue
    return saved


def restore_state(saved: list) -> None:
    for v, value in saved:
        try:
            v.assign(value)
        except Exception:
            continue
