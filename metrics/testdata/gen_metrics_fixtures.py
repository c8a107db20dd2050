"""Expected metric values for golem's metrics package, computed with NumPy.

scikit-learn is not installed here, so each metric is written out from its
definition, by a method different from golem's where one exists:
  AUC       the Mann-Whitney statistic: P(score_pos > score_neg) + 0.5·P(tie),
            over all positive/negative pairs; equal to sklearn's
            roc_auc_score (trapezoidal ROC area, ties as a diagonal step).
  precision, recall, F1   from confusion counts with pred > threshold,
            0 on an empty denominator (sklearn's zero_division=0).
  binary accuracy         mean(label == (pred > threshold)), Keras.
  categorical accuracies  first-index argmax (np.argmax), Keras.
  top-k                   tf.math.in_top_k: the label's score has fewer
            than k scores strictly above it.

Run: /usr/bin/python3 gen_metrics_fixtures.py > metrics_fixtures.json
"""
import json
import sys

import numpy as np

rng = np.random.default_rng(7)


def auc_mann_whitney(score, label):
    pos = score[label != 0]
    neg = score[label == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    gt = (pos[:, None] > neg[None, :]).sum()
    eq = (pos[:, None] == neg[None, :]).sum()
    return float((gt + 0.5 * eq) / (len(pos) * len(neg)))


def binary_case(n, thr, decimals):
    score = rng.random(n).astype(np.float32)
    if decimals is not None:
        score = np.round(score, decimals).astype(np.float32)  # many ties
    label = (rng.random(n) < score * 0.8 + 0.1).astype(np.float32)
    pp = score > np.float32(thr)
    lp = label != 0
    tp = int((pp & lp).sum())
    fp = int((pp & ~lp).sum())
    fn = int((~pp & lp).sum())
    tn = int((~pp & ~lp).sum())
    div = lambda a, b: a / b if b else 0.0
    return {
        "pred": score.tolist(), "label": label.tolist(), "threshold": thr,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "binary_accuracy": float(np.mean(label == pp.astype(np.float32))),
        "precision": div(tp, tp + fp), "recall": div(tp, tp + fn), "f1": div(2 * tp, 2 * tp + fp + fn),
        "auc": auc_mann_whitney(score, label),
    }


def categorical_case(batch, classes, k, decimals):
    pred = rng.standard_normal((batch, classes)).astype(np.float32)
    if decimals is not None:
        pred = np.round(pred, decimals).astype(np.float32)
    label = rng.integers(0, classes, batch)
    onehot = np.eye(classes, dtype=np.float32)[label]
    top = []
    for r in range(batch):
        t = pred[r, label[r]]
        top.append((pred[r] > t).sum() < k)
    return {
        "classes": classes, "k": k, "pred": pred.flatten().tolist(), "label": label.astype(np.float32).tolist(),
        "onehot": onehot.flatten().tolist(),
        "categorical_accuracy": float(np.mean(np.argmax(pred, 1) == np.argmax(onehot, 1))),
        "sparse_categorical_accuracy": float(np.mean(np.argmax(pred, 1) == label)),
        "top_k_accuracy": float(np.mean(top)),
    }


out = {
    "binary": [binary_case(n, thr, d) for n, thr, d in
               [(50, 0.5, None), (200, 0.5, 1), (200, 0.3, 2), (31, 0.9, 1), (1000, 0.5, 3)]],
    "categorical": [categorical_case(b, c, k, d) for b, c, k, d in
                    [(40, 5, 2, None), (100, 10, 3, 0), (64, 3, 1, 1), (50, 20, 5, 0)]],
}
json.dump(out, sys.stdout)
sys.stdout.write("\n")
