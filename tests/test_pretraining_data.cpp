// The corpus reader, the KJV conversion and the MLM + SSO example builder.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "data/pretraining_data.h"
#include "test_util.h"
#include "text/corpus.h"

using namespace ponet;
using namespace ponet::text;
using namespace ponet::data;

namespace {

// Document d, sentence s reads "dD sS w w w ..." so any token identifies where it came from.
Corpus synthetic_corpus(int docs, int sentences, int words) {
  Corpus c;
  for (int d = 0; d < docs; ++d) {
    std::vector<std::string> doc;
    for (int s = 0; s < sentences; ++s) {
      std::string text = "d" + std::to_string(d) + " s" + std::to_string(s);
      for (int w = 0; w < words; ++w) text += " w" + std::to_string((d * 7 + s * 3 + w) % 20);
      doc.push_back(text);
    }
    c.documents.push_back(doc);
  }
  return c;
}

WordPieceTokenizer word_vocab(int docs, int sentences) {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int d = 0; d < docs; ++d) tokens.push_back("d" + std::to_string(d));
  for (int s = 0; s < sentences; ++s) tokens.push_back("s" + std::to_string(s));
  for (int w = 0; w < 20; ++w) tokens.push_back("w" + std::to_string(w));
  return WordPieceTokenizer(tokens);
}

std::vector<size_t> all_docs(size_t n) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

TEST_CASE("corpus: documents split by blank lines, bad corpora are clear errors") {
  Corpus c = parse_corpus("a b\nc d\n\n\ne f\r\n", "mem");
  REQUIRE(c.documents.size() == 2);
  CHECK(c.documents[0] == std::vector<std::string>{"a b", "c d"});
  CHECK(c.documents[1] == std::vector<std::string>{"e f"});
  CHECK_THROWS_WITH_AS(parse_corpus("\n\n", "mem"), doctest::Contains("no sentences"), Error);
  CHECK_THROWS_WITH_AS(parse_corpus("one\ndoc\n", "mem"), doctest::Contains("only one document"), Error);
  CHECK_THROWS_WITH_AS(read_corpus("/nonexistent/corpus.txt"), doctest::Contains("cannot open"), Error);
}

TEST_CASE("KJV conversion: verses become sentences, chapters documents") {
  std::string text = kjv_to_corpus_text("Ge1:1 In the beginning.\nGe1:2 And the earth.\nGe2:1 Thus the heavens.\n1Ki1:1 Now king David.\n");
  Corpus c = parse_corpus(text, "kjv");
  REQUIRE(c.documents.size() == 3);
  CHECK(c.documents[0] == std::vector<std::string>{"In the beginning.", "And the earth."});
  CHECK(c.documents[2] == std::vector<std::string>{"Now king David."});
}

TEST_CASE("KJV corpus from the bible-kjv package: 1189 chapters, 31102 verses") {
  if (std::system("command -v bible >/dev/null 2>&1") != 0) {
    ponet::testing::skip_test("the bible program (Debian bible-kjv) is not installed");
    return;
  }
  const std::string path = "/tmp/ponet_test_kjv.txt";
  write_kjv_corpus(path);
  Corpus c = read_corpus(path);
  CHECK(c.documents.size() == 1189);
  CHECK(c.num_sentences() == 31102);
  CHECK(c.documents[0][0] == "In the beginning God created the heaven and the earth.");
  std::remove(path.c_str());
}

TEST_CASE("examples: layout, token types, segment numbering, lengths") {
  Corpus corpus = synthetic_corpus(6, 8, 6);
  WordPieceTokenizer tok = word_vocab(6, 8);
  PretrainingOptions opt;
  opt.max_len = 40;
  PretrainingData data(corpus, tok, opt, all_docs(6));
  Rng rng(1);
  for (int i = 0; i < 300; ++i) {
    Example e = data.next_example(rng);
    const size_t n = e.input_ids.size();
    REQUIRE(n <= 40);
    CHECK(e.input_ids[0] == tok.cls_id());
    CHECK(e.labels.back() == -100);
    // positions of the two SEPs (masking never touches specials)
    std::vector<size_t> seps;
    for (size_t p = 0; p < n; ++p)
      if (e.input_ids[p] == tok.sep_id()) seps.push_back(p);
    REQUIRE(seps.size() == 2);
    CHECK(seps[1] == n - 1);
    for (size_t p = 0; p < n; ++p) CHECK(e.token_type_ids[p] == (p <= seps[0] ? 0 : 1));
    // segments: CLS 0, increasing by one per sentence and per SEP
    CHECK(e.segment_ids[0] == 0);
    for (size_t p = 1; p < n; ++p) {
      const int64_t step = e.segment_ids[p] - e.segment_ids[p - 1];
      CHECK((step == 0 || step == 1));
      if (p == seps[0] || p == seps[0] + 1 || p == n - 1) CHECK(step == 1);
    }
  }
}

