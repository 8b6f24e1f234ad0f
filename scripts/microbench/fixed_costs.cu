// Fixed costs on the GPU host, timed like sparsert times kernels (R launches in one CUDA graph, replayed
// between events, median of 21 replays / R):
//  1. an empty kernel at several grid sizes (128 threads per block);
//  2. a chain of D dependent loads per thread from an L2-resident buffer, then one store, at 528 x 128;
//  3. the same chain from an L1-sized buffer (32 KB), to separate L1 from L2 latency.
// Build: nvcc -O3 -arch=sm_90 fixed_costs.cu -o fixed_costs
#include "microbench.cuh"

__global__ void empty_kernel() {}

template <int D>
__global__ void chain(const unsigned* __restrict__ next, unsigned mask, float* out) {
    unsigned i = (blockIdx.x * blockDim.x + threadIdx.x) * 37u & mask;
    #pragma unroll
    for (int d = 0; d < D; ++d) i = __ldg(next + i);
    out[blockIdx.x * blockDim.x + threadIdx.x] = (float)i;
}

template <int D>
float timeChain(cudaStream_t s, const unsigned* next, unsigned mask, float* out, int blocks) {
    return timeGraph(s, [&] { chain<D><<<blocks, 128, 0, s>>>(next, mask, out); });
}

int main() {
    cudaStream_t s; CHECK(cudaStreamCreate(&s));
    for (int blocks : {1, 132, 528, 1056, 2048, 4096, 8192}) {
        float us = timeGraph(s, [&] { empty_kernel<<<blocks, 128, 0, s>>>(); });
        printf("empty kernel, %5d blocks x 128: %.2f us\n", blocks, us);
    }
    for (int threads : {256, 512, 1024}) {
        float us = timeGraph(s, [&] { empty_kernel<<<528, threads, 0, s>>>(); });
        printf("empty kernel, 528 blocks x %d: %.2f us\n", threads, us);
    }
    // A random permutation cycle over 8 M words (32 MB: L2-resident, not L1) and over 8 K words (32 KB).
    for (unsigned words : {8u << 20, 8u << 10}) {
        std::vector<unsigned> next = randomCycle(words);
        unsigned* dnext; float* out;
        CHECK(cudaMalloc(&dnext, words * 4)); CHECK(cudaMalloc(&out, 8192 * 128 * 4));
        CHECK(cudaMemcpy(dnext, next.data(), words * 4, cudaMemcpyHostToDevice));
        const char* where = words > 100000 ? "L2 (32 MB)" : "L1 (32 KB)";
        for (int blocks : {528, 2048}) {
            printf("chain from %s, %d x 128: D=0 %.2f  D=1 %.2f  D=2 %.2f  D=3 %.2f  D=4 %.2f  D=6 %.2f  D=8 %.2f us\n", where, blocks,
                   timeChain<0>(s, dnext, words - 1, out, blocks), timeChain<1>(s, dnext, words - 1, out, blocks),
                   timeChain<2>(s, dnext, words - 1, out, blocks), timeChain<3>(s, dnext, words - 1, out, blocks),
                   timeChain<4>(s, dnext, words - 1, out, blocks), timeChain<6>(s, dnext, words - 1, out, blocks),
                   timeChain<8>(s, dnext, words - 1, out, blocks));
        }
        cudaFree(dnext); cudaFree(out);
    }
    CHECK(cudaDeviceSynchronize());
    return 0;
}
