#include "train/grad_clip.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/allocator.h"
#include "core/error.h"
#ifdef PONET_WITH_CUDA
#include "kernels/cuda/grad_clip.cuh"
#endif

namespace ponet::train {

namespace {

double host_squared_norm(const Tensor& g) {
  Tensor gc = contiguous(g);
  const float* p = gc.data<float>();
  double s = 0.0;
  for (int64_t i = 0; i < gc.numel(); ++i) s += static_cast<double>(p[i]) * p[i];
  return s;
}

// The gradients to measure, split by device. CPU ones are summed on the host in parameter order (the
// sum a CPU run has always had); CUDA ones on their device, which must be one (the process device).
struct Gradients {
  std::vector<size_t> cpu, cuda;  // indices into params
  Device cuda_device;
};

Gradients collect(const std::vector<Tensor>& params, const char* who) {
  Gradients out;
  for (size_t i = 0; i < params.size(); ++i) {
    PONET_CHECK(params[i].defined(), who, ": a parameter is undefined");
    Tensor g = params[i].grad();
    if (!g.defined()) continue;
    check_dtype(g, DType::F32, who, "gradient");
    if (g.device().is_cpu()) {
      out.cpu.push_back(i);
      continue;
    }
    if (out.cuda.empty()) out.cuda_device = g.device();
    PONET_CHECK(g.device() == out.cuda_device, who, ": gradients on ", out.cuda_device.str(), " and ",
                g.device().str(), "; one process computes on one GPU");
    out.cuda.push_back(i);
  }
  return out;
}

// The global norm of every gradient. With CUDA gradients and clip (max_norm finite), their replacements
// g * factor are queued before the one device-to-host copy of the norm, with the factor read on the
// device; the host scales CPU gradients itself. Returns the norm and whether the host must scale them.
double global_norm(const std::vector<Tensor>& params, const Gradients& grads, double max_norm) {
  double host_total = 0.0;
  for (size_t i : grads.cpu) host_total += host_squared_norm(params[i].grad());
  if (grads.cuda.empty()) return std::sqrt(host_total);
#ifdef PONET_WITH_CUDA
  const Device dev = grads.cuda_device;
  std::vector<Tensor> dense;  // contiguous gradients, kept alive until their kernels are queued
  int64_t partials = 0;
  for (size_t i : grads.cuda) {
    dense.push_back(contiguous(params[i].grad()));
    partials += cuda::squared_norm_partial_count(dense.back().numel());
  }
  // double scratch in int64 tensors (same size): the partials, then the norm and (in the second word) the factor
  Tensor partial = Tensor::empty({partials}, DType::I64, dev);
  Tensor result = Tensor::empty({2}, DType::I64, dev);
  double* part = reinterpret_cast<double*>(partial.data<int64_t>());
  for (const Tensor& g : dense) {
    cuda::squared_norm_partials(part, g.data<float>(), g.numel());
    part += cuda::squared_norm_partial_count(g.numel());
  }
  double* norm_on_device = reinterpret_cast<double*>(result.data<int64_t>());
  float* factor = reinterpret_cast<float*>(norm_on_device + 1);
  cuda::grad_norm_finish(norm_on_device, factor, reinterpret_cast<const double*>(partial.data<int64_t>()), partials,
                         host_total, max_norm);
  if (std::isfinite(max_norm)) {
    for (size_t k = 0; k < grads.cuda.size(); ++k) {
      Tensor scaled = Tensor::empty(dense[k].shape(), DType::F32, dev);
      cuda::scale_by_device_factor(scaled.data<float>(), dense[k].data<float>(), factor, dense[k].numel());
      params[grads.cuda[k]].set_grad(scaled);
    }
  }
  double norm = 0.0;
  copy_bytes(&norm, Device::cpu(), norm_on_device, dev, sizeof norm);  // the one sync: the norm is logged
  return norm;
#else
  fail("grad_norm: a CUDA gradient in a build without CUDA");
#endif
}

}  // namespace

double grad_norm(const std::vector<Tensor>& params) {
  NoGrad no_grad;
  return global_norm(params, collect(params, "grad_norm"), std::numeric_limits<double>::infinity());
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  PONET_CHECK(std::isfinite(max_norm) && max_norm > 0, "clip_grad_norm: max_norm must be finite and > 0, got ",
              max_norm);
  NoGrad no_grad;
  const Gradients grads = collect(params, "clip_grad_norm");
  const double norm = global_norm(params, grads, max_norm);  // CUDA gradients are clipped there already
  if (!std::isfinite(norm) || norm <= max_norm) return norm;
  const float factor = static_cast<float>(max_norm / (norm + 1e-6));
  for (size_t i : grads.cpu) params[i].set_grad(scale(params[i].grad(), factor));
  return norm;
}

}  // namespace ponet::train
