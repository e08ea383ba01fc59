#!/usr/bin/env python3
"""Writes the BERT tokenizer fixture: tests/data/bert_tokenizer/{vocab.txt,cases.jsonl}.

A few hundred sentences (accents, Greek, Turkish, Hangul, CJK, emoji, URLs, numbers, long words,
zero-width and control characters, odd whitespace, invalid UTF-8, literal special tokens) go through
transformers.BertTokenizer with do_lower_case True and False; every (sentence, casing) pair is one case
with the tokens and ids BertTokenizer gives, without [CLS]/[SEP]. tests/test_bert_tokenizer_fixture.cpp
requires ponet's WordPieceTokenizer to give the same for all of them.

The vocabulary is built here (nothing can be downloaded): BERT's layout of specials ([PAD]=0,
[unused0..98], [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103), a few hundred words and ## pieces in both
cases, then every character the sentences produce, plain and ##, except a few left out on purpose so
that unknown characters give [UNK].

Usage: tests/data/generators/make_tokenizer_fixture.py [out_dir]
       (python with transformers, e.g. ~/.cache/ponet-torch)
"""
import json
import os
import random
import sys

import tokenizers
import transformers
from transformers import BertTokenizer

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "bert_tokenizer")

# ---- sentences ------------------------------------------------------------------------------------
HAND = [
    # plain English and KJV
    "In the beginning God created the heaven and the earth.",
    "And God said, Let there be light: and there was light.",
    "The LORD is my shepherd; I shall not want.",
    "Hello, World! How are you?!?",
    "unaffable players were playing; the player played.",
    "It's John's book, isn't it? \"Yes\" -- (maybe) [or not] {who knows}.",
    "  leading and trailing spaces  ",
    # accents and Latin extensions
    "Café naïve résumé façade Ångström Øresund crème brûlée",
    "CAFÉ NAÏVE RÉSUMÉ",
    "São Paulo, Dvořák, Łódź, Škoda, Ærø, Þórr, Ðakovo",
    "cafe\u0301 with a combining acute, and e\u0300\u0323 with two marks",
    "\u1e0b\u0323 and d\u0323\u0307: the marks reorder under NFD",
    "Straße STRASSE straße ß ẞ",
    "ﬁnancial ﬂower ǆemal Ǆ ǅ",  # ligatures and digraphs: no canonical decomposition
    "Å vs \u212b (ANGSTROM SIGN) vs A\u030a",
    # Greek: sigma at the end, inside, alone, next to punctuation
    "ΟΔΟΣ οδός Σίσυφος ΣΊΣΥΦΟΣ",
    "λόγος ΛΌΓΟΣ ΛΟΓΟΣ.",
    "Σ ς σ ΣΣ ΑΣ ΣΑ Α.Σ ΑΣ'Α",
    "Ὀδυσσεύς ᾅδης ΐ ΰ",
    # Turkish dotted and dotless i
    "İstanbul ISTANBUL ıi İi DİYARBAKIR",
    "i\u0307 and I\u0307 written decomposed",
    # other scripts
    "Москва ЁЛКА Йошкар-Ола ёлка й",
    "مَرْحَبًا بِكُمْ ١٢٣ ٪",
    "שָׁלוֹם עֲלֵיכֶם",
    "नमस्ते दुनिया",
    "ภาษาไทย ไม่มีช่องว่าง",
    "한국어 텍스트 한글",
    "日本語のテキスト、カタカナ。",
    "Ελληνικά, Русский, العربية, עברית, हिन्दी",
    # CJK
    "我爱北京天安门",
    "中文English混合mixed",
    "豈 更 車 (compatibility ideographs)",
    "𠀀 𪜀 𫝀 𫠠 𫠟 𬺰 (extensions B, C, D, E, F)",
    "\U0002b820\U0002b91f\U0002b920 around the Extension E start",
    "\U0002f800 compatibility supplement",
    "ㄅㄆㄇ ㄱㄴㄷ 〇 々",
    # fullwidth and symbols
    "ＡＢＣ　ａｂｃ　１２３！？",
    "© ® ™ ° ± × ÷ § ¶ † ‡ • … ‰",
    "₹100 €5 £3 ¥7 $9 ¢1",
    "$ + < = > ^ ` | ~ # % & * @ \\ /",
    "«quoted» “smart” ‘single’ „low“ ‹one›",
    "em—dash en–dash ‐hyphen ‑nb ‒figure ―bar",
    "¿Qué? ¡Sí! ‽ ⁇ ※",
    "、。・「」『』【】〜",
    # emoji
    "I ❤️ NY 🗽",
    "thumbs 👍🏽 up",
    "👨‍👩‍👧‍👦 family",
    "flags 🇯🇵🇫🇷",
    "keycap 1️⃣ #️⃣",
    "snow ☃ and ☃️",
    "😀😃😄😁",
    # URLs, e-mail, code
    "https://example.com/path/to?q=1&x=y#frag",
    "Mail john.doe+tag@example.org now",
    "C:\\Users\\me\\file.txt and /usr/local/bin",
    "x = f(a, b) + arr[3] * 2; // comment",
    # numbers
    "3.14159 1,000,000 1e-9 -5 −5 +7",
    "50% ½ ¼ ² ³ ⅓ Ⅻ ⅻ",
    "٠١٢٣٤٥٦٧٨٩ ०१२३",
    "2026-12-01 12:34:56",
    # long words: the 100 code point limit is counted after normalization
    "ab" * 50,
    "ab" * 50 + "a",
    "é" * 100,
    "é" * 101,
    "e\u0301" * 60,
    "x" * 100 + " short",
    "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism Pneumonoultramicroscopicsilicovolcanoconiosis",
    # zero-width, format and control characters
    "zero\u200bwidth space",
    "soft\u00adhyphen",
    "\ufeffbyte order mark",
    "join\u200dand\u200cnon",
    "\u202eright to left override\u202c",
    "word\u2060joiner",
    "mongolian\u180evowel",
    "tab\there",
    "new\nline and cr\rhere and crlf\r\nend",
    "vertical\x0btab and form\x0cfeed",
    "file\x1cgroup\x1drecord\x1eunit\x1fsep",
    "next\x85line",
    "del\x7fete and bell\x07",
    "nul\x00byte",
    "line\u2028separator and para\u2029graph",
    "no\u00a0break and narrow\u202fnbsp",
    "ideographic\u3000space and ogham\u1680mark",
    "en\u2002em\u2003thin\u2009hair\u200a",
    "private\ue000use\U000f0000",
    "unassigned\u0378and\U000e0080",
    "nonchar\ufffeand\uffff",
    "replacement\ufffdchar",
    "interlinear\ufff9anchor\ufffb",
    "tag\U000e0041\U000e007f chars",
    "variation\ufe0e\ufe0f selectors",
    "enclosing a\u20dd and spacing ा",
    # empty and blank
    "",
    " ",
    "   \t\n  ",
    "\u3000\u00a0\u2028",
    "\x00\x01\x02",
    "\u200b\u200b",
    # special tokens
    "[CLS] hello [SEP] world [SEP]",
    "[MASK]",
    "the[MASK]is",
    "The LORD is my [MASK]; I shall not want.",
    "[cls] [Cls] [mask] [Mask]",
    "[UNK] [PAD][PAD] [SEP][CLS]",
    "[[MASK]] [MASK [MASK] MASK]",
    "[CL\x00S] [SE\u200bP]",
    "我[MASK]你",
    "[MASK]ing [unused1] [unused98] [unused99]",
    "x[SEP]y,[CLS].",
    # mixed case words
    "iPhone McDonald's O'Neill NASA eBay",
    "Paris London Berlin PARIS paris",
]

