// The built-in KJV division task: division boundaries, the fixed split by chapter, and that no chapter
// held out by pretraining is trained on.
#include <fstream>
#include <set>

#include "data/kjv_divisions.h"
#include "data/pretraining_data.h"
#include "data/text_dataset.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::data;
using namespace ponet::text;

TEST_CASE("kjv divisions: boundaries in canonical chapter order") {
  CHECK(kjv_division(0) == "law");        // Genesis 1
  CHECK(kjv_division(186) == "law");      // Deuteronomy 34
  CHECK(kjv_division(187) == "history");  // Joshua 1
  CHECK(kjv_division(436) == "poetry");   // Job 1 = 187 + 249
  CHECK(kjv_division(678) == "poetry");    // Song of Solomon 8
  CHECK(kjv_division(679) == "prophets");  // Isaiah 1 = 436 + 243
  CHECK(kjv_division(928) == "prophets");  // Malachi 4
  CHECK(kjv_division(929) == "gospels");   // Matthew 1 = 679 + 250
  CHECK(kjv_division(1045) == "gospels");  // Acts 28
  CHECK(kjv_division(1046) == "epistles");  // Romans 1 = 929 + 117
  CHECK(kjv_division(1166) == "epistles");  // Jude
  CHECK(kjv_division(1167) == "revelation");
  CHECK(kjv_division(1188) == "revelation");
  CHECK_THROWS_WITH_AS(kjv_division(1189), doctest::Contains("past the last"), Error);
}

TEST_CASE("kjv divisions: fixed split by chapter, pretraining's held-out chapters only in test") {
  Corpus c;
  for (size_t ch = 0; ch < 1189; ++ch) {
    const std::string tag = "c" + std::to_string(ch);
    c.documents.push_back({tag + " a", tag + " b", tag + " c", tag + " d", tag + " e"});
  }
  KjvDivisionCounts n = write_kjv_division_task(c, "/tmp/ponet_test_kjvdiv");
  CHECK(n.train + n.dev + n.test == 2 * 1189);  // 5 verses: a passage of 4 and one of 1 per chapter
  auto chapters = [](const std::string& file) {
    std::set<size_t> out;
    for (const TextExample& e : read_text_dataset(file)) out.insert(std::stoul(e.text.substr(1, e.text.find(' ') - 1)));
    return out;
  };
  const std::set<size_t> train = chapters("/tmp/ponet_test_kjvdiv/train.tsv"), dev = chapters("/tmp/ponet_test_kjvdiv/dev.tsv"),
                         test = chapters("/tmp/ponet_test_kjvdiv/test.tsv");
  CHECK(train.size() + dev.size() + test.size() == 1189);
  for (size_t ch : dev) CHECK(ch % 10 == 7);
  for (size_t ch : train) CHECK((ch % 10 != 3 && ch % 10 != 7));
  for (size_t held : split_documents(1189, 0.02, 0, kPretrainHeldOutPhase).second) {
    CAPTURE(held);
    CHECK(test.count(held) == 1);
  }
  std::vector<TextExample> rows = read_text_dataset("/tmp/ponet_test_kjvdiv/train.tsv");
  CHECK(rows.front().label == "law");
  const std::string first = "c" + std::to_string(*train.begin());
  CHECK(rows.front().text == first + " a " + first + " b " + first + " c " + first + " d");
  Corpus small;
  small.documents = {{"a"}, {"b"}};
  CHECK_THROWS_WITH_AS(write_kjv_division_task(small, "/tmp/ponet_test_kjvdiv2"), doctest::Contains("1189 chapters"),
                       Error);
}
