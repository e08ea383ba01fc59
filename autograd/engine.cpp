#include "autograd/engine.h"

#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/error.h"
#include "core/profiler.h"

namespace ponet::autograd {

namespace {

// Post-order DFS over the nodes below root (iterative: deep graphs must not overflow the stack).
std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> order;
  std::unordered_set<Node*> visited{root};
  std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_edge] = stack.back();
    if (next_edge < node->edges.size()) {
      Node* child = node->edges[next_edge++].fn.get();
      if (child && visited.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;  // children before parents
}

Tensor accumulate(const Tensor& sum, const Tensor& g) { return sum.defined() ? add(sum, g) : g; }

void add_to_leaf(TensorImpl* leaf, const Tensor& g) {
  leaf->grad = accumulate(leaf->grad ? Tensor(leaf->grad) : Tensor(), g).contiguous().impl_ptr();
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad_output) {
  PONET_CHECK(root.defined(), "backward: root tensor is undefined");
  PONET_CHECK(root.requires_grad(), "backward: the tensor does not require grad (no graph to run)");
  Tensor seed = grad_output;
  if (!seed.defined()) {
    PONET_CHECK(root.numel() == 1, "backward: without grad_output the root must hold one element, got ",
                root.shape_str());
    seed = Tensor::ones(root.shape(), root.device());
  }
  PONET_CHECK(seed.shape() == root.shape(), "backward: grad_output ", seed.shape_str(),
              " does not match the root ", root.shape_str());

  NoGrad no_grad;  // backward closures build no graph
  const profiler::PhaseScope phase(profiler::Phase::Backward);  // kernels launched below are backward's
  if (!root.grad_fn()) {  // the root is itself a leaf
    add_to_leaf(root.impl(), seed);
    return;
  }
  std::vector<Node*> order = topological_order(root.grad_fn().get());
  // Gradients are summed per node output and per leaf over every path, in the order the nodes run,
  // and each leaf's .grad receives its total once.
  std::unordered_map<Node*, Tensor> grads{{root.grad_fn().get(), seed}};
  std::unordered_map<TensorImpl*, Tensor> leaf_grads;
  std::vector<TensorImpl*> leaf_order;
  for (size_t i = order.size(); i-- > 0;) {
    Node* node = order[i];
    auto it = grads.find(node);
    if (it == grads.end()) continue;
    Tensor g = std::move(it->second);
    grads.erase(it);
    std::vector<Tensor> input_grads;
    if (profiler::enabled()) {  // the closure's whole time (kernels and glue) goes to the node table
      const profiler::Scope timed(profiler::Table::BackwardNodes, g.device(), node->name, {});
      input_grads = node->backward(g);
    } else {
      input_grads = node->backward(g);
    }
    g = Tensor();  // the output's gradient is done with before the inputs' are summed
    PONET_CHECK(input_grads.size() == node->edges.size(), "backward of ", node->name, " returned ",
                input_grads.size(), " gradients for ", node->edges.size(), " inputs");
    for (size_t k = 0; k < input_grads.size(); ++k) {
      const Edge& edge = node->edges[k];
      Tensor& ig = input_grads[k];
      if (!edge.wants_grad() || !ig.defined()) continue;
      PONET_CHECK(ig.shape() == edge.shape, "backward of ", node->name, ": gradient ", ig.shape_str(),
                  " for input ", k, " of shape ", shape_str(edge.shape));
      if (edge.fn) {
        Tensor& slot = grads[edge.fn.get()];
        slot = accumulate(slot, ig);
      } else {
        auto [slot, fresh] = leaf_grads.try_emplace(edge.leaf.get());
        if (fresh) leaf_order.push_back(edge.leaf.get());
        slot->second = accumulate(slot->second, ig);
      }
    }
  }
  for (TensorImpl* leaf : leaf_order) add_to_leaf(leaf, leaf_grads[leaf]);
}

}  // namespace ponet::autograd
