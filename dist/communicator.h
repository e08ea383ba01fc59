// Communication between the processes of a data-parallel job, behind one small interface so a reader
// sees every place where ranks talk: the gradient all-reduce, the stop vote, the start-up agreement
// check and the abort. Three backends:
//   single  one process (the default: `ponet` without mpirun behaves exactly as before);
//   mpi     CPU tensors between processes and machines through MPI (OpenMPI), chosen when the process
//           was started by mpirun in a build with MPI (dist/mpi_communicator.cpp);
//   nccl    CUDA tensors through NCCL, one GPU per rank chosen by local rank, bootstrapped through MPI
//           as llm.c does (dist/nccl_all_reduce.cu); host-side calls still go through MPI.
// Every collective is called by all ranks in the same order with the same sizes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"

namespace ponet::dist {

struct CommStats {
  int64_t bytes_sent = 0;  // payload handed to all-reduces by this rank
  double seconds = 0;      // wall time inside collectives
  int64_t calls = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;  // rank among the processes of this machine (picks the GPU)
  virtual const char* backend() const = 0;

  // data[0..count) summed over ranks, in place, on `device` (host memory for the CPU). The reduction
  // order is fixed by the backend, so the result does not depend on timing.
  virtual void all_reduce_sum(float* data, int64_t count, Device device) = 0;
  virtual int64_t all_reduce_max(int64_t value) = 0;  // a host integer (e.g. "stop now" votes)
  virtual std::vector<std::string> all_gather(const std::string& mine) = 0;  // one string per rank
  virtual void broadcast(std::string& text, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job with `code` after printing `why` (naming this rank) on stderr.
  [[noreturn]] virtual void abort(int code, const std::string& why) = 0;

  const CommStats& stats() const { return stats_; }

 protected:
  CommStats stats_;
};

// The job's communicator, made on first use: MPI when started by mpirun (and built with MPI), else a
// single process. A process started by mpirun in a build without MPI is an error saying so.
Communicator& world();
// True when the environment says a launcher (mpirun/srun) started this process as one of several.
bool launched_as_job();
// Whether this build has the MPI backend, and NCCL for CUDA tensors.
bool mpi_compiled();
bool nccl_compiled();
// Ends the job's communication (called from main's exit path; safe to call always): destroys the NCCL
// communicator if one was made, then finalises MPI if it was started here. Without it neither happens
// (the communicator is never destroyed at exit, where the CUDA runtime may already be gone).
void shutdown();

// The backends' constructors (for tests and for world()).
std::unique_ptr<Communicator> make_single_process();
std::unique_ptr<Communicator> make_mpi();  // throws in a build without MPI

}  // namespace ponet::dist
