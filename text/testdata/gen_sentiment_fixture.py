"""Keras Tokenizer reference on real data: the UCI Sentiment Labelled
Sentences (../../../shared/data/sentiment, 3 x 1000 `sentence<TAB>label`
lines), through the transcription in gen_keras_fixtures.py.

Lines are split on "\\n" only (imdb_labelled.txt holds U+0085 NEL
characters inside sentences, which str.splitlines would break on).

Run from this folder:
    /usr/bin/python3 gen_sentiment_fixture.py > sentiment_fixture.json
"""
import json
import os
import sys

from gen_keras_fixtures import Tokenizer, pad_sequences

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "sentiment")
FILES = ["amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]


def sentences():
    out = []
    for name in FILES:
        with open(os.path.join(DATA, name), encoding="utf-8", newline="") as f:
            for line in f.read().split("\n"):
                if not line.strip():
                    continue
                text, _, _label = line.rpartition("\t")
                out.append(text)
    return out


texts = sentences()
tok = Tokenizer(num_words=1000, oov_token="<OOV>")
tok.fit_on_texts(texts)
seqs = tok.texts_to_sequences(texts)
picked = [0, 1, 2, 999, 1000, 1500, 2000, 2999]
padded = pad_sequences([seqs[i] for i in picked], maxlen=12)
by_index = sorted(tok.word_index.items(), key=lambda kv: kv[1])
json.dump({
    "files": FILES,
    "num_texts": len(texts),
    "vocab_size": len(tok.word_index),
    "first_words": [w for w, _ in by_index[:300]],
    "counts_of_first_words": [tok.word_counts.get(w, 0) for w, _ in by_index[:300]],
    "total_ids": sum(len(s) for s in seqs),
    "sum_ids": sum(sum(s) for s in seqs),
    "oov_ids": sum(s.count(1) for s in seqs),
    "picked": picked,
    "picked_sequences": [seqs[i] for i in picked],
    "picked_padded": padded.tolist(),
    "picked_back": tok.sequences_to_texts([seqs[i] for i in picked]),
}, sys.stdout, ensure_ascii=False)
sys.stdout.write("\n")
