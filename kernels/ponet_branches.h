// Which of PoNet's three pooling branches the pooling fusion (PF) sums, for the paper's ablation (Tan et
// al., ICLR 2022, Table 5). With v the GA value, smp and lmp the two max-pools and O the O projection:
//   all on (PoNet)  y = (v + smp) * O + lmp
//   without GA      y = smp * O + lmp
//   without SMP     y = v * O + lmp
//   without LMP     y = (v + smp) * O
// A removed branch contributes nothing and its inputs receive zero gradient; the layer keeps all five
// projections, so parameter names and checkpoints do not change (docs/models.md, "Ablation switches").
// The CPU and CUDA kernels, the composed mixer and the op-table reference all take this struct.
#pragma once

namespace ponet {

struct PoNetBranches {
  bool ga = true;   // global aggregation: mean query, attention over the keys, value v
  bool smp = true;  // segment max-pooling
  bool lmp = true;  // local max-pooling (window 3)

  bool all() const { return ga && smp && lmp; }
  bool any() const { return ga || smp || lmp; }
  bool operator==(const PoNetBranches& o) const { return ga == o.ga && smp == o.smp && lmp == o.lmp; }
  bool operator!=(const PoNetBranches& o) const { return !(*this == o); }
};

}  // namespace ponet
