// The paper's ablation switches (kernels/ponet_branches.h): PF without GA, SMP or LMP. The fused op and
// the composed mixer against the plain double loop and against each other for every variant; zero
// gradients for a removed branch's inputs; a model with a branch removed against the full model whose
// projection of that branch is zeroed (an independent way to silence it); the config field; errors.
// The op table holds the paper's three variants too (build/test_ops value --filter ponet_mixer).
#include <filesystem>

#include "fixture_util.h"
#include "hf/export.h"
#include "nn/lra.h"
#include "nn/lra_config.h"
#include "nn/mixers/ponet.h"
#include "nn/ponet_for_pretraining.h"
#include "nn/segment_index.h"
#include "ponet_mixer_cases.h"
#include "tests/ops_table/reference_ponet_mixer.h"

using namespace ponet;
using namespace ponet::testing;

namespace {

// Every non-empty choice of branches; the paper's three (one removed) and the ones that keep a single branch.
std::vector<PoNetBranches> every_variant() {
  std::vector<PoNetBranches> out;
  for (int bits = 1; bits < 8; ++bits) out.push_back({(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0});
  return out;
}

std::string name_of(const PoNetBranches& b) {
  std::string s;
  for (const std::string& n : nn::ponet_branch_names(b)) s += (s.empty() ? "" : "+") + n;
  return s;
}

using Case = MixerCase;



Tensor fused(const Case& c, const PoNetBranches& b) {
  return ponet_mixer(c.q, c.k, c.o, c.local, c.segment, c.valid, c.segment_ids, c.special, c.heads, b);
}
Tensor composed(const Case& c, const PoNetBranches& b) {
  return nn::ponet_mixer_composed(c.q, c.k, c.o, c.local, c.segment, c.valid, c.segment_ids, c.special, c.heads, b);
}

// The five input gradients of y . w, w a fixed random weight.
std::vector<std::vector<float>> input_grads(const Case& c, const Tensor& y) {
  std::vector<Tensor> x = c.inputs();
  for (Tensor& t : x) t.zero_grad();
  Rng rng(19);
  y.backward(random_tensor(y.shape(), rng));
  std::vector<std::vector<float>> g;
  for (Tensor& t : x)  // an input the composed graph never reached has no gradient: zero
    g.push_back(t.grad().defined() ? t.grad().to_vector() : std::vector<float>(t.numel(), 0.f));
  return g;
}

bool all_zero(const std::vector<float>& v) {
  for (float x : v)
    if (x != 0.f) return false;
  return true;
}

// Which inputs reach y only through a branch: q and k through GA, segment through SMP, local through LMP.
bool input_is_used(size_t input, const PoNetBranches& b) {
  switch (input) {
    case 0:
    case 1: return b.ga;
    case 2: return b.ga || b.smp;  // o multiplies (v + smp)
    case 3: return b.lmp;
    default: return b.smp;
  }
}

// Is `name` a parameter of one of the mixer projections `projections` (e.g. "dense_k"), in any layer?
bool of_projection(const std::string& name, const std::vector<std::string>& projections) {
  for (const std::string& p : projections)
    if (name.find(".attention.self." + p + ".") != std::string::npos) return true;
  return false;
}

// The fixture's model (config and weights of tests/data/ponet_derived_segments.safetensors) with the
// given branches and the parameters of the projections `zeroed` set to 0, and its batch.
struct FixtureModel {
  Fixture fx = load_fixture("ponet_derived_segments.safetensors");
  std::unique_ptr<nn::PoNetForPreTraining> model;
  nn::PoNetInputs inputs;

  explicit FixtureModel(const PoNetBranches& branches, const std::vector<std::string>& zeroed = {}) {
    nn::PoNetConfig config = nn::PoNetConfig::from_json(fx.metadata.at("config"));
    config.ponet_branches = branches;
    model = std::make_unique<nn::PoNetForPreTraining>(config, 0);
    std::map<std::string, Tensor> params;
    for (auto& [name, t] : model->named_parameters())
      params[name] = of_projection(name, zeroed) ? Tensor::zeros(t.shape()) : fx.at(name);
    model->load_state_dict(params);  // strict: the same names with a branch removed or not
    model->eval();
    inputs.input_ids = fx.at("input.input_ids");
    inputs.attention_mask = fx.at("input.attention_mask");
    inputs.token_type_ids = fx.at("input.token_type_ids");
    inputs.labels = fx.at("input.labels");
    inputs.next_sentence_label = fx.at("input.next_sentence_label");
  }
  struct Result {
    std::vector<float> hidden;                             // the last hidden state
    std::map<std::string, std::vector<float>> gradients;  // of MLM + SSO, every parameter
  };
  Result run(bool fused_mixer) {
    model->zero_grad();
    nn::ForwardOptions fo;
    fo.fused_mixer = fused_mixer;
    nn::PoNetOutputs out = model->forward(inputs, fo);
    add(out.mlm_loss, out.sso_loss).backward();
    Result r{out.last_hidden_state.to_vector(), {}};
    for (auto& [name, t] : model->named_parameters())
      r.gradients[name] = t.grad().defined() ? t.grad().to_vector() : std::vector<float>(t.numel(), 0.f);
    return r;
  }
};

}  // namespace

TEST_CASE("ponet branches: every variant, composed equals the plain loop and fused equals composed") {
  for (const Case& c : {sentences_mixer_case(181, true), chunks_mixer_case(182, true)}) {
    for (const PoNetBranches& b : every_variant()) {
      CAPTURE(name_of(b));
      std::vector<double> ref = ops_table::naive_ponet_mixer(c.q, c.k, c.o, c.local, c.segment, c.valid, c.segment_ids,
                                                             c.special, c.heads, b);
      const Tensor yc = composed(c, b), yf = fused(c, b);
      check_close(yc, std::vector<float>(ref.begin(), ref.end()), 2e-6, 1e-5);
      check_close(yf, yc, 1e-6, 1e-5);
      const auto gf = input_grads(c, yf), gc = input_grads(c, yc);
      for (size_t i = 0; i < gf.size(); ++i) {
        CAPTURE(i);
        CHECK(max_abs_diff(gf[i], gc[i]) < 1e-5);
        // a removed branch's inputs get exactly zero, the others do not (so the check can fail)
        CHECK(all_zero(gf[i]) == !input_is_used(i, b));
        CHECK(all_zero(gc[i]) == !input_is_used(i, b));
      }
    }
  }
}

TEST_CASE("ponet branches: removing every branch is refused, naming the switches") {
  const Case c = sentences_mixer_case(181, true);
  const PoNetBranches none{false, false, false};
  CHECK_THROWS_WITH_AS(fused(c, none), doctest::Contains("every branch (ga, smp, lmp) is removed"), Error);
  CHECK_THROWS_WITH_AS(composed(c, none), doctest::Contains("every branch (ga, smp, lmp) is removed"), Error);
  nn::MixerOptions m;
  m.dim = 8;
  m.num_heads = 2;
  m.head_dim = 4;
  Rng init(1);
  m.init = {&init, 0.02f};
  m.ponet_branches = none;
  CHECK_THROWS_WITH_AS(nn::PoNetMixer{m}, doctest::Contains("every branch (ga, smp, lmp) is removed"), Error);
}

TEST_CASE("ponet branches: config JSON field, written only when a branch is removed") {
  nn::PoNetConfig full;
  CHECK(full.to_json().find("ponet_branches") == std::string::npos);
  CHECK(nn::PoNetConfig::from_json(full.to_json()).ponet_branches.all());

  nn::PoNetConfig c = nn::PoNetConfig::from_json(R"({"ponet_branches": ["lmp", "ga"]})", "ablation.json");
  CHECK(c.ponet_branches == PoNetBranches{true, false, true});
  CHECK(c.to_json().find("\"ponet_branches\": [\n    \"ga\",\n    \"lmp\"\n  ]") != std::string::npos);
  CHECK(nn::PoNetConfig::from_json(c.to_json()).ponet_branches == c.ponet_branches);
  CHECK(nn::PoNetConfig::from_json(R"({"ponet_branches": ["ga", "smp", "lmp"]})").to_json() == full.to_json());

  auto refused = [](const std::string& text, const std::string& message) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(nn::PoNetConfig::from_json(text, "ablation.json"), doctest::Contains(message.c_str()), Error);
  };
  refused(R"({"ponet_branches": []})", "ablation.json: field \"ponet_branches\" is empty");
  refused(R"({"ponet_branches": ["ga", "gap"]})", "field \"ponet_branches\": unknown branch \"gap\"");
  refused(R"({"ponet_branches": ["smp", "smp"]})", "field \"ponet_branches\" names \"smp\" twice");
  refused(R"({"ponet_branches": "ga"})", "field \"ponet_branches\" must be a list");
  refused(R"({"ponet_branches": [1]})", "unknown branch 1");
  refused(R"({"mixer": "softmax", "ponet_branches": ["ga"]})", "but mixer is \"softmax\"");

