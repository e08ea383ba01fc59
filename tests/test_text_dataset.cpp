// Labelled text datasets: TSV, CSV and JSONL readers (extra fields, chosen columns, label kinds) (errors with file and line), the label map, and the
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
                       doctest::Contains("b.jsonl:2: \"text\" is not a string"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("c.jsonl", "{not json\n")), doctest::Contains("c.jsonl:1: not valid JSON"),
                       Error);
  // fuzz finding: a number too large for a double is the library's out_of_range, not a parse error
  CHECK_THROWS_WITH_AS(read_text_dataset(write("c2.jsonl", "777777777e7777PxA\n")),
                       doctest::Contains("c2.jsonl:1: not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("d.jsonl", "{\"text\": \"a\", \"label\": \"x\\ty\"}\n")),
                       doctest::Contains("d.jsonl:1: the label contains a tab or newline"), Error);
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

TEST_CASE("text datasets: JSONL records with fields the reader does not know, and chosen field names") {
  // as exported by the usual tools: an id per example, a source, nested metadata
  auto d = read_text_dataset(write("g.jsonl",
                                   "{\"id\": 17, \"text\": \"the king\", \"label\": \"pos\", \"meta\": {\"src\": \"a\"}}\n"
                                   "{\"id\": 18, \"label\": \"neg\", \"text\": \"dark\", \"text_b\": null}\n"));
  REQUIRE(d.size() == 2);
  CHECK(d[0].text == "the king");
  CHECK(d[1].label == "neg");
  CHECK(d[1].text_b.empty());
  DatasetFields f{"sentence", "sentence2", "gold"};
  auto e = read_text_dataset(write("h.jsonl", "{\"idx\": 0, \"sentence\": \"a day\", \"sentence2\": \"a night\", \"gold\": 1}\n"), f);
  REQUIRE(e.size() == 1);
  CHECK(e[0].text == "a day");
  CHECK(e[0].text_b == "a night");
  CHECK(e[0].label == "1");
  CHECK_THROWS_WITH_AS(read_text_dataset(write("i.jsonl", "{\"id\": 1, \"sentence\": \"a\", \"label\": 0}\n")),
                       doctest::Contains("i.jsonl:1: no field \"text\" (the record has \"id\", \"label\", \"sentence\"; --text-field"),
                       Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("j.jsonl", "{\"text\": \"a\"}\n")),
                       doctest::Contains("j.jsonl:1: no field \"label\""), Error);
}

TEST_CASE("text datasets: integer, string and boolean labels, and fractional or null labels are errors") {
  auto d = read_text_dataset(write("k.jsonl", "{\"text\": \"a\", \"label\": true}\n{\"text\": \"b\", \"label\": false}\n"
                                              "{\"text\": \"c\", \"label\": 2}\n{\"text\": \"d\", \"label\": 2.0}\n"
                                              "{\"text\": \"e\", \"label\": \"two\"}\n"));
  REQUIRE(d.size() == 5);
  CHECK(d[0].label == "true");
  CHECK(d[1].label == "false");
  CHECK(d[2].label == "2");
  CHECK(d[3].label == "2");  // an integral float is the same class as the integer
  CHECK(d[4].label == "two");
  CHECK_THROWS_WITH_AS(read_text_dataset(write("l.jsonl", "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": 0.5}\n")),
                       doctest::Contains("l.jsonl:2: label \"label\" is 0.5, not an integer, string or boolean"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("m.jsonl", "{\"text\": \"a\", \"label\": null}\n")),
                       doctest::Contains("m.jsonl:1: label \"label\" is null"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("m2.jsonl", "{\"text\": \"a\", \"label\": [1]}\n")),
                       doctest::Contains("m2.jsonl:1: label \"label\" is [1]"), Error);
}

TEST_CASE("text datasets: CSV with a header and RFC 4180 quoting") {
  auto d = read_text_dataset(write("n.csv",
                                   "id,label,text,source\r\n"
                                   "1,pos,\"the king, and \"\"the land\"\"\",kjv\r\n"
                                   "\r\n"
                                   "2,neg,\"a dark\nnight\",kjv\r\n"
                                   "3,true,plain,\r\n"));
  REQUIRE(d.size() == 3);
  CHECK(d[0].text == "the king, and \"the land\"");
  CHECK(d[0].label == "pos");
  CHECK(d[0].where == "/tmp/ponet_test_n.csv:2");
  CHECK(d[1].text == "a dark\nnight");  // a newline inside quotes
  CHECK(d[1].where == "/tmp/ponet_test_n.csv:4");
  CHECK(d[2].label == "true");
  CHECK(d[2].where == "/tmp/ponet_test_n.csv:6");  // line numbers count the quoted newline
  auto pairs = read_text_dataset(write("o.csv", "premise,hypothesis,gold\nA,B,entail\n"), DatasetFields{"premise", "hypothesis", "gold"});
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].text_b == "B");
  CHECK_THROWS_WITH_AS(read_text_dataset(write("p.csv", "label,text\npos,ok\nneg,too,many\n")),
                       doctest::Contains("p.csv:3: 3 field(s), but the header has 2"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("q.csv", "label,text\npos,\"never closed\n")),
                       doctest::Contains("q.csv:2: a quoted field is not closed"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("r.csv", "label,text\npos,\"a\"b\n")),
                       doctest::Contains("r.csv:2: text after the closing quote"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("s.csv", "label,text\npos,a \"b\"\n")),
                       doctest::Contains("s.csv:2: a quote inside an unquoted field"), Error);
  CHECK_THROWS_WITH_AS(read_text_dataset(write("t.csv", "y,sentence\n1,a\n")),
                       doctest::Contains("t.csv:1: the header must name a \"text\" and a \"label\" column (it has \"y\", \"sentence\""),
                       Error);
}

TEST_CASE("text datasets: TSV with a header names its columns, without one they are positional") {
  auto d = read_text_dataset(write("u.tsv", "id\ttext\tlabel\n7\tthe king\tpos\n8\tdark\tneg\n"));
  REQUIRE(d.size() == 2);
  CHECK(d[0].text == "the king");
  CHECK(d[1].label == "neg");
  auto plain = read_text_dataset(write("v.tsv", "pos\tthe king\nneg\tdark\tnight\n"));
  REQUIRE(plain.size() == 2);
  CHECK(plain[1].text_b == "night");
  CHECK_THROWS_WITH_AS(read_text_dataset(write("w.tsv", "text\tlabel\nonly one\n")),
                       doctest::Contains("w.tsv:2: 1 field(s), but the header has 2"), Error);
}