INVALID_UTF8 = [
    b"caf\xc3\xa9 \xff\xfe ok",
    b"\xe4\xb8 truncated",
    b"\xed\xa0\x80 surrogate",
    b"\xc0\xaf overlong slash",
    b"a\x80b stray continuation",
    b"\xf4\x90\x80\x80 above U+10FFFF",
    b"end \xf0\x9f\x98",
    b"[MA\xffSK] [MASK]\xff",
]

FRAGMENTS = [
    "the", "Lord", "SHEPHERD", "player", "playing", "unaffable", "naïve", "Café", "ΟΔΟΣ", "Σ", "οδός", "İstanbul",
    "ı", "Straße", "Москва", "我", "爱", "北京", "日本語", "한국어", "👍🏽", "🇯🇵", "❤️", "https://x.org/a?b=c", "3.14",
    "1,000", "−5", "½", ",", ".", "!", "?", "'", "\"", "«", "»", "“", "—", "…", "、", "。", "§", "©", "€", "[MASK]",
    "[CLS]", "[SEP]", "[cls]", "[UNK]", "\u200b", "\u00ad", "\ufeff", "\x00", "\x07", "\x0b", "\x85", "\ufffd",
    "\ue000", "\u0378", "e\u0301", "ﬁ", "ＡＢＣ", "！", "ǅ", "\u212b", "x" * 101, "ab" * 30, "ΐ",
]
SEPARATORS = [" ", " ", " ", "", "\t", "\n", "\u00a0", "\u3000", "\u2028", "  "]


