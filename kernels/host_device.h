// PONET_HOST_DEVICE marks a function that both the CPU kernels (g++) and the CUDA kernels (nvcc) call:
// under nvcc it is compiled for the host and the device, elsewhere it is a plain inline function.
#pragma once

#ifdef __CUDACC__
#define PONET_HOST_DEVICE __host__ __device__
#else
#define PONET_HOST_DEVICE
#endif
