#include "data/pathfinder.h"

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "data/pixel_tokens.h"
#include "io/atomic_file.h"

namespace ponet::data {

namespace {

// The pixels under construction: which path owns each one (-1: none) and at which step it first came.
struct Canvas {
  int side;
  std::vector<int> owner, first_step;
  explicit Canvas(int s) : side(s), owner(s * s, -1), first_step(s * s, 0) {}
  bool inside(int x, int y, int margin) const { return x >= margin && y >= margin && x < side - margin && y < side - margin; }
  // No pixel of another path in the 3 x 3 around (x, y): paths never touch, even diagonally.
  bool clear_of_others(int x, int y, int path) const {
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int u = x + dx, v = y + dy;
        if (u < 0 || v < 0 || u >= side || v >= side) continue;
        const int o = owner[v * side + u];
        if (o >= 0 && o != path) return false;
      }
    return true;
  }
};

struct Path {
  std::vector<int> steps;  // pixel index at each step (a pixel may repeat)
};

// A bounded-curvature walk for path `id`, checked against the canvas; empty when it leaves the image or
// comes near another path or near its own earlier steps (no loops).
Path walk(Rng& rng, int id, int num_steps, const PathfinderOptions& o, const Canvas& c) {
  const float kPi = 3.14159265358979f;
  float x = static_cast<float>(rng.randint(o.margin, c.side - o.margin));
  float y = static_cast<float>(rng.randint(o.margin, c.side - o.margin));
  float heading = rng.uniform(0.f, 2 * kPi);
  Path p;
  std::vector<int> mine(c.side * c.side, -1);  // step at which this walk first reached a pixel
  for (int s = 0; s < num_steps; ++s) {
    if (s > 0) {
      heading += rng.uniform(-o.max_turn, o.max_turn);
      x += std::cos(heading);
      y += std::sin(heading);
    }
    const int px = static_cast<int>(std::floor(x + 0.5f)), py = static_cast<int>(std::floor(y + 0.5f));
    if (!c.inside(px, py, o.margin) || !c.clear_of_others(px, py, id)) return {};
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int u = px + dx, v = py + dy;
        if (u < 0 || v < 0 || u >= c.side || v >= c.side) continue;
        const int first = mine[v * c.side + u];
        if (first >= 0 && first < s - 3) return {};
      }
    const int at = py * c.side + px;
    if (mine[at] < 0) mine[at] = s;
    p.steps.push_back(at);
  }
  return p;
}

// Adds the dot squares around `centres` to path `id` if none of their pixels comes near another path.
bool place_dots(Canvas& c, int id, const std::vector<int>& centres) {
  for (int centre : centres)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (!c.clear_of_others(centre % c.side + dx, centre / c.side + dy, id)) return false;
  for (int centre : centres)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) c.owner[(centre / c.side + dy) * c.side + centre % c.side + dx] = id;
  return true;
}

float distance(int a, int b, int side) {
  const float dx = static_cast<float>(a % side - b % side), dy = static_cast<float>(a / side - b / side);
  return std::sqrt(dx * dx + dy * dy);
}

// One try at a whole image; false when some path found no place.
bool try_image(Rng& rng, int64_t label, const PathfinderOptions& o, PathfinderImage& img) {
  Canvas c(o.side);
  const int period = o.dash + o.gap;
  std::vector<Path> paths;
  std::vector<int> dots;
  const int num_paths = 2 + o.distractors;
  for (int id = 0; id < num_paths; ++id) {
    const int num_steps = (id < 2 ? o.dashes : o.distractor_dashes) * period - o.gap;
    bool placed = false;
    for (int attempt = 0; attempt < 200 && !placed; ++attempt) {
      Path p = walk(rng, id, num_steps, o, c);
      if (p.steps.empty()) continue;
      const int end = rng.uniform() < 0.5f ? p.steps.front() : p.steps.back();
      std::vector<int> mine;  // the dots this path carries
      if (id == 0) mine = label == 1 ? std::vector<int>{p.steps.front(), p.steps.back()} : std::vector<int>{end};
      if (id == 1 && label == 0) mine = {end};
      if (mine.size() == 2 && distance(mine[0], mine[1], o.side) < o.min_dot_distance) continue;
      if (id == 1 && label == 0 && distance(dots[0], end, o.side) < o.min_dot_distance) continue;
      for (int at : p.steps) c.owner[at] = id;
      if (!place_dots(c, id, mine)) {
        for (int at : p.steps) c.owner[at] = -1;  // the path's own pixels only: no other path was there
        continue;
      }
      dots.insert(dots.end(), mine.begin(), mine.end());
      paths.push_back(std::move(p));
      placed = true;
    }
    if (!placed) return false;
  }
  img.label = label;
  img.pixels.assign(o.side * o.side, 0);
  img.paths.assign(num_paths, std::vector<uint8_t>(o.side * o.side, 0));
  for (int i = 0; i < o.side * o.side; ++i)
    if (c.owner[i] >= 0) img.paths[c.owner[i]][i] = 1;
  for (const Path& p : paths)
    for (size_t s = 0; s < p.steps.size(); ++s)
      if (static_cast<int>(s) % period < o.dash) img.pixels[p.steps[s]] = o.intensity;
  for (int d = 0; d < 2; ++d) {
    img.dots[d] = dots[d];
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) img.pixels[dots[d] + dy * o.side + dx] = o.intensity;
  }
  return true;
}