  nn::LraConfig lra;
  lra.segment_num = 4;
  CHECK(lra.to_json().find("ponet_branches") == std::string::npos);
  lra.ponet_branches = {true, true, false};
  const nn::LraConfig back = nn::LraConfig::from_json(lra.to_json(), "lra.json");
  CHECK(back.ponet_branches == PoNetBranches{true, true, false});
  CHECK_THROWS_WITH_AS(nn::LraConfig::from_json(R"({"attn_type": "fnet", "ponet_branches": ["smp"]})", "lra.json"),
                       doctest::Contains("but attn_type is \"fnet\""), Error);
  CHECK_THROWS_WITH_AS(nn::LraConfig::from_json(R"({"segment_num": 4, "ponet_branches": []})", "lra.json"),
                       doctest::Contains("lra.json: field \"ponet_branches\" is empty"), Error);
}

TEST_CASE("ponet branches: a model without a branch equals the full model with that branch's projection zeroed") {
  // Zeroing a projection silences its branch on real rows (K = 0 gives v = 0; S = 0 and Lc = 0 give
  // pools of 0, padded fills never win over a real row's 0, CLS/SEP pools are zeroed anyway), so the
  // full model computes the ablated PF through the ordinary kernels. The ablated model keeps every
  // parameter and its name (the fixture's state dict loads strictly) and gives the removed projections
  // zero gradient.
  struct Variant {
    PoNetBranches branches;
    std::vector<std::string> zeroed;     // what the full model zeroes
    std::vector<std::string> unused;     // what the ablated model must give zero gradient
  };
  const std::vector<Variant> variants = {
      {{false, true, true}, {"dense_k"}, {"dense_q", "dense_k"}},
      {{true, false, true}, {"dense_segment"}, {"dense_segment"}},
      {{true, true, false}, {"dense_local"}, {"dense_local"}},
  };
  FixtureModel intact(PoNetBranches{});
  for (const Variant& v : variants) {
    CAPTURE(name_of(v.branches));
    FixtureModel ablated(v.branches), silenced(PoNetBranches{}, v.zeroed);
    for (bool fused_mixer : {true, false}) {
      CAPTURE(fused_mixer);
      auto [hidden_a, grads_a] = ablated.run(fused_mixer);
      auto [hidden_s, grads_s] = silenced.run(fused_mixer);
      CHECK(max_abs_diff(hidden_a, hidden_s) < 1e-5);
      // the comparison can fail: with the branch's weights intact the full model's output is another
      CHECK(max_abs_diff(intact.run(fused_mixer).hidden, hidden_a) > 1e-2);
      for (auto& [name, g] : grads_a) {
        CAPTURE(name);
        if (of_projection(name, v.unused)) {
          CHECK(all_zero(g));
        } else if (!of_projection(name, v.zeroed)) {
          double scale = 0;
          for (float x : grads_s[name]) scale = std::max(scale, static_cast<double>(std::abs(x)));
          CHECK(max_abs_diff(g, grads_s[name]) <= 1e-5 * scale + 1e-8);
        }
      }
    }
  }
}

TEST_CASE("ponet branches: Hugging Face export refuses a model with a branch removed") {
  // The official code has no such switch: the exported directory would load there as the full PoNet.
  nn::LraConfig c;
  c.segment_num = 4;
  c.ponet_branches = {true, false, true};
  nn::LraForSequenceClassification model(c, 0);
  const std::string dir = (std::filesystem::temp_directory_path() / "ponet_branches_export").string();
  CHECK_THROWS_WITH_AS(hf::export_hf_directory(model, dir), doctest::Contains("ponet_branches [ga, lmp]"), Error);
  CHECK_FALSE(std::filesystem::exists(dir + "/model.safetensors"));
  std::filesystem::remove_all(dir);
}
