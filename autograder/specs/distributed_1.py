"""distributed-1: a per-replica loss averaged over the replica's shard instead of the global batch."""
import numpy as np

ID = "distributed-1"
TITLE = "A distributed step that is too large"
CHAPTER = "compiled-distributed"
NOTEBOOK = "distributed-1.ipynb"
SEQ = 180
POINTS = 2
ENTRY = "replica_loss"
WRT = ("w",)
# The shipped loss is a correct loss on one device; it is wrong only in how a strategy sums the replicas'
# gradients, so the gradient doctor (which sees one call) reports it as fine. See the chapter's Diagnose section.
CAUSE = ""
DOCTOR_BLIND = "the per-replica gradient is right on its own; the strategy's sum over replicas makes it too large"
HINTS = (
    "A strategy adds up the gradients of all replicas. If every replica returns the mean over its own shard, "
    "what does the sum of those gradients equal?",
    "Each replica must contribute its share of the *global* mean: the sum of its per-example losses divided by "
    "the global batch size, not by the number of examples it holds (the last batch of an epoch has uneven shards).",
    "Return `tf.nn.compute_average_loss(per_example, global_batch_size=global_batch_size)`, where `per_example` is "
    "the vector of squared errors of this replica's examples.",
)
WHY = ("The strategy sums the replicas' gradients. Dividing each replica's summed loss by the global batch size "
       "makes that sum the gradient of the mean over the whole batch, whatever the number of replicas and however "
       "unevenly the last batch is split.")

# (global batch size, this replica's shard size): four full shards; the last, uneven shard of a 14-example
# batch split 4, 4, 4, 2 (as MirroredStrategy splits it); a shard size that does not divide the global batch
# (10 split 3, 3, 2, 2), which catches "replicas = ceil(global / shard)"; and a single replica, where the
# per-shard mean happens to be right.
SHARDS = ((16, 4), (14, 2), (10, 3), (8, 8))


def cases(rng):
    out = []
    for global_batch, shard in SHARDS:
        d = int(rng.integers(2, 5))
        out.append({
            "w": rng.normal(size=(d, 1)).astype("float32"),
            "x": rng.normal(size=(shard, d)).astype("float32"),
            "y": rng.normal(size=(shard, 1)).astype("float32"),
            "global_batch_size": np.array(global_batch, dtype="int32"),
        })
    return out


def reference(w, x, y, global_batch_size):
    import tensorflow as tf
    per_example = tf.square(tf.matmul(x, w) - y)[:, 0]
    return tf.reduce_sum(per_example) / tf.cast(global_batch_size, tf.float32)
