#!/usr/bin/env python3
"""Generate gpt2_fixtures.json: reference GPT-2 token ids for golem's tokenizer tests.

The Encoder below is OpenAI's GPT-2 src/encoder.py, verbatim in its algorithm
(bytes_to_unicode, get_pairs, bpe, encode with the `regex` module's pattern,
decode with errors="replace"). It reads the original encoder.json and vocab.bpe
from ../shared/data/gpt2-tokenizer (relative to the repository root).

Run from the repository root:

    /usr/bin/python3 tokenizer/testdata/gen_gpt2_fixtures.py

Needs python3-regex (Debian). Output is deterministic (seeded).
"""
import json
import os
import random
import sys
from functools import lru_cache

import regex as re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "..", "shared", "data")


# ---- OpenAI gpt-2 src/encoder.py (algorithm verbatim) ----

@lru_cache()
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1))+list(range(ord("¡"), ord("¬")+1))+list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8+n)
            n += 1
    cs = [chr(n) for n in cs]
    return dict(zip(bs, cs))


def get_pairs(word):
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs


class Encoder:
    def __init__(self, encoder, bpe_merges, errors='replace'):
        self.encoder = encoder
        self.decoder = {v: k for k, v in self.encoder.items()}
        self.errors = errors
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.cache = {}
        self.pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float('inf')))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except:  # noqa: E722 (as in the original)
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word)-1 and word[i+1] == second:
                    new_word.append(first+second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            new_word = tuple(new_word)
            word = new_word
            if len(word) == 1:
                break
            else:
                pairs = get_pairs(word)
        word = ' '.join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        for token in re.findall(self.pat, text):
            token = ''.join(self.byte_encoder[b] for b in token.encode('utf-8'))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(' '))
        return bpe_tokens

    def decode(self, tokens):
        text = ''.join([self.decoder[token] for token in tokens])
        text = bytearray([self.byte_decoder[c] for c in text]).decode('utf-8', errors=self.errors)
        return text


def get_encoder(d):
    with open(os.path.join(d, 'encoder.json'), 'r') as f:
        encoder = json.load(f)
    with open(os.path.join(d, 'vocab.bpe'), 'r', encoding="utf-8") as f:
        bpe_data = f.read()
    bpe_merges = [tuple(merge_str.split()) for merge_str in bpe_data.split('\n')[1:-1]]
    return Encoder(encoder=encoder, bpe_merges=bpe_merges)

# ---- end of encoder.py ----


NAMED = [
    ("empty", ""),
    ("hello", "Hello world"),
    ("space", " "),
    ("spaces", "   "),
    ("leading_space_word", " hello"),
    ("two_spaces_word", "  hello"),
    ("trailing_spaces", "hello   "),
    ("tabs_newlines", "a\tb\t\tc\n\nd\r\ne \n f\t\n"),
    ("whitespace_runs", "x  \t \n  y\n\n\n   z   \t\t"),
    ("newline_then_space_word", "line one\n  line two\n\tline three"),
    ("only_newlines", "\n\n\n"),
    ("unicode_spaces", "a\u00a0b\u3000c\u2028d\u0085e \u2003f\u000bg\u000ch"),
    ("contractions", "I'm he's they're we've you'll she'd don't it's"),
    ("contractions_upper", "I'M HE'S THEY'RE WE'VE YOU'LL SHE'D DON'T IT'S 'S 'T"),
    ("contractions_edge", "'s's ''s 's' x's 're've 'll'd 'sx 'ss ' s"),
    ("numbers", "1 12 123 1234 12345 3.14159 1,000,000 -42 +7 0x1F 2nd"),
    ("unicode_numbers", "½ ¾ ٣٤٥ ⅫⅣ ²³ १२३"),
    ("punctuation_runs", "Hello!!! What?!... (yes) [no] {maybe} --- *** ### @@@ $$$ %%% ^^^ &&& ~~~ ``` ;;"),
    ("mixed_punct_space", " !? ... ,, . !"),
    ("cjk", "你好，世界！这是一个测试。日本語のテキストです。한국어 텍스트"),
    ("emoji", "I love 🍕 and 🎉🎉 so much 😀😃😄"),
    ("emoji_zwj", "family: 👨‍👩‍👧‍👦 couple: 👩‍❤️‍👨 flag: 🏳️‍🌈"),
    ("emoji_skin_tones", "👍🏻 👍🏼 👍🏽 👍🏾 👍🏿 👋🏽hi"),
    ("emoji_flags", "🇺🇸🇫🇷🇯🇵"),
    ("combining_marks", "e\u0301 cafe\u0301 n\u0303o Z\u0351\u0352a\u0353\u0354l\u0355g\u0356o a\u0308\u0304"),
    ("precomposed", "café naïve résumé Ångström façade"),
    ("greek_cyrillic", "Ελληνικά Русский язык Ünïcödé"),
    ("arabic_hebrew", "مرحبا بالعالم שלום עולם"),
    ("devanagari", "नमस्ते दुनिया"),
    ("thai", "สวัสดีชาวโลก"),
    ("endoftext_literal", "Hello<|endoftext|>world <|endoftext|>"),
    ("zero_width", "a\u200bb\u200cc\u200dd\ufeffe"),
    ("control_chars", "a\x00b\x01c\x1bd\x7fe\x1cf\x1fg"),
    ("url_email", "https://example.com/path?q=1&r=2#frag mail@example.org"),
    ("code_like", "def f(x):\n    return x**2  # square\n\tif (a && b) { c++; }"),
    ("long_word", "Pneumonoultramicroscopicsilicovolcanoconiosis " * 3),
    ("long_digits", "3141592653589793238462643383279502884197169399375105820974944592"),
    ("long_space_run", " " * 100 + "x" + "\t" * 50 + "\n" * 20),
    ("repeated_char", "a" * 200 + "!" * 150),
    ("math", "∑ x² ≤ ∞ ≠ ∀ε>0 ∃δ"),
    ("private_use_and_rare", "\ue000\U0001d11e\U0001f600\U00010348"),
]


