// Device dispatch inside ops: `if (x.device().is_cuda()) PONET_ON_CUDA(cuda::foo(...)); else cpu::foo(...)`.
// In a build without CUDA no CUDA tensor can exist, so the branch only needs to compile.
#pragma once
#include "core/error.h"

#ifdef PONET_WITH_CUDA
#define PONET_ON_CUDA(...) __VA_ARGS__
#else
#define PONET_ON_CUDA(...) ::ponet::fail("this build of ponet has no CUDA support")
#endif
