# Sourced by scripts/pack_gpu_prebuilt.sh and scripts/gpu_check.sh.
#   source_digest    run in a repository root: one "sha256  path" line per file that a build compiles or
#                    configures from (C++ and CUDA sources and headers, CMake files, the model configs of
#                    apps/configs/, which a build may compile in), sorted by path
# build*/, runs/ and hidden folders (.git, carried wheels) are left out. find, not git, lists the files:
# the copy of the repository on a lent machine has no .git, and both sides must list them the same way.
source_digest() {
  find . \( -path './build*' -o -path './runs' -o -path './.*' \) -prune -o -type f \
    \( -name '*.cpp' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' -o -name 'CMakeLists.txt' \
       -o -name '*.cmake' -o -name '*.cmake.in' -o -path './apps/configs/*.json' \) -print \
    | LC_ALL=C sort | tr '\n' '\0' | xargs -0 -r sha256sum
}
