#include "train/step.h"

#include <cmath>

#include "core/error.h"
#include "train/data_parallel.h"
#include "train/grad_clip.h"

namespace ponet::train {

StepStats train_step(Task& task, AdamW& optimizer, const StepConfig& config, int64_t step, Rng& data_rng,
                     DataParallel* ranks) {
  StepResult r = task.forward_next_batch(data_rng);  // batch -> forward -> the task's objective
  if (ranks) ranks->sum(r.figures);  // the global batch's figures on every rank: all take the same branch
  PONET_CHECK(std::isfinite(r.figures.loss), "train step: loss became ", r.figures.loss, " at step ", step + 1,
              " (try a lower --lr or check the data)");
  r.objective.backward();
  const std::vector<Tensor> params = task.model().parameters();
  if (ranks) ranks->all_reduce_gradients(params);
  StepStats s;
  s.grad_norm = config.max_grad_norm > 0 ? clip_grad_norm(params, config.max_grad_norm) : grad_norm(params);
  const OneCycle at =
      scheduled(config.schedule, step, config.warmup_steps, config.total_steps, config.lr, config.beta1);
  optimizer.set_beta1(at.beta1);
  optimizer.step(at.lr);
  optimizer.zero_grad();
  s.batch = std::move(r.figures);
  s.lr = at.lr;
  s.beta1 = at.beta1;
  return s;
}

}  // namespace ponet::train
