# Check-quality corpus for distributed-1 (issue 15, modes 5-7), in the format of this folder's README.

WRONG = {
    "the shipped bug: the mean over this replica's shard": '''
def replica_loss(w, x, y, global_batch_size):
    return tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
''',
    'a hard-coded replica count: right for four full shards only': '''
def replica_loss(w, x, y, global_batch_size):
    return tf.reduce_mean(tf.square(tf.matmul(x, w) - y)) / 4.0
''',
    'compute_average_loss without the global batch size: shard size x replicas, wrong on uneven shards': '''
def replica_loss(w, x, y, global_batch_size):
    return tf.nn.compute_average_loss(tf.square(tf.matmul(x, w) - y)[:, 0])
''',
    'the sum, never divided': '''
def replica_loss(w, x, y, global_batch_size):
    return tf.reduce_sum(tf.square(tf.matmul(x, w) - y))
''',
    'the replica count inferred as global / shard, rounded: wrong for the uneven shard': '''
def replica_loss(w, x, y, global_batch_size):
    replicas = tf.cast(tf.math.ceil(global_batch_size / tf.shape(x)[0]), tf.float32)
    return tf.reduce_mean(tf.square(tf.matmul(x, w) - y)) / replicas
''',
}
RIGHT = {
    'by hand: the sum divided by the global batch size': '''
def replica_loss(w, x, y, global_batch_size):
    return tf.reduce_sum(tf.square(tf.matmul(x, w) - y)) / tf.cast(global_batch_size, tf.float32)
''',
    "the shard mean reweighted by the shard's share of the global batch": '''
def replica_loss(w, x, y, global_batch_size):
    share = tf.cast(tf.shape(x)[0], tf.float32) / tf.cast(global_batch_size, tf.float32)
    return share * tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
''',
    'compute_average_loss on the (n, 1) errors: it sums every element, the same thing': '''
def replica_loss(w, x, y, global_batch_size):
    return tf.nn.compute_average_loss(tf.square(tf.matmul(x, w) - y), global_batch_size=global_batch_size)
''',
}
