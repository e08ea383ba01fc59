// Checkpoints: one safetensors file holding everything needed to continue a run exactly.
//   <HF parameter name>                 model parameters (the file also loads as a plain state dict)
//   optimizer.exp_avg.<name>, optimizer.exp_avg_sq.<name>   AdamW moments
//   metadata: step, optimizer_steps, data_rng, dropout_rng, config (model JSON), model (class), format,
//             crc32.<tensor name> (CRC-32 of the tensor's bytes, hex)
// Written atomically (temporary file, then rename), so an interrupt never leaves a torn checkpoint.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "nn/model.h"
#include "train/optimizer.h"

namespace ponet::train {

struct CheckpointState {
  int64_t step = 0;  // optimizer steps completed
  std::string data_rng, dropout_rng;
  std::map<std::string, std::string> extra;  // anything else the caller wants kept (e.g. train options)
};

void save_checkpoint(const std::string& path, const nn::Model& model, const AdamW* optimizer,
                     const CheckpointState& state);
// Loads parameters (and the optimizer state if `optimizer` is given) and returns the saved state.
// Errors name the file and what is missing or mismatched.
// Every tensor's CRC-32 (stored at save time as metadata "crc32.<name>") is verified; non-finite values
// are refused unless allow_non_finite.
CheckpointState load_checkpoint(const std::string& path, nn::Model& model, AdamW* optimizer,
                                bool allow_non_finite = false);

// The model a checkpoint holds, rebuilt from its class and config (on the CPU, parameters loaded).
std::unique_ptr<nn::Model> load_checkpoint_model(const std::string& path);
// The model class stored in a checkpoint ("PoNetForPreTraining" for files from before classes were stored).
std::string checkpoint_class(const std::string& path);
// The model config JSON stored in a checkpoint.
std::string checkpoint_config(const std::string& path);

}  // namespace ponet::train
