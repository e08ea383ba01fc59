// Chooses the job's backend once: MPI when a launcher started this process, else a single process.
#include <cstdlib>
#include <mutex>
#include <string>

#include "core/device.h"
#include "core/error.h"
#include "dist/communicator.h"

namespace ponet::dist {

namespace {
// Never destroyed at exit: the MPI backend may own the NCCL communicator, which must not be destroyed
// after MPI_Finalize or once the CUDA runtime has begun to unload. shutdown() destroys that first.
std::unique_ptr<Communicator>& instance() {
  static auto* comm = new std::unique_ptr<Communicator>();
  return *comm;
}

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : 0;
}
}  // namespace

bool launched_as_job() {
  // OpenMPI's mpirun, PMIx (srun, newer launchers), MPICH/Hydra
  return env_int("OMPI_COMM_WORLD_SIZE") > 1 || env_int("PMIX_SIZE") > 1 || env_int("PMI_SIZE") > 1;
}

Communicator& world() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!launched_as_job()) {
      instance() = make_single_process();
      return;
    }
    PONET_CHECK(mpi_compiled(), "this process was started by mpirun as one of several ranks, but this build of ponet has no "
                                "MPI support (install libopenmpi-dev and rebuild: scripts/setup.sh)");
    instance() = make_mpi();
    // before any CUDA work: this rank's GPU follows from its local rank (core/device.h)
    set_process_local_rank(instance()->local_rank());
  });
  return *instance();
}

}  // namespace ponet::dist
