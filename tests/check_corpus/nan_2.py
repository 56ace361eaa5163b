WRONG = {
    "mask only the diagonal (duplicate embeddings also have distance 0)": '''
def diversity_loss(emb):
    diff = emb[:, None, :] - emb[None, :, :]
    sq = tf.reduce_sum(tf.square(diff), axis=-1)
    eye = tf.eye(tf.shape(emb)[0], dtype=tf.bool)
    dist = tf.where(eye, 0.0, tf.sqrt(tf.where(eye, 1.0, sq)))
    return -tf.reduce_mean(dist)
''',
    "an epsilon inside the square root that changes the loss (1e-4)": '''
def diversity_loss(emb):
    diff = emb[:, None, :] - emb[None, :, :]
    return -tf.reduce_mean(tf.sqrt(tf.reduce_sum(tf.square(diff), axis=-1) + 1e-4))
''',
    "tf.where after the fact on the distances": '''
def diversity_loss(emb):
    diff = emb[:, None, :] - emb[None, :, :]
    dist = tf.norm(diff, axis=-1)
    dist = tf.where(tf.math.is_nan(dist), 0.0, dist)
    return -tf.reduce_mean(dist)
''',
    "the pairs (i, i) left out of the mean": '''
def diversity_loss(emb):
    n = tf.shape(emb)[0]
    diff = emb[:, None, :] - emb[None, :, :]
    sq = tf.reduce_sum(tf.square(diff), axis=-1)
    dist = tf.where(sq > 0, tf.sqrt(tf.where(sq > 0, sq, 1.0)), 0.0)
    pairs = tf.cast(tf.maximum(n * n - n, 1), tf.float32)
    return -tf.reduce_sum(dist) / pairs
''',
}

RIGHT = {
    "a floor under the squared distance (below float32 resolution)": '''
def diversity_loss(emb):
    diff = emb[:, None, :] - emb[None, :, :]
    return -tf.reduce_mean(tf.sqrt(tf.maximum(tf.reduce_sum(diff * diff, axis=-1), 1e-30)))
''',
    "sqrt(sq + 1) - 1 where sq == 0": '''
def diversity_loss(emb):
    diff = emb[:, None, :] - emb[None, :, :]
    sq = tf.reduce_sum(tf.square(diff), axis=-1)
    zero = tf.cast(tf.equal(sq, 0.0), sq.dtype)
    return -tf.reduce_mean(tf.sqrt(sq + zero) - zero)
''',
}
