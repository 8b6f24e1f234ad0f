// Shared by the microbenchmarks here: an error check; the timer sparsert uses for every kernel (R launches
// captured into one CUDA graph, replayed between two events after 3 warm-up replays; the median of 21
// replays divided by R, in microseconds); and a random permutation cycle for chains of dependent loads.
#pragma once
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cuda_runtime.h>

#define CHECK(x)                                                                   \
    do {                                                                           \
        cudaError_t e = (x);                                                       \
        if (e != cudaSuccess) {                                                    \
            printf("%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e)); \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

template <typename Launch>
float timeGraph(cudaStream_t s, Launch launch, int reps = 20) {
    cudaGraph_t g;
    cudaGraphExec_t ge;
    CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    for (int r = 0; r < reps; ++r) launch();
    CHECK(cudaStreamEndCapture(s, &g));
    CHECK(cudaGraphInstantiate(&ge, g, 0));
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    for (int w = 0; w < 3; ++w) CHECK(cudaGraphLaunch(ge, s));
    std::vector<float> t;
    for (int i = 0; i < 21; ++i) {
        cudaEventRecord(a, s);
        cudaGraphLaunch(ge, s);
        cudaEventRecord(b, s);
        cudaEventSynchronize(b);
        float ms;
        cudaEventElapsedTime(&ms, a, b);
        t.push_back(ms * 1000.f / reps);
    }
    CHECK(cudaGetLastError());
    std::sort(t.begin(), t.end());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaGraphExecDestroy(ge);
    cudaGraphDestroy(g);
    return t[t.size() / 2];
}

// A table `next` of `words` entries that forms one random cycle (seeded, reproducible): following
// i = next[i] visits every entry once, so each load depends on the one before and defeats prefetching.
inline std::vector<unsigned> randomCycle(unsigned words) {
    std::vector<unsigned> perm(words), next(words);
    for (unsigned i = 0; i < words; ++i) perm[i] = i;
    unsigned seed = 12345;
    for (unsigned i = words - 1; i > 0; --i) {
        seed = seed * 1664525u + 1013904223u;
        std::swap(perm[i], perm[seed % (i + 1)]);
    }
    for (unsigned i = 0; i < words; ++i) next[perm[i]] = perm[(i + 1) % words];
    return next;
}
