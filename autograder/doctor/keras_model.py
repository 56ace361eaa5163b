"""Adapting a Keras model + batch + loss to ``loss_fn`` + variables, and finding variables Keras never tracks."""
from __future__ import annotations


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


def untracked_variables(model) -> list:
    """Raw ``tf.Variable``s reachable from the model's attributes that Keras does not track."""
    import tensorflow as tf
    tracked = _tracked_ids(model)
    found, seen = [], set()

    def visit(obj, depth):
        if id(obj) in seen or depth > 6:
            return
        seen.add(id(obj))
        if isinstance(obj, tf.Variable):
            if id(obj) not in tracked and obj.trainable:
                found.append(obj)
            return
        if is_keras_layer(obj):
            for value in list(vars(obj).values()):
                visit(value, depth + 1)
            return
        if isinstance(obj, dict):
            for value in list(obj.values()):
                visit(value, depth + 1)
        elif isinstance(obj, (list, tuple)):
            for value in list(obj):
                visit(value, depth + 1)

    visit(model, 0)
    return found


def read_but_untracked(model, loss_fn) -> list:
    """Trainable variables the forward pass reads that ``model.trainable_variables`` does not list (for example
    the weights of a layer created inside ``call()``)."""
    import tensorflow as tf
    tracked = _tracked_ids(model)
    try:
        with tf.GradientTape() as tape:
            loss_fn()
    except Exception:
        return []
    return [v for v in tape.watched_variables() if id(v) not in tracked and getattr(v, "trainable", True)]


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
