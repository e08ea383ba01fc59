// The format of a run directory (train/run_dir.h lists its files), and the conversion of older ones.
//
// run.json names its format, the command that wrote the run and every option the run records:
//   {"format_version": 2, "command": "pretrain" | "finetune", "batch_size": 32, ...}
// Option keys are the option names with '-' as '_' (apps/args.h); "precision" (fp32 or bf16, absent in
// runs from before it existed: fp32) is the one key a resumed run may replace (apps/common_options.h).
// The checkpoints carry their own format in their metadata (train/checkpoint.h). A run directory of an
// older format is refused with a message naming the command that converts it in place:
// `ponet upgrade-run DIR` (upgrade_run below).
//
// What the conversion does to a format-1 run (run.json without "format_version"):
//   pretrain: adds the options format 1 could leave out, at the values those runs trained with: init "",
//             mlm_weight 1, sso_weight 1, mask_prob 0.15, held_out_phase 0, recompute "none"; and
//             schedule "linear", objective "mlm+sso", precision "fp32".
//   finetune: option keys spelt with '_' ("max-len" -> "max_len"); adds text_field "text", text_b_field
//             "text_b", label_field "label", log_every 10, schedule "linear", precision "fp32"; "kind"
//             becomes "command".
//   checkpoints: train::upgrade_checkpoint (the checksums and model class that format 1 could lack).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ponet::train {

inline constexpr int64_t kRunFormatVersion = 2;

std::string run_json_path(const std::string& dir);  // dir + "/run.json"
// "ponet upgrade-run DIR": what an error about an older format tells the user to run.
std::string upgrade_command(const std::string& dir);

// The run.json of `dir`, checked: its format must be kRunFormatVersion (an older one is refused naming
// upgrade_command) and, unless `command` is empty, it must have been written by that command.
nlohmann::json read_run_json(const std::string& dir, const std::string& command = "");
// Writes run.json (atomically): the format version, the command and the recorded options.
void write_run_json(const std::string& dir, const std::string& command, const nlohmann::json& options);

// A format-1 run.json as format 2 (see above). Throws for anything else, naming `where`.
nlohmann::json upgrade_run_json(const nlohmann::json& format1, const std::string& where);

// Converts the run directory `dir` to the current format in place: its checkpoints first, run.json last,
// each file written atomically, so an interrupted conversion finishes when run again. A directory
// without run.json (an LRA run) has its checkpoints converted. Returns one line per file it changed
// (none when the run was current already).
std::vector<std::string> upgrade_run(const std::string& dir);

}  // namespace ponet::train
