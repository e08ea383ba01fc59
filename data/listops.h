// LRA ListOps (Nangia & Bowman 2018, as generated for Long Range Arena by google-research/long-range-arena
// lra_benchmarks/data/listops.py): nested list operations over the digits 0..9, whose value (10 classes)
// a model must compute from the flat token sequence.
//
// The generator follows the LRA rules: generate_tree(depth = 1): below max_depth a leaf with probability
// 0.75, else an operator (MIN, MAX, MED, SM, uniform) with randint(2, max_args) inclusive arguments, each
// a subtree at depth + 1; at max_depth always a leaf; leaves uniform in 0..9. length = leaves + 2 per
// operator (the operator token and its closing "]"). A tree is kept when min_length < length < max_length
// and it was not drawn before. MED is the integer part of the median (the mean of the two middle values
// rounded down for an even count); SM is the sum mod 10.
//
// Files: the LRA release's TSV (header "Source<TAB>Target"), the source written with LRA's parentheses,
// e.g. "( ( ( [MAX 2 ) 9 ) ] )" for [MAX 2 9 ]. Readers drop the parentheses and accept "X" for "]" (the
// LRA input pipeline renames it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"

namespace ponet::data {

enum class ListOp { leaf, min, max, med, sum_mod };

struct ListOpsTree {
  ListOp op = ListOp::leaf;
  int value = 0;                   // leaves only
  std::vector<ListOpsTree> args;   // operators only
};

int listops_value(const ListOpsTree& t);
int64_t listops_length(const ListOpsTree& t);  // leaves + 2 per operator
std::string listops_source(const ListOpsTree& t);  // with LRA's parentheses

// One tree from the LRA distribution.
ListOpsTree generate_listops_tree(Rng& rng, int depth = 1, int max_depth = 10, int max_args = 10);

struct ListOpsExample {
  std::string source;  // as in the TSV files (parentheses included)
  int64_t target = 0;  // 0..9
};

struct ListOpsOptions {
  int64_t train = 96000, dev = 2000, test = 2000;
  int64_t min_length = 500, max_length = 2000;  // exclusive bounds, as in LRA
  uint64_t seed = 0;
  int max_depth = 10, max_args = 10;
};

struct ListOpsSplits {
  std::vector<ListOpsExample> train, dev, test;
};

// Distinct trees in the length window, split train / dev / test in drawing order. Throws if the window
// is empty (min_length + 1 >= max_length) or the sizes are negative.
ListOpsSplits generate_listops(const ListOpsOptions& options);

// The token vocabulary: 0 = padding, "0".."9" = 1..10, "[MIN" 11, "[MAX" 12, "[MED" 13, "[SM" 14, "]" 15.
constexpr int64_t kListOpsVocabSize = 16;
// Source text -> token ids (parentheses dropped, "X" read as "]"). Throws on any other word, naming it.
std::vector<int64_t> listops_token_ids(const std::string& source);

// basic_{train,val,test}.tsv. Reading checks the header and every line; errors name file and line.
void write_listops_tsv(const std::string& path, const std::vector<ListOpsExample>& examples);
std::vector<ListOpsExample> read_listops_tsv(const std::string& path);

}  // namespace ponet::data
