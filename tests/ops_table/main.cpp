// `test_ops`: runs the op table (tests/ops_table/op_case.h) in one mode.
//
//   test_ops value|grad|device|all [--filter OP[,OP...]] [--op OP[,OP...]] [--small] [--large] [--require-device]
//   test_ops perf [--filter OP[,OP...]] [--op OP[,OP...]] [--repeats N] [--device cpu|cuda]
//   test_ops list       every row, and the coverage: rows per op and mode
//   test_ops selftest   shows that each mode fails on a deliberately wrong kernel
//
// perf times the rows marked for it on the CPU and, when there is a CUDA device, on it too (--device
// picks one); it prints figures and fails only on a wrong value. It is a tool, not a test: the ctest
// ops_perf_runs only runs it once on a few small rows. `all` is value, grad and device.
//
// --filter keeps the rows whose op name contains one of the given words (`--filter gemm` matches no op:
// GEMMs are reached through matmul and linear); --op keeps the rows of the named ops only (`--op sum` is
// not cumsum or sum_all); --small keeps the rows small enough for gradcheck; --large runs the model-size
// rows of rows_large.h instead of the table (device mode only). Without a CUDA device `device` prints a
// SKIP line and, when nothing else ran, exits 77 (ctest's SKIP_RETURN_CODE: Skipped); --require-device
// (or PONET_REQUIRE_GPU=1) makes it a failure (exit 1), for machines that have one.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/device.h"
#include "tests/ops_table/op_case.h"
#include "tests/ops_table/rows_large.h"
#include "tests/ops_table/runner.h"
#include "tests/ops_table/selftest.h"

using namespace ponet;
using namespace ponet::ops_table;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: test_ops value|grad|device|perf|all|list|selftest [--filter OP[,OP...]] [--op OP[,OP...]] "
               "[--small] [--large] [--require-device] [--repeats N] [--device cpu|cuda]\n");
  return 2;
}

bool matches(const OpCase& row, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const std::string& f : filters)
    if (row.op.find(f) != std::string::npos) return true;
  return false;
}

bool named(const OpCase& row, const std::vector<std::string>& ops) {
  if (ops.empty()) return true;
  for (const std::string& op : ops)
    if (row.op == op) return true;
  return false;
}

std::vector<std::string> split_commas(const char* list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string f; std::getline(ss, f, ',');)
    if (!f.empty()) out.push_back(f);
  return out;
}

const char* mode_name(Mode m) {
  switch (m) {
    case kValue: return "value";
    case kGrad: return "grad";
    case kDevice: return "device";
    case kPerf: return "perf";
    default: return "?";
  }
}

