WRONG = {
    "deduplicate the errors by value behind a stop_gradient (merges different items with equal errors)": '''
def distinct_item_loss(w, x, ids, y):
    errors = tf.square(tf.squeeze(x @ w, axis=1) - y)
    _, idx = tf.unique(tf.stop_gradient(errors))
    first = tf.math.unsorted_segment_min(tf.range(tf.shape(errors)[0]), idx, tf.reduce_max(idx) + 1)
    return tf.reduce_mean(tf.gather(errors, first))
''',
    "tf.unique deleted: every row counted, duplicates too": '''
def distinct_item_loss(w, x, ids, y):
    return tf.reduce_mean(tf.square(tf.squeeze(x @ w, axis=1) - y))
''',
    "the last row of each item, through a sum of one-hots (counts duplicates)": '''
def distinct_item_loss(w, x, ids, y):
    errors = tf.square(tf.squeeze(x @ w, axis=1) - y)
    per_item = tf.math.unsorted_segment_sum(errors, ids, tf.reduce_max(ids) + 1)
    return tf.reduce_mean(per_item)
''',
    "reduce_max for reduce_mean (near-twin)": '''
def distinct_item_loss(w, x, ids, y):
    errors = tf.square(tf.squeeze(x @ w, axis=1) - y)
    _, idx = tf.unique(ids)
    first = tf.math.unsorted_segment_min(tf.range(tf.shape(ids)[0]), idx, tf.reduce_max(idx) + 1)
    return tf.reduce_max(tf.gather(errors, first))
''',
}

RIGHT = {
    "per-item mean of the errors with unsorted_segment_mean": '''
def distinct_item_loss(w, x, ids, y):
    errors = tf.square(tf.squeeze(x @ w, axis=1) - y)
    _, idx = tf.unique(ids)
    per_item = tf.math.unsorted_segment_mean(errors, idx, tf.reduce_max(idx) + 1)
    return tf.reduce_mean(per_item)
''',
    "first occurrences found with NumPy on the (integer) ids": '''
def distinct_item_loss(w, x, ids, y):
    errors = tf.square(tf.squeeze(x @ w, axis=1) - y)
    first = np.unique(np.asarray(ids), return_index=True)[1]
    return tf.reduce_mean(tf.gather(errors, first))
''',
}
