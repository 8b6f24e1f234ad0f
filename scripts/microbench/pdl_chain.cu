// Programmatic dependent launch (PDL) on a chain of identical kernels, timed like sparsert times kernels
// (R launches in one CUDA graph, replayed between events, median of 21 replays / R). Each kernel stands in
// for a data-driven layer: D dependent loads from a constant table (the layer's weights and indices, known
// before inference), then one load of the activations (B, produced by the previous layer) and one store.
// Modes:
//   plain      ordinary launches, no griddepcontrol;
//   plain+attr the same kernel launched with programmatic stream serialization;
//   pdl-wait0  launched with programmatic stream serialization; the kernel lets its dependents launch at
//              once and waits for the previous grid before any load;
//   pdl-waitB  the same, but the table loads run before the wait: only B waits for the previous layer.
// Build: nvcc -O3 -arch=sm_90 pdl_chain.cu -o pdl_chain
#include "microbench.cuh"

__device__ __forceinline__ void launchDependents() { asm volatile("griddepcontrol.launch_dependents;" ::: "memory"); }
__device__ __forceinline__ void waitPrevious() { asm volatile("griddepcontrol.wait;" ::: "memory"); }

enum Mode { plain = 0, waitFirst = 1, waitBeforeB = 2 };

template <int M, int D>
__global__ void layer(const unsigned* __restrict__ table, unsigned mask, const float* __restrict__ b, float* c) {
    if (M != plain) launchDependents();
    if (M == waitFirst) waitPrevious();
    unsigned i = (blockIdx.x * blockDim.x + threadIdx.x) * 37u & mask;
    #pragma unroll
    for (int d = 0; d < D; ++d) i = __ldg(table + i);
    if (M == waitBeforeB) {
        asm volatile("" : "+r"(i));  // the table loads must complete before the wait, not sink past it
        waitPrevious();
    }
    c[blockIdx.x * blockDim.x + threadIdx.x] = b[i & 0xFFFF] + 1.0f;
}

__global__ void emptyKernel(int pdl) { if (pdl) { launchDependents(); waitPrevious(); } }

template <typename Kernel, typename... Args>
void launchWith(bool pdl, Kernel kernel, int blocks, cudaStream_t s, Args... args) {
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(blocks); config.blockDim = dim3(128); config.stream = s;
    cudaLaunchAttribute attribute;
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    config.attrs = &attribute; config.numAttrs = pdl ? 1 : 0;
    CHECK(cudaLaunchKernelEx(&config, kernel, args...));
}

template <int D>
void row(cudaStream_t s, const unsigned* table, unsigned mask, const float* b, float* c, int blocks) {
    float p = timeGraph(s, [&] { launchWith(false, layer<plain, D>, blocks, s, table, mask, b, c); });
    float pa = timeGraph(s, [&] { launchWith(true, layer<plain, D>, blocks, s, table, mask, b, c); });
    float w0 = timeGraph(s, [&] { launchWith(true, layer<waitFirst, D>, blocks, s, table, mask, b, c); });
    float wb = timeGraph(s, [&] { launchWith(true, layer<waitBeforeB, D>, blocks, s, table, mask, b, c); });
    printf("%5d x 128, D=%d: plain %.2f  plain+attr %.2f  pdl-wait0 %.2f  pdl-waitB %.2f us\n", blocks, D, p, pa, w0, wb);
}

int main() {
    cudaStream_t s; CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    for (int blocks : {132, 528, 2048}) {
        float p = timeGraph(s, [&] { launchWith(false, emptyKernel, blocks, s, 0); });
        float q = timeGraph(s, [&] { launchWith(true, emptyKernel, blocks, s, 1); });
        printf("empty kernel, %5d x 128: plain %.2f  pdl %.2f us\n", blocks, p, q);
    }
    const unsigned words = 8u << 20;  // 32 MB: L2-resident, not L1
    std::vector<unsigned> next = randomCycle(words);
    unsigned* table; float *b, *c;
    CHECK(cudaMalloc(&table, words * 4)); CHECK(cudaMalloc(&b, 65536 * 4)); CHECK(cudaMalloc(&c, 8192 * 128 * 4));
    CHECK(cudaMemcpy(table, next.data(), words * 4, cudaMemcpyHostToDevice));
    CHECK(cudaMemset(b, 0, 65536 * 4));
    for (int blocks : {132, 528, 2048}) {
        row<0>(s, table, words - 1, b, c, blocks);
        row<2>(s, table, words - 1, b, c, blocks);
        row<3>(s, table, words - 1, b, c, blocks);
    }
    CHECK(cudaDeviceSynchronize());
    return 0;
}
