#!/usr/bin/env python3
"""Bag-of-words baselines for the SSO task on the King James Bible (docs/pretraining.md).

Samples [A, B] pairs the way data/pretraining_data.cpp does (verses as sentences, chapters as
documents, label 2 = B from a random other chapter) but on whole words, then asks how well two
detectors of label 2 do: the tf-idf cosine of A and B, and a naive-Bayes "same book?" score.
Labels 0 and 1 (in order / swapped) have the same bag of words, so the 3-way figure guesses them.
Needs numpy and the `bible` program (Debian bible-kjv).  Usage: scripts/studies/sso_baselines.py [max_len]
"""
import collections
import math
import random
import re
import subprocess
import sys

import numpy as np

max_len = int(sys.argv[1]) if len(sys.argv) > 1 else 128
budget = int((max_len - 3) * 0.8)  # about 1.25 word pieces per word with a 4000-token vocabulary

lines = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
docs, book_of_doc, current, chapter = [], [], [], None
for line in lines.splitlines():
    if " " not in line:
        continue
    ref, text = line.split(" ", 1)
    this_chapter = ref.split(":")[0]
    if chapter is not None and this_chapter != chapter:
        docs.append(current)
        current = []
    if this_chapter != chapter:
        book_of_doc.append(re.match(r"(\d?[A-Za-z]+)", this_chapter).group(1))
    chapter = this_chapter
    current.append(re.findall(r"[a-z]+", text.lower()))
docs.append(current)

df = collections.Counter(w for d in docs for s in d for w in set(s))
n_sentences = sum(len(d) for d in docs)
idf = {w: math.log(n_sentences / c) for w, c in df.items()}
rng = random.Random(0)


def take(doc, start, room):
    end, used = start + 1, len(doc[start])
    while end < len(doc) and used + len(doc[end]) <= room:
        used += len(doc[end])
        end += 1
    return end


def sample():
    d = rng.randrange(len(docs))
    doc = docs[d]
    if len(doc) < 2:
        return None
    begin = rng.randrange(len(doc) - 1)
    end, used = begin + 1, len(doc[begin])
    while end < len(doc) and (end - begin < 2 or used + len(doc[end]) <= budget):
        used += len(doc[end])
        end += 1
    split = rng.randint(begin + 1, end - 1)
    a, b = sum(doc[begin:split], []), sum(doc[split:end], [])
    label = rng.randrange(3)
    if label == 2:
        other = rng.randrange(len(docs) - 1)
        other += other >= d
        od = docs[other]
        start = rng.randrange(len(od))
        b = sum(od[start:take(od, start, max(1, budget - len(a)))], [])
    return a, b, label


def tfidf_cosine(a, b):
    va, vb = collections.Counter(a), collections.Counter(b)
    dot = sum(va[w] * vb[w] * idf[w] ** 2 for w in va if w in vb)
    na = math.sqrt(sum((c * idf[w]) ** 2 for w, c in va.items()))
    nb = math.sqrt(sum((c * idf[w]) ** 2 for w, c in vb.items()))
    return dot / (na * nb + 1e-9)


books = sorted(set(book_of_doc), key=book_of_doc.index)
book_index = {b: i for i, b in enumerate(books)}
vocab = {w: i for i, w in enumerate(df)}
counts = np.ones((len(books), len(vocab)))
for d, doc in enumerate(docs):
    for s in doc:
        for w in s:
            counts[book_index[book_of_doc[d]], vocab[w]] += 1
log_p = np.log(counts / counts.sum(1, keepdims=True))


def book_posterior(words):
    s = log_p[:, [vocab[w] for w in words]].sum(1)
    p = np.exp(s - s.max())
    return p / p.sum()


pairs = [p for p in (sample() for _ in range(20000)) if p]
is_other = np.array([label == 2 for _, _, label in pairs])


def report(name, same_score):
    # label 2 when the "same source" score is below a threshold; the best threshold is chosen
    best_acc, best_t = max((((same_score < t) == is_other).mean(), t) for t in np.quantile(same_score, np.linspace(0, 1, 401)))
    hit = ((same_score < best_t) & is_other).sum() / is_other.sum()
    reject = ((same_score >= best_t) & ~is_other).sum() / (~is_other).sum()
    print(f"{name}: label-2-vs-rest {best_acc:.3f}; 3-way with 0/1 guessed {hit / 3 + reject / 3:.3f}")


print(f"{len(docs)} chapters, {len(pairs)} pairs, about {budget} words per pair")
report("tf-idf cosine", np.array([tfidf_cosine(a, b) for a, b, _ in pairs]))
report("naive-Bayes same-book score", np.array([book_posterior(a) @ book_posterior(b) for a, b, _ in pairs]))
