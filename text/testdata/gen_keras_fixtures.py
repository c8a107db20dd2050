"""Reference outputs of Keras's text preprocessing on tricky inputs.

Keras cannot be installed here (no PyPI), so this script carries a
transcription of the functions golem's text package follows, from
keras-team/keras-preprocessing (MIT License, Copyright (c) 2015 - 2018, the
respective contributors; the code behind tf.keras.preprocessing.text and
.sequence):

  keras_preprocessing/text.py      text_to_word_sequence, hashing_trick (md5),
                                   Tokenizer.__init__,
                                   fit_on_texts, texts_to_sequences_generator,
                                   sequences_to_texts_generator
                                   sequences_to_matrix, get_config, to_json,
                                   tokenizer_from_json (the last three as in
                                   keras/src/legacy/preprocessing/text.py)
  keras_preprocessing/sequence.py  pad_sequences

The transcription keeps their semantics line for line (str.maketrans
filtering, str.split with a literal separator, an OrderedDict of counts, a
stable sort by count, dict(zip(...)) for the index, NumPy for padding); the
Python 2 branches, legacy keyword arguments and unrelated methods are left
out.

keras-preprocessing's license (MIT):

    Copyright (c) 2015 - 2018, the respective contributors.
    All rights reserved.

    Permission is hereby granted, free of charge, to any person obtaining a
    copy of this software and associated documentation files (the
    "Software"), to deal in the Software without restriction, including
    without limitation the rights to use, copy, modify, merge, publish,
    distribute, sublicense, and/or sell copies of the Software, and to
    permit persons to whom the Software is furnished to do so, subject to
    the following conditions:

    The above copyright notice and this permission notice shall be included
    in all copies or substantial portions of the Software.

    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
    OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
    MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
    IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
    CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
    TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
    SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

Run with /usr/bin/python3 (numpy comes with Debian's python3-torch):
    /usr/bin/python3 gen_keras_fixtures.py > keras_fixtures.json
"""
import json
import math
import os
import sys
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy as np

# Keras's word_docs follow Python's set iteration order, which depends on
# the string hash seed: fix it so that the fixtures are reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


# ---- transcription of keras_preprocessing/text.py -------------------------

def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    if lower:
        text = text.lower()
    translate_map = str.maketrans(dict((c, split) for c in filters))
    text = text.translate(translate_map)
    seq = text.split(split)
    return [i for i in seq if i]


def hashing_trick_md5(text, n, filters=DEFAULT_FILTERS, lower=True, split=' '):
    hash_function = lambda w: int(md5(w.encode()).hexdigest(), 16)
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