def random_cases(rng, n):
    pool = (
        list(" " * 8) + list("\t\n\r\x0b\x0c") + ["\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\u2003"]
        + list("'" * 6) + list("strevmldSTREVMLD") + list("abcxyzABC") + list("0123456789")
        + ["½", "٣", "Ⅻ", "²"] + list("!?.,;:-_()[]{}<>|/\\\"#$%&*+=@^`~")
        + ["é", "ß", "ñ", "Ж", "λ", "中", "文", "日", "本", "한", "\u0301", "\u0308", "\u200d", "\ufe0f",
           "😀", "👍", "🏽", "🇺", "🇸", "\u200b", "\x00", "\x7f", "\U0001f468", "\u2764"]
    )
    out = []
    for _ in range(n):
        k = rng.randint(1, 24)
        out.append("".join(rng.choice(pool) for _ in range(k)))
    return out


def random_bytes(rng, n):
    pool = list(range(0x00, 0x80, 13)) + [0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
                                           0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4,
                                           0xf5, 0xf8, 0xfe, 0xff]
    out = [b"\xe2\x82", b"\xe2\x82\xac", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80",
           b"\xe0\x80\xaf", b"a\xffb", b"\xf0\x9f\x98\x80\x80"]
    for _ in range(n):
        k = rng.randint(1, 10)
        out.append(bytes(rng.choice(pool) for _ in range(k)))
    return out


def main():
    d = os.path.join(DATA, "gpt2-tokenizer")
    enc = get_encoder(d)
    rng = random.Random(1234)

    cases = []
    for name, text in NAMED:
        cases.append({"name": name, "text": text})
    with open(os.path.join(DATA, "tinyshakespeare", "input.txt"), encoding="utf-8") as f:
        shakes = f.read()
    cases.append({"name": "tinyshakespeare_paragraph", "text": shakes[:1500]})
    gosrc = os.path.join(HERE, "sample_go_source.txt")
    with open(gosrc, encoding="utf-8") as f:
        cases.append({"name": "go_source", "text": f.read()})
    for i, s in enumerate(random_cases(rng, 400)):
        cases.append({"name": "random_%03d" % i, "text": s})

    for c in cases:
        c["pieces"] = re.findall(enc.pat, c["text"])
        c["ids"] = enc.encode(c["text"])
        assert enc.decode(c["ids"]) == c["text"], c["name"]

    decode_cases = []
    for b in random_bytes(rng, 150):
        decode_cases.append({"hex": b.hex(), "text": b.decode("utf-8", errors="replace")})

    out = {
        "source": "OpenAI GPT-2 encoder.py algorithm with regex %s on encoder.json/vocab.bpe" % re.__version__,
        "cases": cases,
        "decode_replace": decode_cases,
    }
    path = os.path.join(HERE, "gpt2_fixtures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=0)
        f.write("\n")
    print("wrote", path, len(cases), "cases,", len(decode_cases), "decode cases", file=sys.stderr)


if __name__ == "__main__":
    main()
