#include "data/listops.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "core/error.h"
#include "io/atomic_file.h"

namespace ponet::data {

namespace {

const char* op_token(ListOp op) {
  switch (op) {
    case ListOp::min: return "[MIN";
    case ListOp::max: return "[MAX";
    case ListOp::med: return "[MED";
    case ListOp::sum_mod: return "[SM";
    case ListOp::leaf: break;
  }
  return "?";
}

// LRA's to_string: the operator and its arguments are nested pairs, ((((op, a0), a1), ...), "]"), each pair
// written as "( left right )".
std::string pair_text(const std::string& left, const std::string& right) { return "( " + left + " " + right + " )"; }

}  // namespace

int listops_value(const ListOpsTree& t) {
  if (t.op == ListOp::leaf) return t.value;
  std::vector<int> v;
  for (const ListOpsTree& a : t.args) v.push_back(listops_value(a));
  switch (t.op) {
    case ListOp::min: return *std::min_element(v.begin(), v.end());
    case ListOp::max: return *std::max_element(v.begin(), v.end());
    case ListOp::med: {
      std::sort(v.begin(), v.end());
      const size_t n = v.size();
      // int(np.median(v)): the mean of the two middle values for an even count, truncated (values >= 0)
      return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    case ListOp::sum_mod: {
      int s = 0;
      for (int x : v) s += x;
      return s % 10;
    }
    case ListOp::leaf: break;
  }
  return 0;
}

int64_t listops_length(const ListOpsTree& t) {
  if (t.op == ListOp::leaf) return 1;
  int64_t n = 2;
  for (const ListOpsTree& a : t.args) n += listops_length(a);
  return n;
}

std::string listops_source(const ListOpsTree& t) {
  if (t.op == ListOp::leaf) return std::to_string(t.value);
  std::string s = pair_text(op_token(t.op), listops_source(t.args[0]));
  for (size_t i = 1; i < t.args.size(); ++i) s = pair_text(s, listops_source(t.args[i]));
  return pair_text(s, "]");
}

ListOpsTree generate_listops_tree(Rng& rng, int depth, int max_depth, int max_args) {
  ListOpsTree t;
  // LRA draws r = random() below max_depth (r = 1 at it) and makes a leaf when r > 0.25
  const bool leaf = depth >= max_depth || rng.uniform() > 0.25f;
  if (leaf) {
    t.value = static_cast<int>(rng.randint(0, 10));
    return t;
  }
  const int64_t n = rng.randint(2, max_args + 1);  // randint(2, max_args) is inclusive in Python
  for (int64_t i = 0; i < n; ++i) t.args.push_back(generate_listops_tree(rng, depth + 1, max_depth, max_args));
  static const ListOp ops[] = {ListOp::min, ListOp::max, ListOp::med, ListOp::sum_mod};
  t.op = ops[rng.randint(0, 4)];
  return t;
}

ListOpsSplits generate_listops(const ListOpsOptions& o) {
  PONET_CHECK(o.train >= 0 && o.dev >= 0 && o.test >= 0, "listops: split sizes must be >= 0");
  PONET_CHECK(o.min_length >= 0 && o.min_length + 1 < o.max_length, "listops: no length lies strictly between ",
              o.min_length, " and ", o.max_length);
  PONET_CHECK(o.max_depth >= 1 && o.max_args >= 2, "listops: max_depth must be >= 1 and max_args >= 2");
  Rng rng(o.seed);
  std::unordered_set<std::string> seen;
  std::vector<ListOpsExample> all;
  const size_t wanted = static_cast<size_t>(o.train + o.dev + o.test);
  int64_t attempts = 0;
  while (all.size() < wanted) {
    PONET_CHECK(++attempts < 1000000000, "listops: gave up after ", attempts, " trees (", all.size(), " kept)");
    ListOpsTree t = generate_listops_tree(rng, 1, o.max_depth, o.max_args);
    const int64_t len = listops_length(t);
    if (len <= o.min_length || len >= o.max_length) continue;
    std::string source = listops_source(t);
    if (!seen.insert(source).second) continue;
    all.push_back({std::move(source), listops_value(t)});
  }
  ListOpsSplits s;
  s.train.assign(all.begin(), all.begin() + o.train);
  s.dev.assign(all.begin() + o.train, all.begin() + o.train + o.dev);
  s.test.assign(all.begin() + o.train + o.dev, all.end());
  return s;
}

std::vector<int64_t> listops_token_ids(const std::string& source) {
  std::vector<int64_t> ids;
  std::istringstream words(source);
  std::string w;
  while (words >> w) {
    if (w == "(" || w == ")") continue;
    if (w.size() == 1 && w[0] >= '0' && w[0] <= '9') ids.push_back(1 + (w[0] - '0'));
    else if (w == "[MIN") ids.push_back(11);
    else if (w == "[MAX") ids.push_back(12);
    else if (w == "[MED") ids.push_back(13);
    else if (w == "[SM") ids.push_back(14);
    else if (w == "]" || w == "X") ids.push_back(15);
    else fail("listops: unknown token '", w, "'");
  }
  return ids;
}

void write_listops_tsv(const std::string& path, const std::vector<ListOpsExample>& examples) {
  std::string text = "Source\tTarget\n";
  for (const ListOpsExample& e : examples) text += e.source + "\t" + std::to_string(e.target) + "\n";
  io::write_file_atomically(path, text);
}

std::vector<ListOpsExample> read_listops_tsv(const std::string& path) {
  std::ifstream in(path);
  PONET_CHECK(in.good(), "cannot open ListOps file '", path, "'");
  std::string line;
  PONET_CHECK(std::getline(in, line), path, ": empty file (expected the header Source<TAB>Target)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  PONET_CHECK(line == "Source\tTarget", path, ":1: expected the header \"Source<TAB>Target\", got \"", line, "\"");
  std::vector<ListOpsExample> out;
  for (int64_t n = 2; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    PONET_CHECK(tab != std::string::npos && line.find('\t', tab + 1) == std::string::npos, path, ":", n,
                ": expected two tab-separated fields (source, target)");
    ListOpsExample e{line.substr(0, tab), 0};
    const std::string target = line.substr(tab + 1);
    PONET_CHECK(target.size() == 1 && target[0] >= '0' && target[0] <= '9', path, ":", n, ": target \"", target,
                "\" is not a digit 0..9");
    e.target = target[0] - '0';
    try {
      PONET_CHECK(!listops_token_ids(e.source).empty(), "no tokens");
    } catch (const Error& err) {
      fail(path, ":", n, ": ", err.what());
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ponet::data