class Tokenizer(object):
    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True,
                 split=' ', char_level=False, oov_token=None):
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = 0
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)

    def _seq(self, text):
        if self.char_level:
            if self.lower:
                text = text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        for text in texts:
            self.document_count += 1
            seq = self._seq(text)
            for w in seq:
                if w in self.word_counts:
                    self.word_counts[w] += 1
                else:
                    self.word_counts[w] = 1
            for w in set(seq):
                self.word_docs[w] += 1
        wcounts = list(self.word_counts.items())
        wcounts.sort(key=lambda x: x[1], reverse=True)
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(wc[0] for wc in wcounts)
        self.word_index = dict(list(zip(sorted_voc, list(range(1, len(sorted_voc) + 1)))))
        self.index_word = dict((c, w) for w, c in self.word_index.items())
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def texts_to_sequences(self, texts):
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        out = []
        for text in texts:
            seq = self._seq(text)
            vect = []
            for w in seq:
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_token_index is not None:
                            vect.append(oov_token_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_token_index)
            out.append(vect)
        return out

    def sequences_to_texts(self, sequences):
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        out = []
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_token_index is not None:
                            vect.append(self.index_word[oov_token_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_token_index])
            out.append(' '.join(vect))
        return out


    def texts_to_matrix(self, texts, mode='binary'):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode='binary'):
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError('Specify a dimension (num_words argument), or fit on some text data first.')
        else:
            num_words = self.num_words
        if mode == 'tfidf' and not self.document_count:
            raise ValueError('Fit the Tokenizer on some data before using tfidf mode.')
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j >= num_words:
                    continue
                counts[j] += 1
            for j, c in list(counts.items()):
                if mode == 'count':
                    x[i][j] = c
                elif mode == 'freq':
                    x[i][j] = c / len(seq)
                elif mode == 'binary':
                    x[i][j] = 1
                elif mode == 'tfidf':
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i][j] = tf * idf
                else:
                    raise ValueError('Unknown vectorization mode:', mode)
        return x

    def get_config(self):
        return {
            'num_words': self.num_words,
            'filters': self.filters,
            'lower': self.lower,
            'split': self.split,
            'char_level': self.char_level,
            'oov_token': self.oov_token,
            'document_count': self.document_count,
            'word_counts': json.dumps(self.word_counts),
            'word_docs': json.dumps(self.word_docs),
            'index_docs': json.dumps(self.index_docs),
            'index_word': json.dumps(self.index_word),
            'word_index': json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        return json.dumps({'class_name': self.__class__.__name__, 'config': self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    config = json.loads(json_string).get('config')
    word_counts = json.loads(config.pop('word_counts'))
    word_docs = json.loads(config.pop('word_docs'))
    index_docs = {int(k): v for k, v in json.loads(config.pop('index_docs')).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop('index_word')).items()}
    word_index = json.loads(config.pop('word_index'))
    document_count = config.pop('document_count')
    tokenizer = Tokenizer(**config)
    tokenizer.document_count = document_count  # Keras passes it through **kwargs
    tokenizer.word_counts = word_counts
    tokenizer.word_docs = word_docs
    tokenizer.index_docs = index_docs
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer


# ---- transcription of keras_preprocessing/sequence.py ---------------------

def pad_sequences(sequences, maxlen=None, dtype='int32', padding='pre', truncating='pre', value=0.):
    lengths = [len(x) for x in sequences]
    num_samples = len(sequences)
    if maxlen is None:
        maxlen = np.max(lengths)
    sample_shape = tuple()
    for s in sequences:
        if len(s) > 0:
            sample_shape = np.asarray(s).shape[1:]
            break
    x = (np.ones((num_samples, maxlen) + sample_shape) * value).astype(dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == 'pre':
            trunc = s[-maxlen:]
        elif truncating == 'post':
            trunc = s[:maxlen]
        else:
            raise ValueError('Truncating type "%s" not understood' % truncating)
        trunc = np.asarray(trunc, dtype=dtype)
        if padding == 'post':
            x[idx, :len(trunc)] = trunc
        elif padding == 'pre':
            x[idx, -len(trunc):] = trunc
        else:
            raise ValueError('Padding type "%s" not understood' % padding)
    return x


# ---- the cases -------------------------------------------------------------

CORPUS = [
    "The cat sat on the mat.",
    "The dog ate my homework!!! Didn't it?",
    "  multiple   spaces\tand\ttabs\nand newlines  ",
    "Punctuation: (brackets) [square] {curly} <angle> \"quotes\" 'apostrophes' back`tick",
    "e-mail: someone@example.com; 50% off #deal $5 ~tilde~ a|b a_b a^b a\\b",
    "CAPS caps Caps cApS",
    "",
    "ΟΔΟΣ ΟΔΟΣ. Σίσυφος İstanbul ÉCOLE naïve café",
    "the the the cat cat dog",
]
TESTS = [
    "the cat and the unknown zebra",
    "Didn't the DOG eat it?",
    "",
    "naïve ΟΔΟΣ, İstanbul!",
    "mat mat mat",
]

TOKENIZER_CASES = [
    ("defaults", {}, [CORPUS]),
    ("num_words", {"num_words": 5}, [CORPUS]),
    ("num_words_oov", {"num_words": 5, "oov_token": "<OOV>"}, [CORPUS]),
    ("oov", {"oov_token": "<OOV>"}, [CORPUS]),
    ("oov_is_a_word", {"oov_token": "the"}, [CORPUS]),
    ("no_lower", {"lower": False}, [CORPUS]),
    ("no_filters", {"filters": ""}, [CORPUS]),
    ("split_comma", {"split": ",", "filters": ".!"}, [["a,b,,c", "b, c,a.", "C,,a"]]),
    ("split_multichar", {"split": "--", "filters": ""}, [["a--b----c", "b--a--"]]),
    ("char_level", {"char_level": True}, [["Hello, World!", "hello\tworld", ""]]),
    ("char_level_oov_cut", {"char_level": True, "num_words": 4, "oov_token": "?", "lower": False}, [["aAbBcc", "abc"]]),
    ("fit_twice", {}, [["a b c", "b c"], ["c d", "d d e"]]),
]


def tokenizer_case(name, cfg, fits):
    tok = Tokenizer(**cfg)
    for texts in fits:
        tok.fit_on_texts(texts)
    tests = TESTS + [t for texts in fits for t in texts]
    seqs = tok.texts_to_sequences(tests)
    n = len(tok.word_index)
    back_in = seqs + [[0, 1, 2, n, n + 1, n + 50, -1]]
    return {
        "name": name,
        "config": cfg,
        "fits": fits,
        "word_counts": [[w, c] for w, c in tok.word_counts.items()],
        "word_docs": dict(tok.word_docs),
        "word_index": tok.word_index,
        "document_count": tok.document_count,
        "texts": tests,
        "sequences": seqs,
        "back_input": back_in,
        "back_texts": tok.sequences_to_texts(back_in),
        "matrix": {mode: tok.texts_to_matrix(TESTS[:2] + fits[0][:2], mode=mode).tolist() for mode in ["binary", "count", "freq", "tfidf"]},
        "matrix_texts": TESTS[:2] + fits[0][:2],
        "json": tok.to_json(),
        "json_loaded_sequences": tokenizer_from_json(tok.to_json()).texts_to_sequences(tests),
    }


WORD_SEQ_CASES = [
    (t, f, lower, split)
    for t in CORPUS[:6] + ["a\u00a0b c", "x..y", "ΟΔΟΣ"]
    for (f, lower, split) in [(DEFAULT_FILTERS, True, " "), ("", False, " "), ("aeiou", True, "e")]
]

SEQS = [[1, 2, 3], [], [4, 5, 6, 7, 8, 9], [10], [11, 12, 13, 14]]
PAD_CASES = []
for maxlen in [None, 1, 3, 5, 8]:
    for padding in ["pre", "post"]:
        for truncating in ["pre", "post"]:
            for value in [0, -1]:
                PAD_CASES.append({"maxlen": maxlen, "padding": padding, "truncating": truncating, "value": value})


def main():
    out = {
        "text_to_word_sequence": [
            {"text": t, "filters": f, "lower": lower, "split": split,
             "words": text_to_word_sequence(t, f, lower, split)}
            for (t, f, lower, split) in WORD_SEQ_CASES
        ],
        "tokenizer": [tokenizer_case(*c) for c in TOKENIZER_CASES],
        "pad_sequences": [],
        "hashing_trick": [
            {"text": t, "n": n, "ids": hashing_trick_md5(t, n)}
            for t in CORPUS[:6] + TESTS[:4] for n in [2, 7, 1000, 2**40]
        ],
    }
    for c in PAD_CASES:
        x = pad_sequences(SEQS, maxlen=c["maxlen"], padding=c["padding"],
                          truncating=c["truncating"], value=c["value"])
        out["pad_sequences"].append(dict(c, sequences=SEQS, padded=x.tolist()))
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
