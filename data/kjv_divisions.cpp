#include "data/kjv_divisions.h"

#include <sys/stat.h>

#include <set>

#include "core/error.h"
#include "data/pretraining_data.h"
#include "io/atomic_file.h"

namespace ponet::data {

namespace {

// Chapters per division in canonical order (KJV: 1189 chapters).
struct Division {
  const char* name;
  size_t chapters;
};
const Division kDivisions[] = {{"law", 187},      {"history", 249},   {"poetry", 243},   {"prophets", 250},
                               {"gospels", 117},  {"epistles", 121},  {"revelation", 22}};
constexpr size_t kKjvChapters = 1189;
constexpr size_t kVersesPerPassage = 4;

}  // namespace

std::string kjv_division(size_t chapter) {
  size_t end = 0;
  for (const Division& d : kDivisions) {
    end += d.chapters;
    if (chapter < end) return d.name;
  }
  fail("kjv_division: chapter ", chapter, " is past the last (", kKjvChapters, ")");
}

KjvDivisionCounts write_kjv_division_task(const text::Corpus& kjv, const std::string& dir) {
  PONET_CHECK(kjv.documents.size() == kKjvChapters, "the KJV division task needs the default corpus (",
              kKjvChapters, " chapters), got ", kjv.documents.size(), " documents");
  const std::vector<size_t> held =
      split_documents(kKjvChapters, 0.02, 0, kPretrainHeldOutPhase).second;  // `ponet pretrain` defaults
  const std::set<size_t> pretraining_held_out(held.begin(), held.end());
  std::string files[3] = {"label\ttext\n", "label\ttext\n", "label\ttext\n"};  // train, dev, test
  KjvDivisionCounts counts;
  for (size_t c = 0; c < kKjvChapters; ++c) {
    const int split = (c % 10 == 3 || pretraining_held_out.count(c)) ? 2 : (c % 10 == 7 ? 1 : 0);
    const std::vector<std::string>& verses = kjv.documents[c];
    for (size_t v = 0; v < verses.size(); v += kVersesPerPassage) {
      std::string text;
      for (size_t i = v; i < std::min(verses.size(), v + kVersesPerPassage); ++i) {
        PONET_CHECK(verses[i].find('\t') == std::string::npos, "KJV chapter ", c, " verse ", i, " contains a tab");
        text += (text.empty() ? "" : " ") + verses[i];
      }
      files[split] += kjv_division(c) + "\t" + text + "\n";
      ++(split == 0 ? counts.train : split == 1 ? counts.dev : counts.test);
    }
  }
  ::mkdir(dir.c_str(), 0755);
  io::write_file_atomically(dir + "/train.tsv", files[0]);
  io::write_file_atomically(dir + "/dev.tsv", files[1]);
  io::write_file_atomically(dir + "/test.tsv", files[2]);
  return counts;
}

}  // namespace ponet::data
