// LayerNorm's backward on either device, shared by layer_norm and dropout_add_layer_norm (whose
// backward starts with it): given the gradient of the output, the saved input x [rows, cols] and the
// forward's mean and rstd, returns {dx, dweight, dbias}.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace ponet::detail {

std::vector<Tensor> layer_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, const Tensor& mean,
                                        const Tensor& rstd, int64_t rows, int64_t cols);

}  // namespace ponet::detail
