// Labelled text datasets: TSV and JSONL readers (errors with file and line), the label map, and the
// [CLS] A [SEP] B [SEP] encoding with truncation.
#include <cstdio>
#include <algorithm>
#include <fstream>

#include "data/text_dataset.h"
#include "test_util.h"
#include "train/classification_task.h"

using namespace ponet;
using namespace ponet::data;
using namespace ponet::text;
using namespace ponet::train;

namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/ponet_test_" + name;
  std::ofstream(path) << text;
  return path;
}

WordPieceTokenizer small_tokenizer() {
  return WordPieceTokenizer::train({"the king went to the land", "a good day and a dark night"}, 60);
}

}  // namespace

TEST_CASE("text datasets: TSV with header and pairs, JSONL with numbers and text_b") {
  auto tsv = read_text_dataset(write("a.tsv", "label\ttext\npos\tthe king\n\nneg\tdark night\tthe land\n"));
  REQUIRE(tsv.size() == 2);
  CHECK(tsv[0].label == "pos");
  CHECK(tsv[0].text == "the king");
  CHECK(tsv[1].text_b == "the land");
  CHECK(tsv[1].where == "/tmp/ponet_test_a.tsv:4");
  auto jsonl = read_text_dataset(write("a.jsonl", "{\"text\": \"a day\", \"label\": 3}\n"
                                                  "{\"text\": \"x\", \"text_b\": \"y\", \"label\": \"b\"}\n"));
  REQUIRE(jsonl.size() == 2);
  CHECK(jsonl[0].label == "3");
  CHECK(jsonl[1].text_b == "y");
}

TEST_CASE("text datasets: malformed lines name the file and line") {
  CHECK_THROWS_WITH_AS(read_text_dataset(write("b.tsv", "pos\tok\njust one field\n")),
                       doctest::Contains("b.tsv:2: expected label<TAB>text"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("b.jsonl", "{\"text\": \"ok\", \"label\": 1}\n{\"text\": 5, \"label\": 1}\n")),
                       doctest::Contains("b.jsonl:2: \"text\" is missing or not a string"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("c.jsonl", "{not json\n")), doctest::Contains("c.jsonl:1: not valid JSON"),
                       Error);
  // fuzz finding: a number too large for a double is the library's out_of_range, not a parse error
  CHECK_THROWS_WITH_AS(read_text_dataset(write("c2.jsonl", "777777777e7777PxA\n")),
                       doctest::Contains("c2.jsonl:1: not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("d.jsonl", "{\"text\": \"a\", \"label\": \"x\\ty\"}\n")),
                       doctest::Contains("d.jsonl:1: the label contains a tab or newline"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("e.jsonl", "{\"text\": \"a\", \"label\": \"x\", \"lable\": 1}\n")),
                       doctest::Contains("unknown field \"lable\""), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("f.tsv", "\n\n")), doctest::Contains("no examples"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset("/nonexistent/x.tsv"), doctest::Contains("cannot open dataset"), Error);
}

TEST_CASE("label map: first-seen order, unseen labels and one-class files are errors, round trip") {
  auto train = read_text_dataset(write("g.tsv", "b\tx\na\ty\nb\tz\nc\tw\n"));
  LabelMap m = LabelMap::from_training(train);
  CHECK(m.size() == 3);
  CHECK(m.id("b", "here") == 0);
  CHECK(m.id("a", "here") == 1);
  CHECK(m.name(2) == "c");
  CHECK_THROWS_WITH_AS(m.id("d", "dev.tsv:7"), doctest::Contains("dev.tsv:7: label \"d\" does not occur"), Error);
  m.save("/tmp/ponet_test_labels.txt");
  LabelMap back = LabelMap::load("/tmp/ponet_test_labels.txt");
  CHECK(back.size() == 3);
  CHECK(back.name(0) == "b");
  auto one = read_text_dataset(write("h.tsv", "a\tx\na\ty\n"));
  CHECK_THROWS_WITH_AS(LabelMap::from_training(one), doctest::Contains("only one label"), Error);
}

TEST_CASE("classification encoding: specials, pairs, truncation, empty texts") {
  WordPieceTokenizer tok = small_tokenizer();
  std::vector<int64_t> ids = encode_for_classification(tok, "the king", "", 16, "x").ids;
  CHECK(ids.front() == tok.cls_id());
  CHECK(ids.back() == tok.sep_id());
  CHECK(tok.decode(std::vector<int64_t>(ids.begin() + 1, ids.end() - 1)) == "the king");
  std::vector<int64_t> pair = encode_for_classification(tok, "the king went to the land", "a day", 8, "x").ids;
  CHECK(pair.size() == 8);
  CHECK(pair.back() == tok.sep_id());
  int seps = 0;
  for (int64_t v : pair) seps += v == tok.sep_id();
  CHECK(seps == 2);
  CHECK_THROWS_WITH_AS(encode_for_classification(tok, "   ", "", 16, "t.tsv:4"), doctest::Contains("t.tsv:4: a text has no tokens"), Error);
}

TEST_CASE("sentence splitting and segment ids numbered like the official pipeline") {
  CHECK(split_sentences("The king went. A good day! Was it? yes") ==
        std::vector<std::string>{"The king went.", " A good day!", " Was it?", " yes"});
  CHECK(split_sentences("He said \"go.\" Then night...  fell") ==
        std::vector<std::string>{"He said \"go.\"", " Then night...", "  fell"});
  CHECK(split_sentences("3.5 is no end") == std::vector<std::string>{"3.5 is no end"});
  WordPieceTokenizer tok = small_tokenizer();
  // [CLS] the king . a day . [SEP] the land [SEP]: CLS 0, sentences 1 and 2, SEP 3, B's sentence 4, SEP 5
  EncodedText e = encode_for_classification(tok, "the king. a day.", "the land", 32, "x");
  REQUIRE(e.ids.size() == e.segments.size());
  CHECK(e.segments.front() == 0);
  CHECK(e.segments.back() == 5);
  const int64_t a_len = static_cast<int64_t>(tok.encode("the king.").size());
  for (int64_t i = 1; i <= a_len; ++i) CHECK(e.segments[i] == 1);
  CHECK(e.segments[a_len + 1] == 2);
  std::vector<int64_t> expected_tail = {3};
  for (size_t i = 0; i < tok.encode("the land").size(); ++i) expected_tail.push_back(4);
  expected_tail.push_back(5);
  const size_t sep = std::find(e.ids.begin() + 1, e.ids.end(), tok.sep_id()) - e.ids.begin();
  CHECK(std::vector<int64_t>(e.segments.begin() + sep, e.segments.end()) == expected_tail);
  // a batch pads segment ids with one more segment after the last
  ClassificationBatch b = make_classification_batch({{e.ids, 0, e.segments}, {{7, 8}, 1, {0, 1}}}, {0, 1}, 0, 0);
  std::vector<int64_t> seg = b.segment_ids.to_vector_i64();
  const size_t L = e.ids.size();
  CHECK(seg[L + 1] == 1);
  CHECK(seg[L + 2] == 2);
  CHECK(seg[2 * L - 1] == 2);
}
