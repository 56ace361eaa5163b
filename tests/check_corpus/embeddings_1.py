# Check-quality corpus for embeddings-1 (issue 15, modes 5-7), in the format of this folder's README.

WRONG = {
    'the shipped bug: the gradient with respect to the integer ids (None)': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    with tf.GradientTape() as tape:
        tape.watch(ids)
        vectors = tf.gather(table, ids)
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return score, tape.gradient(score, ids)
''',
    'float ids cast back to int: the cast cuts the path, still None': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    fids = tf.cast(ids, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(fids)
        vectors = tf.gather(table, tf.cast(fids, tf.int32))
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return score, tape.gradient(score, fids)
''',
    "the table's gradient gathered back by id: repeated tokens get the sum of their positions' rows": '''
def score_and_saliency(table, w_hidden, w_out, ids):
    with tf.GradientTape() as tape:
        tape.watch(table)
        vectors = tf.gather(table, ids)
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return score, tf.gather(tf.convert_to_tensor(tape.gradient(score, table)), ids)
''',
    'None hidden by zeros: right shape, no information': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    with tf.GradientTape() as tape:
        tape.watch(ids)
        vectors = tf.gather(table, ids)
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    g = tape.gradient(score, ids)
    return score, tf.zeros_like(vectors) if g is None else g
''',
}
RIGHT = {
    'one-hot lookup: the vectors come from a float matmul, watched after the lookup': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    vectors = tf.one_hot(ids, tf.shape(table)[0]) @ table
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return score, tape.gradient(score, vectors)
''',
    'the vectors as a tf.Variable: watched automatically': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    vectors = tf.Variable(tf.gather(table, ids))
    with tf.GradientTape() as tape:
        score = tf.reduce_mean(tf.tanh(vectors @ w_hidden) @ w_out)
    return tf.convert_to_tensor(score), tape.gradient(score, vectors)
''',
    'the gradient written out by hand (no tape)': '''
def score_and_saliency(table, w_hidden, w_out, ids):
    vectors = tf.gather(table, ids)
    h = tf.tanh(vectors @ w_hidden)
    score = tf.reduce_mean(h @ w_out)
    n = tf.cast(tf.shape(ids)[0], tf.float32)
    grad = ((1.0 - h ** 2) * tf.transpose(w_out)) @ tf.transpose(w_hidden) / n
    return score, grad
''',
}
