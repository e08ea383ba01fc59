// `ponet upgrade-run`: converts a run directory written by an older ponet to the format this one reads
// (train/run_format.h says what changes), in place.
#include <cstdio>

#include "apps/args.h"
#include "apps/commands.h"
#include "train/run_format.h"

namespace ponet::app {

int cmd_upgrade_run(int argc, char** argv) {
  Args a("upgrade-run",
         "Convert a run directory of an older format (run.json, checkpoint.safetensors, best.safetensors) to the "
         "current one, in place. A current run is left as it is; an interrupted conversion finishes when run again.");
  a.positional("dir", "the run directory (of `ponet pretrain`, `ponet finetune` or `ponet lra`)");
  if (!a.parse(argc, argv)) return 0;
  const std::vector<std::string> changed = train::upgrade_run(a.str("dir"));
  if (changed.empty()) std::printf("%s: already of format %lld; nothing to do\n", a.str("dir").c_str(),
                                   static_cast<long long>(train::kRunFormatVersion));
  for (const std::string& line : changed) std::printf("converted %s\n", line.c_str());
  return 0;
}

}  // namespace ponet::app
