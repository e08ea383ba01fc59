// The Pathfinder generator (data/pathfinder.h) by its properties: every image's label agrees with a flood
// fill over the generator's undashed path masks (and the check rejects every image once labels are
// flipped); the masks explain the drawn pixels, paths never touch, each path is one piece with gaps in
// its dashes; labels are balanced; the same seed gives the same bytes, another seed others; and the TSV
// files round trip with errors naming file and line.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "data/pathfinder.h"
#include "io/atomic_file.h"
#include "test_util.h"

using namespace ponet;
using namespace ponet::data;

namespace {

// doctest::Contains of a std::string (it takes doctest::String only)
doctest::Contains contains(const std::string& s) { return doctest::Contains(doctest::String(s.c_str())); }

constexpr int kSide = 32;

// Pixels reachable from `start` through set pixels of `mask`, 8-connectivity.
std::vector<uint8_t> fill(const std::vector<uint8_t>& mask, int start) {
  std::vector<uint8_t> seen(mask.size(), 0);
  std::vector<int> todo;
  if (mask[start]) {
    seen[start] = 1;
    todo.push_back(start);
  }
  while (!todo.empty()) {
    const int at = todo.back();
    todo.pop_back();
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int x = at % kSide + dx, y = at / kSide + dy;
        if (x < 0 || y < 0 || x >= kSide || y >= kSide) continue;
        const int n = y * kSide + x;
        if (mask[n] && !seen[n]) {
          seen[n] = 1;
          todo.push_back(n);
        }
      }
  }
  return seen;
}

// The label as the masks say it: are the two dots in one component of all paths' pixels together?
bool label_agrees_with_masks(const PathfinderImage& im) {
  std::vector<uint8_t> all(kSide * kSide, 0);
  for (const auto& path : im.paths)
    for (int i = 0; i < kSide * kSide; ++i) all[i] |= path[i];
  const bool joined = fill(all, im.dots[0])[im.dots[1]] != 0;
  return joined == (im.label == 1);
}

// The masks are the truth the label check relies on; these tie them to the drawn image.
void check_masks_explain_image(const PathfinderImage& im) {
  REQUIRE(im.pixels.size() == kSide * kSide);
  std::vector<int> owners(kSide * kSide, 0);
  for (const auto& path : im.paths)
    for (int i = 0; i < kSide * kSide; ++i) owners[i] += path[i];
  int shared = 0, unexplained = 0;
  for (int i = 0; i < kSide * kSide; ++i) {
    shared += owners[i] > 1;                      // no pixel in two paths
    unexplained += im.pixels[i] && owners[i] != 1;  // every drawn pixel belongs to a path
  }
  CHECK(shared == 0);
  CHECK(unexplained == 0);
  for (size_t p = 0; p < im.paths.size(); ++p) {
    const auto& path = im.paths[p];
    int first = -1, size = 0, drawn = 0;
    for (int i = 0; i < kSide * kSide; ++i)
      if (path[i]) {
        if (first < 0) first = i;
        ++size;
        drawn += im.pixels[i] != 0;
      }
    REQUIRE(first >= 0);
    std::vector<uint8_t> reach = fill(path, first);  // one piece
    int reached = 0;
    for (uint8_t r : reach) reached += r;
    CHECK(reached == size);
    if (p < 2) CHECK(drawn < size);  // a main path is dashed: some of it is left dark
    // no other path's pixel touches this one, even diagonally
    int touching = 0;
    for (int i = 0; i < kSide * kSide; ++i) {
      if (!path[i]) continue;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int x = i % kSide + dx, y = i / kSide + dy;
          if (x < 0 || y < 0 || x >= kSide || y >= kSide) continue;
          for (size_t q = 0; q < im.paths.size(); ++q)
            touching += q != p && im.paths[q][y * kSide + x] != 0;
        }
    }
    CHECK(touching == 0);
  }
  int dot_pixels = 0;
  for (int d : im.dots)  // the dots are drawn 3 x 3 squares
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) dot_pixels += im.pixels[d + dy * kSide + dx] != 0;
  CHECK(dot_pixels == 18);
}

