// Pathfinder (Linsley et al. 2018; LRA's pathfinder32): does a path join the two dots? Our generator, in
// the spirit of the Pathfinder rules used for LRA (github drewlinsley/pathfinder, with LRA's 32 x 32
// settings), not a port of it:
//  - a path is a random walk of unit steps whose heading turns by at most `max_turn` radians per step
//    (bounded curvature), kept `margin` pixels inside the border; it is drawn as dashes: `dash` steps
//    drawn, `gap` steps left dark, `dashes` times;
//  - every image holds two main paths of `dashes` dashes and `distractors` shorter paths of
//    `distractor_dashes`; no two paths touch (not even diagonally), so connectivity is the paths';
//  - two dots (3 x 3 squares) sit on path ends: label 1 puts them on the two ends of the first main path,
//    label 0 on one end of each main path. Both labels draw the same kinds of path, so only the
//    connection tells them apart; the dots are at least `min_dot_distance` pixels apart in both.
// Generation keeps each path's undashed pixel mask (with its dots), which the tests flood-fill to check
// the label. Labels are balanced within each split; the same options and seed give the same bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/classification_example.h"

namespace ponet::data {

struct PathfinderOptions {
  int side = 32;
  int dashes = 14;             // LRA's hardest pathfinder32 level (contour length 14); 6 and 9 are the easier ones
  int distractor_dashes = 4;   // dashes / 3, as LRA
  int distractors = 5;         // 20 / distractor_dashes, as LRA
  int dash = 2, gap = 1;       // steps per dash and per gap
  float max_turn = 0.35f;      // radians per step
  int margin = 1;              // pixels kept free inside the border
  float min_dot_distance = 7.f;
  uint8_t intensity = 255;     // drawn path and dot pixels; the background is 0
};

struct PathfinderImage {
  std::vector<uint8_t> pixels;              // side x side, row-major
  int64_t label = 0;                        // 1: the dots are joined by one path
  std::vector<std::vector<uint8_t>> paths;  // per path, its undashed pixels (1) including its dots
  int dots[2] = {0, 0};                     // pixel index of each dot's centre
};

// One image with the given label. Throws if no layout fits after many tries (options too crowded).
PathfinderImage generate_pathfinder_image(Rng& rng, int64_t label, const PathfinderOptions& options);

struct PathfinderSplits {
  std::vector<PathfinderImage> train, dev, test;
};

// train / dev / test images drawn in that order from one Rng(seed); within each split labels alternate
// 0, 1, ... and the split is then shuffled.
PathfinderSplits generate_pathfinder(int64_t train, int64_t dev, int64_t test, uint64_t seed,
                                     const PathfinderOptions& options = {});

// The model's view: pixel ids (data/pixel_tokens.h) and the label.
std::vector<ClassificationExample> pathfinder_examples(const std::vector<PathfinderImage>& images);

// TSV: the header "label<TAB>pixels", then one image a line: its label (0 or 1) and its pixels as
// 2 lowercase hex digits each (side x side, row-major). Reading checks every line and names file and line;
// every image of a file must have the same square size.
void write_pathfinder_tsv(const std::string& path, const std::vector<PathfinderImage>& images);
std::vector<PathfinderImage> read_pathfinder_tsv(const std::string& path);

}  // namespace ponet::data