TEST_CASE("SSO labels: balanced, 0 keeps order, 1 swaps, 2 takes B from another document") {
  Corpus corpus = synthetic_corpus(8, 10, 3);
  WordPieceTokenizer tok = word_vocab(8, 10);
  PretrainingOptions opt;
  opt.max_len = 64;
  PretrainingData data(corpus, tok, opt, all_docs(8));
  Rng rng(2);
  int counts[3] = {0, 0, 0};
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    Example e = data.next_example(rng);
    ++counts[e.pair_label];
    if (e.pair_label == 0) {
      CHECK(e.first_doc == e.second_doc);
      CHECK(e.first_sentences.second == e.second_sentences.first);
    } else if (e.pair_label == 1) {
      CHECK(e.first_doc == e.second_doc);
      CHECK(e.second_sentences.second == e.first_sentences.first);
    } else {
      CHECK(e.first_doc != e.second_doc);
    }
  }
  for (int c : counts) CHECK(std::abs(c / double(n) - 1.0 / 3) < 0.03);
}

TEST_CASE("MLM masking: 15% of ordinary tokens, split 80/10/10, specials never masked") {
  Corpus corpus = synthetic_corpus(6, 12, 12);
  WordPieceTokenizer tok = word_vocab(6, 12);
  PretrainingOptions opt;
  opt.max_len = 128;
  opt.batch_size = 16;
  PretrainingData data(corpus, tok, opt, all_docs(6));
  Rng rng(3);
  int64_t ordinary = 0, chosen = 0, masked = 0, random = 0, kept = 0;
  for (int i = 0; i < 60; ++i) {
    Batch b = data.next_batch(rng);
    auto ids = b.input_ids.to_vector_i64(), labels = b.labels.to_vector_i64(), mask = b.attention_mask.to_vector_i64();
    for (size_t p = 0; p < ids.size(); ++p) {
      if (!mask[p]) {
        CHECK(labels[p] == -100);
        CHECK(ids[p] == tok.pad_id());
        continue;
      }
      if (labels[p] == -100) {
        ordinary += !tok.is_special(ids[p]);
        continue;
      }
      ++ordinary;
      ++chosen;
      CHECK(!tok.is_special(labels[p]));
      if (ids[p] == tok.mask_id()) ++masked;
      else if (ids[p] == labels[p]) ++kept;
      else ++random;
    }
  }
  CHECK(std::abs(chosen / double(ordinary) - 0.15) < 0.01);
  CHECK(std::abs(masked / double(chosen) - 0.8) < 0.02);
  CHECK(std::abs(random / double(chosen) - 0.1) < 0.02);
  CHECK(std::abs(kept / double(chosen) - 0.1) < 0.02);
}

TEST_CASE("batches are reproducible from the Rng state and differ for other seeds") {
  Corpus corpus = synthetic_corpus(5, 6, 4);
  WordPieceTokenizer tok = word_vocab(5, 6);
  PretrainingData data(corpus, tok, PretrainingOptions{}, all_docs(5));
  Rng a(7), b(7), c(8);
  Batch x = data.next_batch(a), y = data.next_batch(b), z = data.next_batch(c);
  CHECK(x.input_ids.to_vector_i64() == y.input_ids.to_vector_i64());
  CHECK(x.labels.to_vector_i64() == y.labels.to_vector_i64());
  CHECK(x.input_ids.to_vector_i64() != z.input_ids.to_vector_i64());
  CHECK(x.input_ids.shape() == Shape{32, 128});
  Rng saved(7);
  data.next_batch(saved);
  Rng restored(0);
  restored.set_state_str(saved.state_str());
  CHECK(data.next_batch(restored).input_ids.to_vector_i64() == data.next_batch(a).input_ids.to_vector_i64());
}

TEST_CASE("document split is deterministic, disjoint and covers everything") {
  auto [train, held] = split_documents(100, 0.1, 3);
  CHECK(held.size() == 10);
  CHECK(train.size() == 90);
  std::set<size_t> all(train.begin(), train.end());
  for (size_t h : held) CHECK(all.insert(h).second);
  CHECK(all.size() == 100);
  CHECK(split_documents(100, 0.1, 3) == std::make_pair(train, held));
  CHECK(split_documents(2, 0.02, 0).second.size() == 1);
  // the phase moves which document of every 1/fraction is held out
  CHECK(split_documents(100, 0.1, 0).second.front() == 0);
  CHECK(split_documents(100, 0.1, 0, 0.5).second.front() == 5);
  CHECK(split_documents(100, 0.1, 7, 0.5).second.front() == 2);  // (7 + 5) % 10
  // the pretraining default keeps the KJV sample verses (Genesis 1 = chapter 0, Psalm 23 = 500) in training
  const auto kjv_held = split_documents(1189, 0.02, 0, kPretrainHeldOutPhase).second;
  CHECK(std::find(kjv_held.begin(), kjv_held.end(), size_t{0}) == kjv_held.end());
  CHECK(std::find(kjv_held.begin(), kjv_held.end(), size_t{500}) == kjv_held.end());
  CHECK(kjv_held.size() == 24);
  CHECK_THROWS_WITH_AS(split_documents(100, 0.1, 0, 1.0), doctest::Contains("phase"), Error);
  CHECK_THROWS_WITH_AS(split_documents(1, 0.5, 0), doctest::Contains("at least 2"), Error);
}
