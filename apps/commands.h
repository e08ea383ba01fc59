// The `ponet` subcommands. Each takes the arguments after its name and returns the exit code; the
// command table in apps/ponet.cpp names them and gives their one-line summaries.
#pragma once

namespace ponet::app {

int cmd_pretrain(int argc, char** argv);
int cmd_lm(int argc, char** argv);
int cmd_generate(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_predict(int argc, char** argv);
int cmd_lra(int argc, char** argv);
int cmd_finetune(int argc, char** argv);
int cmd_classify(int argc, char** argv);
int cmd_profile(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_upgrade_run(int argc, char** argv);

}  // namespace ponet::app