std::string hex_pixels(const std::vector<uint8_t>& pixels) {
  static const char* digits = "0123456789abcdef";
  std::string s(2 * pixels.size(), '0');
  for (size_t i = 0; i < pixels.size(); ++i) {
    s[2 * i] = digits[pixels[i] >> 4];
    s[2 * i + 1] = digits[pixels[i] & 15];
  }
  return s;
}

int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

}  // namespace

PathfinderImage generate_pathfinder_image(Rng& rng, int64_t label, const PathfinderOptions& o) {
  PONET_CHECK(label == 0 || label == 1, "pathfinder: label must be 0 or 1, got ", label);
  PONET_CHECK(o.side >= 8 && o.side <= 256 && o.margin >= 1 && o.margin * 2 < o.side, "pathfinder: side ", o.side,
              " must be in 8..256 with a margin (", o.margin, ") of at least 1 that leaves room");
  PONET_CHECK(o.dashes >= 1 && o.distractor_dashes >= 1 && o.distractors >= 0 && o.dash >= 1 && o.gap >= 0,
              "pathfinder: dashes, distractor dashes and dash length must be >= 1, distractors and gap >= 0");
  PONET_CHECK(o.max_turn >= 0.f && o.max_turn <= 3.2f, "pathfinder: max_turn ", o.max_turn, " must be in [0, pi]");
  PathfinderImage img;
  for (int attempt = 0; attempt < 1000; ++attempt)
    if (try_image(rng, label, o, img)) return img;
  fail("pathfinder: found no layout for ", 2 + o.distractors, " paths on a ", o.side, " x ", o.side,
       " image after 1000 tries (fewer or shorter paths, or a larger image)");
}

PathfinderSplits generate_pathfinder(int64_t train, int64_t dev, int64_t test, uint64_t seed, const PathfinderOptions& o) {
  PONET_CHECK(train >= 0 && dev >= 0 && test >= 0, "pathfinder: split sizes must be >= 0");
  Rng rng(seed);
  PathfinderSplits s;
  for (auto [split, n] : {std::pair{&s.train, train}, {&s.dev, dev}, {&s.test, test}}) {
    for (int64_t i = 0; i < n; ++i) split->push_back(generate_pathfinder_image(rng, i % 2, o));
    for (int64_t i = n - 1; i > 0; --i) std::swap((*split)[i], (*split)[rng.randint(0, i + 1)]);
  }
  return s;
}

std::vector<ClassificationExample> pathfinder_examples(const std::vector<PathfinderImage>& images) {
  std::vector<ClassificationExample> out;
  out.reserve(images.size());
  for (const PathfinderImage& im : images) out.push_back({pixel_token_ids(im.pixels.data(), im.pixels.size()), im.label, {}});
  return out;
}

void write_pathfinder_tsv(const std::string& path, const std::vector<PathfinderImage>& images) {
  std::string text = "label\tpixels\n";
  for (const PathfinderImage& im : images) text += std::to_string(im.label) + "\t" + hex_pixels(im.pixels) + "\n";
  io::write_file_atomically(path, text);
}

std::vector<PathfinderImage> read_pathfinder_tsv(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open Pathfinder file '", path, "'");
  std::string line;
  PONET_CHECK(std::getline(in, line), path, ": empty file (expected the header label<TAB>pixels)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  PONET_CHECK(line == "label\tpixels", path, ":1: expected the header \"label<TAB>pixels\", got \"", line.substr(0, 40), "\"");
  std::vector<PathfinderImage> out;
  size_t hex_length = 0;
  for (int64_t n = 2; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    PONET_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos, path, ":", n,
                ": expected two tab-separated fields (label, pixels)");
    const std::string label = line.substr(0, tab), hex = line.substr(tab + 1);
    PONET_CHECK(label == "0" || label == "1", path, ":", n, ": label \"", label.substr(0, 20), "\" is not 0 or 1");
    const size_t pixels = hex.size() / 2;
    const size_t side = static_cast<size_t>(std::lround(std::sqrt(static_cast<double>(pixels))));
    PONET_CHECK(hex.size() % 2 == 0 && pixels > 0 && side * side == pixels, path, ":", n, ": ", hex.size(),
                " hex digits are not the 2 per pixel of a square image");
    PONET_CHECK(hex_length == 0 || hex.size() == hex_length, path, ":", n, ": an image of ", pixels,
                " pixels where the lines before have ", hex_length / 2);
    hex_length = hex.size();
    PathfinderImage im;
    im.label = label[0] - '0';
    im.pixels.resize(pixels);
    for (size_t i = 0; i < pixels; ++i) {
      const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
      PONET_CHECK(hi >= 0 && lo >= 0, path, ":", n, ": pixel ", i, " is \"", hex.substr(2 * i, 2), "\", not two hex digits");
      im.pixels[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    out.push_back(std::move(im));
  }
  return out;
}

}  // namespace ponet::data
