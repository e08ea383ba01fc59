// Checkpoints: one safetensors file holding everything needed to continue a run exactly.
//   <HF parameter name>                 model parameters (the file also loads as a plain state dict)
//   optimizer.exp_avg.<name>, optimizer.exp_avg_sq.<name>   AdamW moments
//   metadata: format (kCheckpointFormat), step, optimizer_steps, data_rng, dropout_rng, config (model
//             JSON), model (class), crc32.<tensor name> (CRC-32 of every tensor's bytes, hex)
// Written atomically (temporary file, then rename), so an interrupt never leaves a torn checkpoint.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "nn/model.h"
#include "train/optimizer.h"

namespace ponet::train {

// The "format" metadata this build writes and reads. A file of an older format is refused with the
// command that converts its run directory (train/run_format.h).
inline constexpr const char* kCheckpointFormat = "ponet.cpp checkpoint v2";

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
// The model class stored in a checkpoint, e.g. "PoNetForPreTraining".
std::string checkpoint_class(const std::string& path);
// The model config JSON stored in a checkpoint.
std::string checkpoint_config(const std::string& path);

// Rewrites a checkpoint of format v1 as kCheckpointFormat, atomically: v1 files could lack the
// checksums (each is computed from the tensor as stored) and the model class (such files hold a
// PoNetForPreTraining). A checksum the file has must match. Returns false, changing nothing, for a file
// of the current format.
bool upgrade_checkpoint(const std::string& path);

}  // namespace ponet::train
