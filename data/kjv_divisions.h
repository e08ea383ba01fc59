// The built-in fine-tuning task: which division of the King James Bible a passage comes from.
//
// Examples are passages of 4 consecutive verses of one chapter (the last passage of a chapter may be
// shorter), labelled with the chapter's division: law (Genesis-Deuteronomy), history (Joshua-Esther),
// poetry (Job-Song of Solomon), prophets (Isaiah-Malachi), gospels (Matthew-Acts), epistles
// (Romans-Jude), revelation. The split is by chapter and fixed: chapter c (0-based, canonical order) is a
// test chapter when c % 10 == 3 or when pretraining held it out (`ponet pretrain`'s default split:
// held-out fraction 0.02, seed 0), a dev chapter when c % 10 == 7, and a training chapter otherwise, so
// no chapter pretraining evaluated on is ever trained on here.
#pragma once
#include <string>

#include "text/corpus.h"

namespace ponet::data {

struct KjvDivisionCounts {
  size_t train = 0, dev = 0, test = 0;
};

// kjv: the default corpus (1189 chapters in canonical order; anything else is an error). Writes
// dir/{train,dev,test}.tsv (label<TAB>text, with a header), each atomically.
KjvDivisionCounts write_kjv_division_task(const text::Corpus& kjv, const std::string& dir);

// The division of chapter c (0-based, canonical order), e.g. "law".
std::string kjv_division(size_t chapter);

}  // namespace ponet::data
