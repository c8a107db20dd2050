// Package metrics computes classification metrics on predictions and labels
// given as plain float32 slices, both one-shot (BinaryAccuracy, AUC, ...)
// and as streaming accumulators (the Metric interface) that a training loop
// updates once per batch and reads at the end of an epoch.
//
// Predictions are row-major with shape predShape: [batch] or [batch, 1] for
// a binary score, [batch, classes] for class scores (probabilities or
// logits: only their order matters). Labels are 0/1 values for the binary
// metrics, one-hot rows for CategoricalAccuracy, and class indices stored
// as float32 for the sparse metrics.
//
// Definitions follow Keras where Keras defines the metric (names, the 0.5
// threshold with pred > threshold, first-index argmax, in_top_k's tie rule)
// and scikit-learn for AUC: the exact area under the ROC curve with tied
// scores forming one diagonal step, as roc_auc_score computes it (Keras's
// AUC approximates it with 200 thresholds). Ratios with an empty
// denominator (precision with no predicted positives, ...) are 0, as Keras's
// divide_no_nan and scikit-learn's zero_division default give; AUC with a
// single class present is NaN (scikit-learn raises an error).
package metrics