std::string temp_dir() {
  char tmpl[] = "/tmp/ponet_pathfinder_XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

TEST_CASE("pathfinder: every label agrees with a flood fill over the path masks") {
  PathfinderSplits s = generate_pathfinder(200, 20, 20, 7);
  int checked = 0;
  for (const auto* split : {&s.train, &s.dev, &s.test})
    for (const PathfinderImage& im : *split) {
      check_masks_explain_image(im);
      CHECK(im.paths.size() == 2 + 5);
      CHECK(label_agrees_with_masks(im));
      ++checked;
    }
  CHECK(checked == 240);
}

TEST_CASE("pathfinder: the label check rejects every image once its label is flipped") {
  PathfinderSplits s = generate_pathfinder(100, 0, 0, 3);
  for (PathfinderImage im : s.train) {
    REQUIRE(label_agrees_with_masks(im));
    im.label = 1 - im.label;
    CHECK_FALSE(label_agrees_with_masks(im));
  }
}

TEST_CASE("pathfinder: the easier levels and other seeds keep the rules") {
  for (int dashes : {6, 9}) {
    PathfinderOptions o;
    o.dashes = dashes;
    o.distractor_dashes = dashes / 3;
    o.distractors = 20 / o.distractor_dashes;
    PathfinderSplits s = generate_pathfinder(60, 0, 0, 11, o);
    for (const PathfinderImage& im : s.train) {
      check_masks_explain_image(im);
      CHECK(label_agrees_with_masks(im));
    }
  }
}

TEST_CASE("pathfinder: labels are balanced in every split, and both labels draw alike") {
  PathfinderSplits s = generate_pathfinder(300, 51, 40, 5);
  double ink[2] = {0, 0};
  for (auto [split, n] : {std::pair{&s.train, 300}, {&s.dev, 51}, {&s.test, 40}}) {
    REQUIRE(static_cast<int>(split->size()) == n);
    int ones = 0;
    for (const PathfinderImage& im : *split) {
      ones += static_cast<int>(im.label);
      for (uint8_t v : im.pixels) ink[im.label] += v != 0;
    }
    CHECK(ones == n / 2);  // labels alternate before the shuffle: floor(n / 2) ones
  }
  // the same kinds of path under both labels: the drawn pixel counts agree within 5 %
  CHECK(ink[0] / ink[1] == doctest::Approx(1.0).epsilon(0.05));
  // shuffled: not simply alternating
  int alternations = 0;
  for (size_t i = 1; i < s.train.size(); ++i) alternations += s.train[i].label != s.train[i - 1].label;
  CHECK(alternations < 250);
}

TEST_CASE("pathfinder: the same seed gives the same bytes, another seed others") {
  const std::string dir = temp_dir();
  write_pathfinder_tsv(dir + "/a.tsv", generate_pathfinder(30, 5, 5, 42).train);
  write_pathfinder_tsv(dir + "/b.tsv", generate_pathfinder(30, 5, 5, 42).train);
  write_pathfinder_tsv(dir + "/c.tsv", generate_pathfinder(30, 5, 5, 43).train);
  const std::string a = io::read_file(dir + "/a.tsv");
  CHECK(a == io::read_file(dir + "/b.tsv"));
  CHECK(a != io::read_file(dir + "/c.tsv"));
  CHECK(a.size() == 13 + 30 * (2 + 2 * kSide * kSide + 1));
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("pathfinder: TSV round trip, pixel ids, and reader errors name file and line") {
  const std::string dir = temp_dir(), path = dir + "/p.tsv";
  PathfinderSplits s = generate_pathfinder(6, 0, 0, 1);
  write_pathfinder_tsv(path, s.train);
  std::vector<PathfinderImage> back = read_pathfinder_tsv(path);
  REQUIRE(back.size() == 6);
  for (size_t i = 0; i < 6; ++i) {
    CHECK(back[i].pixels == s.train[i].pixels);
    CHECK(back[i].label == s.train[i].label);
  }
  std::vector<ClassificationExample> ex = pathfinder_examples(back);
  REQUIRE(ex[0].ids.size() == kSide * kSide);
  for (size_t p = 0; p < ex[0].ids.size(); ++p) CHECK(ex[0].ids[p] == int64_t{back[0].pixels[p]} + 1);
  auto write = [&](const std::string& text) { std::ofstream(path) << text; };
  const std::string ok_pixels(2 * 16, '0');
  write("label\tpixel\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(path + ":1: expected the header"), Error);
  write("label\tpixels\n1\t" + ok_pixels + "\n2\t" + ok_pixels + "\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(path + ":3: label \"2\" is not 0 or 1"), Error);
  write("label\tpixels\n0\t" + ok_pixels + "0\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(":2: 33 hex digits are not the 2 per pixel"), Error);
  write("label\tpixels\n0\t" + std::string(2 * 15, '0') + "\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(":2: 30 hex digits"), Error);
  write("label\tpixels\n0\t" + ok_pixels + "\n0\t" + std::string(2 * 25, '0') + "\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(":3: an image of 25 pixels where the lines before have 16"), Error);
  write("label\tpixels\n0\t" + ok_pixels.substr(0, 30) + "zz\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(":2: pixel 15 is \"zz\""), Error);
  write("label\tpixels\n0\n");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(":2: expected two tab-separated fields"), Error);
  write("");
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(path), contains(": empty file"), Error);
  CHECK_THROWS_WITH_AS(read_pathfinder_tsv(dir + "/none.tsv"), contains("cannot open Pathfinder file"), Error);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("pathfinder: a layout that cannot fit is an error, not a hang") {
  PathfinderOptions o;
  o.side = 10;
  o.dashes = 14;
  Rng rng(0);
  CHECK_THROWS_WITH_AS(generate_pathfinder_image(rng, 1, o), contains("found no layout"), Error);
  CHECK_THROWS_WITH_AS(generate_pathfinder_image(rng, 2, {}), contains("label must be 0 or 1"), Error);
}
