"""Start TensorFlow without its C++ start-up chatter.

TensorFlow 2.21 logs CUDA probing and oneDNN notices from C++ before its log level is read, straight to file
descriptor 2, with timestamps: noise on every page and a different output on every run. Silencing fd 2 for the
import and the first op removes exactly that; warnings later on (the ones worth reading) still show.
"""
import os
import sys


def quiet_start():
    """Import TensorFlow and run one op with stderr silenced; returns the ``tensorflow`` module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules and getattr(quiet_start, "done", False):
        return sys.modules["tensorflow"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
        tf.constant(0.0) + 0.0  # the first op initialises devices, which logs too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    quiet_start.done = True
    return tf
