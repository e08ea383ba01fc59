// The MPI backend (dist/communicator.h): CPU buffers between processes and machines through MPI.
//
// The sum is in a fixed order on purpose. MPI_Allreduce(MPI_SUM) on floats may add in any order the
// implementation likes (it picks algorithms by size and rank count, and a tree adds rank 0 + 1 first
// where a ring starts elsewhere), so N ranks would differ from one process and from each other's
// runs in the last bits. Instead each rank's buffer is reduce-scattered by hand: the buffer is cut
// into N contiguous chunks, rank r gathers chunk r of every rank (MPI_Alltoallv), sums them in rank
// order 0, 1, ..., N-1 (the same order a single process's one term trivially has), and the summed
// chunks are all-gathered back (MPI_Allgatherv). Bytes on the wire per rank: 2 (N-1)/N of the buffer,
// the same as a ring all-reduce; docs/distributed.md has the measured cost.
// CUDA buffers go through NCCL when the build has it (dist/nccl_all_reduce.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "dist/communicator.h"
#include "dist/nccl_all_reduce.h"

#ifdef PONET_WITH_MPI
#include <mpi.h>
#endif

namespace ponet::dist {

bool mpi_compiled() {
#ifdef PONET_WITH_MPI
  return true;
#else
  return false;
#endif
}

#ifndef PONET_WITH_MPI

std::unique_ptr<Communicator> make_mpi() {
  PONET_CHECK(false, "distributed: this build of ponet has no MPI backend (install libopenmpi-dev and rebuild)");
  return nullptr;
}
void shutdown() {}

#else

namespace {

using Clock = std::chrono::steady_clock;

// Every MPI call's return code, turned into an exception naming the call (MPI_ERRORS_RETURN is set).
void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  PONET_CHECK(false, "distributed: ", call, " failed: ", std::string(text, len));
}

bool g_initialised_here = false;

class Mpi;
Mpi* g_live = nullptr;  // the communicator whose NCCL shutdown() destroys before MPI_Finalize

class Mpi final : public Communicator {
 public:
  Mpi() {
    g_live = this;
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      // FUNNELED: OpenMP threads compute, only the main thread talks
      int provided = 0;
      check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      g_initialised_here = true;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm local;
    check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
              "MPI_Comm_split_type");
    MPI_Comm_rank(local, &local_rank_);
    MPI_Comm_free(&local);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  const char* backend() const override { return "mpi"; }
  ~Mpi() override {
    if (g_live == this) g_live = nullptr;
  }

  // Destroys the NCCL communicator (if one was made): it needs the CUDA runtime and the other ranks,
  // so it goes before MPI_Finalize, not with this object at exit.
  void close_nccl() {
    nccl_.reset();
    closed_ = true;
  }

  void all_reduce_sum(float* data, int64_t count, Device device) override {
    if (count == 0) return;
    const auto t0 = Clock::now();
    if (device.is_cuda()) {
      PONET_CHECK(!closed_, "distributed: an all-reduce of CUDA tensors after dist::shutdown()");
      if (!nccl_) nccl_ = std::make_unique<NcclAllReduce>(*this);
      nccl_->sum(data, count);
    } else {
      fixed_order_sum(data, count);
    }
    stats_.bytes_sent += count * static_cast<int64_t>(sizeof(float)) * 2 * (size_ - 1) / size_;
    stats_.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ++stats_.calls;
  }

  int64_t all_reduce_max(int64_t value) override {
    long long in = value, out = 0;
    check_mpi(MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce(max)");
    return out;
  }

  std::vector<std::string> all_gather(const std::string& mine) override {
    int n = static_cast<int>(mine.size());
    std::vector<int> sizes(size_), offsets(size_);
    check_mpi(MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    int total = 0;
    for (int r = 0; r < size_; ++r) offsets[r] = total, total += sizes[r];
    std::string all(total, '\0');
    check_mpi(MPI_Allgatherv(mine.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR,
                             MPI_COMM_WORLD),
              "MPI_Allgatherv");
    std::vector<std::string> out(size_);
    for (int r = 0; r < size_; ++r) out[r] = all.substr(offsets[r], sizes[r]);
    return out;
  }

  void broadcast(std::string& text, int root) override {
    long long n = static_cast<long long>(text.size());
    check_mpi(MPI_Bcast(&n, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
    text.resize(static_cast<size_t>(n));
    check_mpi(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  }

  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  [[noreturn]] void abort(int code, const std::string& why) override {
    std::fprintf(stderr, "rank %d: %s\n", rank_, why.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);  // takes every rank of the job down, not just this one
    std::_Exit(code);
  }

 private:
  // Chunk r of a count-element buffer: [chunk_begin(r), chunk_begin(r + 1)).
  int64_t chunk_begin(int64_t count, int r) const { return count * r / size_; }

  void fixed_order_sum(float* data, int64_t count) {
    // MPI counts are int: long buffers go in pieces (the order within each piece is still rank order)
    const int64_t kPiece = int64_t{1} << 28;
    for (int64_t start = 0; start < count; start += kPiece)
      fixed_order_piece(data + start, std::min(kPiece, count - start));
  }

  void fixed_order_piece(float* data, int64_t count) {
    std::vector<int> send_counts(size_), send_offsets(size_), recv_counts(size_), recv_offsets(size_);
    const int64_t mine = chunk_begin(count, rank_ + 1) - chunk_begin(count, rank_);
    for (int r = 0; r < size_; ++r) {
      send_offsets[r] = static_cast<int>(chunk_begin(count, r));
      send_counts[r] = static_cast<int>(chunk_begin(count, r + 1) - chunk_begin(count, r));
      recv_counts[r] = static_cast<int>(mine);
      recv_offsets[r] = static_cast<int>(mine * r);
    }
    gathered_.resize(static_cast<size_t>(mine * size_));
    check_mpi(MPI_Alltoallv(data, send_counts.data(), send_offsets.data(), MPI_FLOAT, gathered_.data(),
                            recv_counts.data(), recv_offsets.data(), MPI_FLOAT, MPI_COMM_WORLD),
              "MPI_Alltoallv");
    float* out = data + chunk_begin(count, rank_);
    for (int64_t i = 0; i < mine; ++i) {
      float s = gathered_[i];
      for (int r = 1; r < size_; ++r) s += gathered_[r * mine + i];  // rank order, whatever the timing
      out[i] = s;
    }
    check_mpi(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, data, send_counts.data(), send_offsets.data(), MPI_FLOAT,
                             MPI_COMM_WORLD),
              "MPI_Allgatherv");
  }

  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::vector<float> gathered_;
  std::unique_ptr<NcclAllReduce> nccl_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi() { return std::make_unique<Mpi>(); }

void shutdown() {
  if (g_live) g_live->close_nccl();  // NCCL first: it must not outlive MPI or the CUDA runtime
  int finalised = 0;
  if (!g_initialised_here) return;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

#endif

}  // namespace ponet::dist