def generated(count, seed=17):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rng.choice(FRAGMENTS) for _ in range(rng.randint(2, 9))]
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(SEPARATORS) + p
        out.append(text)
    return out


SENTENCES = [("text", s) for s in HAND + generated(300)] + [("hex", b) for b in INVALID_UTF8]

# ---- vocabulary -----------------------------------------------------------------------------------
WORDS = """the of and to in a is that for it as was with be by on not he i this are or his from at which
but have an they you were her she there been one all we their has would when if so no will my more also
can who its said about do him out up them into some than only could other time two then may these like
over first any after new such what our how many most made before through where much your me well here
should years because while those very between both being under never day same another know world life
great back last year good even still way own state around work might part take since three long every
without high during against small found again old thing give place us used house few men people along
god lord shepherd heaven earth light let there said created beginning want shall hello how are
play ##s ##ing ##ed ##er ##ly ##est ##ness ##tion ##ation ##able ##aff un ##un re pre ##al ##ful
cafe café naive naïve resume résumé façade facade ##e ##é
paris london berlin Paris London Berlin PARIS The LORD God And Let In I It Hello World
strasse straße Straße STRASSE ##ss ##ß
οδος οδός οδοσ οδος λογος λογοσ λόγος σισυφος ##ος ##οσ ##ς ##σ
istanbul İstanbul ISTANBUL ##tanbul is ##anbul
москва Москва ёлка елка
北京 日本 ##語 한국어 한국 ##어
https http www example com org ##ample ##s ##le
ab ##ab xx ##xx super ##cal ##if ##rag ##il ##istic ##ex ##pi ##ali ##do ##cious
iphone iPhone mc ##donald nasa NASA ebay eBay
""".split()
LEFT_OUT = set("☃🗽豈⅓ⅻ") | {"\u0378"}


def pretokens(tok, text):
    t = tok._tokenizer
    return [p for p, _ in t.pre_tokenizer.pre_tokenize_str(t.normalizer.normalize_str(text))]


def as_text(kind, value):
    return value if kind == "text" else value.decode("utf-8", errors="replace")


def build_vocab():
    probe = {m: BertTokenizer(do_lower_case=(m == "lower")) for m in ("lower", "cased")}
    chars = set()
    for kind, value in SENTENCES:
        for tok in probe.values():
            for word in pretokens(tok, as_text(kind, value)):
                chars.update(word)
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += WORDS
    for c in sorted(chars - LEFT_OUT):
        vocab += [c, "##" + c]
    seen, unique = set(), []
    for t in vocab:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    assert all(t.strip() == t and t for t in unique), "a vocabulary token with whitespace"
    return unique


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab = build_vocab()
    vocab_path = os.path.join(OUT, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(t + "\n" for t in vocab))
    cases = []
    legacy_differs = 0
    for casing in ("lower", "cased"):
        tok = BertTokenizer(vocab=vocab_path, do_lower_case=(casing == "lower"))
        legacy = transformers.BertTokenizerLegacy(vocab_file=vocab_path, do_lower_case=(casing == "lower"))
        assert tok.convert_tokens_to_ids("[MASK]") == 103 and len(tok.get_vocab()) == len(vocab)
        for kind, value in SENTENCES:
            text = as_text(kind, value)
            ids = tok.encode(text, add_special_tokens=False)
            tokens = tok.convert_ids_to_tokens(ids)
            assert tokens == tok.tokenize(text)
            legacy_differs += legacy.tokenize(text) != tokens
            case = {"casing": casing, kind: value if kind == "text" else value.hex(), "tokens": tokens, "ids": ids}
            cases.append(case)
    with open(os.path.join(OUT, "cases.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        meta = {"generator": "tests/data/generators/make_tokenizer_fixture.py", "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__, "cases": len(cases)}
        f.write(json.dumps(meta) + "\n")
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=True) + "\n")
    unk = sum(t == "[UNK]" for c in cases for t in c["tokens"])
    print(f"{len(vocab)} tokens, {len(cases)} cases ({len(SENTENCES)} texts x 2 casings), {unk} [UNK] tokens; "
          f"the Python BertTokenizerLegacy differs on {legacy_differs} cases")


if __name__ == "__main__":
    main()
