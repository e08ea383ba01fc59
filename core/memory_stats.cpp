#include "core/memory_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "core/allocator.h"

namespace ponet {

MemoryStats memory_stats(Device device) {
  if (device.is_cpu()) return cpu_memory_stats();
#ifdef PONET_WITH_CUDA
  return cuda::device_memory_stats(device.index);
#else
  return {};
#endif
}

void reset_peak_memory(Device device) {
  if (device.is_cpu()) {
    cpu_reset_peak_memory();
    return;
  }
#ifdef PONET_WITH_CUDA
  cuda::device_reset_peak_memory(device.index);
#endif
}

void empty_cache(Device device) {
  if (device.is_cpu()) {
    cpu_empty_cache();
    return;
  }
#ifdef PONET_WITH_CUDA
  cuda::device_empty_cache(device.index);
#endif
}

size_t process_max_rss_bytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

size_t process_current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long total_pages = 0, resident_pages = 0;
  const bool ok = std::fscanf(f, "%lu %lu", &total_pages, &resident_pages) == 2;
  std::fclose(f);
  const long page = sysconf(_SC_PAGESIZE);
  return ok && page > 0 ? static_cast<size_t>(resident_pages) * static_cast<size_t>(page) : 0;
}

#ifndef PONET_WITH_CUDA
void cuda_synchronize() {}
#endif

}  // namespace ponet
