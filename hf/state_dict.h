// The weight half of a Hugging Face import (hf/import.h): fitting a directory's state dict onto one
// of our models, name by name, with the tolerances hf/import.h lists and an error naming every missing,
// unexpected and mis-shaped tensor otherwise.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nn/model.h"
#include "hf/format.h"

namespace ponet::hf {

// Loads `weights` (names as the directory stores them, architecture `arch`) into `model`, whose fresh
// parameters stand in for the parts `arch` does not have. `source` names the files in messages; tolerated
// differences are appended to `notes`.
void load_hf_state_dict(nn::Model& model, const std::map<std::string, Tensor>& weights, const HfArchitecture& arch,
                        const std::string& source, uint64_t seed, std::vector<std::string>& notes);

}  // namespace ponet::hf
