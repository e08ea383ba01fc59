#include "autograd/engine.h"

#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "core/error.h"

namespace ponet::autograd {

namespace {

// Post-order DFS over tensors (iterative: deep graphs must not overflow the stack).
std::vector<TensorImpl*> topological_order(TensorImpl* root) {
  std::vector<TensorImpl*> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<TensorImpl*, size_t>> stack{{root, 0}};
  visited.insert(root);
  while (!stack.empty()) {
    auto& [impl, next_child] = stack.back();
    const auto& fn = impl->grad_fn;
    if (fn && next_child < fn->inputs.size()) {
      TensorImpl* child = fn->inputs[next_child++].impl();
      if (child && child->requires_grad && visited.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(impl);
      stack.pop_back();
    }
  }
  return order;  // children before parents
}

Tensor accumulate(const Tensor& sum, const Tensor& g) { return sum.defined() ? add(sum, g) : g; }

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
  std::vector<TensorImpl*> order = topological_order(root.impl());
  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[root.impl()] = seed;
  for (size_t i = order.size(); i-- > 0;) {
    TensorImpl* impl = order[i];
    auto it = grads.find(impl);
    if (it == grads.end()) continue;
    Tensor g = it->second;
    grads.erase(it);
    if (!impl->grad_fn) {  // a leaf: accumulate into .grad
      impl->grad = accumulate(impl->grad ? Tensor(impl->grad) : Tensor(), g).contiguous().impl_ptr();
      continue;
    }
    const Node& node = *impl->grad_fn;
    std::vector<Tensor> input_grads = node.backward(g);
    PONET_CHECK(input_grads.size() == node.inputs.size(), "backward of ", node.name, " returned ",
                input_grads.size(), " gradients for ", node.inputs.size(), " inputs");
    for (size_t k = 0; k < input_grads.size(); ++k) {
      const Tensor& input = node.inputs[k];
      const Tensor& ig = input_grads[k];
      if (!input.defined() || !input.requires_grad() || !ig.defined()) continue;
      PONET_CHECK(ig.shape() == input.shape(), "backward of ", node.name, ": gradient ", ig.shape_str(),
                  " for input ", k, " of shape ", input.shape_str());
      grads[input.impl()] = accumulate(grads[input.impl()], ig);
    }
  }
}

}  // namespace ponet::autograd