void list_rows(const std::vector<const OpCase*>& rows) {
  std::map<std::string, std::vector<int>> coverage;  // op -> rows per mode
  for (const OpCase* r : rows) {
    std::printf("%-24s %-72s %s%s%s%s\n", r->op.c_str(), r->what.c_str(), r->modes & kValue ? "value " : "",
                r->modes & kGrad ? "grad " : "", r->modes & kDevice ? "device " : "", r->modes & kPerf ? "perf" : "");
    std::vector<int>& c = coverage.try_emplace(r->op, 4, 0).first->second;
    for (int m = 0; m < 4; ++m) c[m] += (r->modes >> m) & 1;
  }
  std::printf("\n%-24s %6s %6s %6s %6s\n", "coverage (rows)", "value", "grad", "device", "perf");
  for (auto& [op, c] : coverage) std::printf("%-24s %6d %6d %6d %6d\n", op.c_str(), c[0], c[1], c[2], c[3]);
  std::printf("%zu rows, %zu ops\n", rows.size(), coverage.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  std::vector<std::string> filters, ops;
  bool small = false, large = false;
  bool require_device = std::getenv("PONET_REQUIRE_GPU") && std::strcmp(std::getenv("PONET_REQUIRE_GPU"), "0") != 0;
  int repeats = 5;
  std::vector<Device> perf_devices{Device::cpu()};
  if (cuda_available()) perf_devices.push_back(Device::cuda());
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) {
      filters = split_commas(argv[++i]);
    } else if (a == "--op" && i + 1 < argc) {
      ops = split_commas(argv[++i]);
    } else if (a == "--small") {
      small = true;
    } else if (a == "--large") {
      large = true;
    } else if (a == "--require-device") {
      require_device = true;
    } else if (a == "--repeats" && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
      if (repeats < 1) return usage();
    } else if (a == "--device" && i + 1 < argc) {
      const std::string d = argv[++i];
      if (d != "cpu" && d != "cuda") return usage();
      if (d == "cuda" && !cuda_available()) {
        std::fprintf(stderr, "test_ops: --device cuda, but there is no CUDA device%s\n",
                     cuda_compiled() ? "" : " (this build has no CUDA)");
        return 1;
      }
      perf_devices = {d == "cpu" ? Device::cpu() : Device::cuda()};
    } else {
      std::fprintf(stderr, "test_ops: unknown argument '%s'\n", a.c_str());
      return usage();
    }
  }
  if (mode == "selftest") return run_selftest() == 0 ? 0 : 1;

  const std::vector<OpCase> large_table = large ? large_rows() : std::vector<OpCase>{};
  std::vector<const OpCase*> rows;
  for (const OpCase& r : large ? large_table : table())
    if (matches(r, filters) && named(r, ops) && (!small || (r.modes & kGrad))) rows.push_back(&r);
  if (rows.empty()) {
    std::fprintf(stderr, "test_ops: no row matches the filter\n");
    return 1;
  }
  if (mode == "list") {
    list_rows(rows);
    return 0;
  }
  std::vector<Mode> modes;
  if (mode == "value") modes = {kValue};
  else if (mode == "grad") modes = {kGrad};
  else if (mode == "device") modes = {kDevice};
  else if (mode == "perf") modes = {kPerf};
  else if (mode == "all") modes = {kValue, kGrad, kDevice};
  else return usage();

  int failed = 0, passed = 0;
  bool skipped = false;                // device mode found no device (and none was required)
  constexpr int kSkipExitCode = 77;    // ctest: SKIP_RETURN_CODE of ops_device
  auto report = [&](const char* what, const OpCase& r, const RowResult& res) {
    (res.ok ? passed : failed)++;
    std::printf("%s %-6s %-22s %-70s max err %.3g%s%s\n", res.ok ? "ok  " : "FAIL", what, r.op.c_str(), r.what.c_str(),
                res.max_error, res.detail.empty() ? "" : "  ", res.detail.c_str());
    std::fflush(stdout);
  };
  for (Mode m : modes) {
    if (m == kPerf) {
      for (Device d : perf_devices) {
        const double copy_gbs = copy_bandwidth_gbs(d);
        std::printf("perf on %s: copy bandwidth %.1f GB/s (a 64 MiB clone); median of %d calls\n", d.str().c_str(),
                    copy_gbs, repeats);
        for (const OpCase* r : rows)
          if (r->modes & kPerf) report("perf", *r, run_perf(*r, d, repeats, copy_gbs));
      }
      continue;
    }
    if (m == kDevice && !cuda_available()) {
      skipped = true;
      std::printf("SKIP: device mode: no CUDA device%s\n", cuda_compiled() ? "" : " (this build has no CUDA)");
      if (require_device) {
        std::printf("FAIL: a device was required (--require-device or PONET_REQUIRE_GPU)\n");
        ++failed;
      }
      continue;
    }
    for (const OpCase* r : rows) {
      if (!(r->modes & m)) continue;
      report(mode_name(m), *r, m == kValue ? run_value(*r) : m == kGrad ? run_grad(*r) : run_device(*r, Device::cuda()));
    }
  }
  std::printf("test_ops %s: %d passed, %d failed\n", mode.c_str(), passed, failed);
  if (failed > 0) return 1;
  return skipped && passed == 0 ? kSkipExitCode : 0;
}
