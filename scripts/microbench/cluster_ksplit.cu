// Prototype: does splitting K across the blocks of a thread-block cluster, and summing their partials
// through distributed shared memory, cut the L2 traffic of B enough to pay on Table 1's mid layers?
//
// Kernel `cluster`: a block owns CH rows of A (a chunk), one K slice of K / S rows (S = cluster size) and
// one N tile. It copies its slice of B into shared memory (or, with stage = 0, reads it through L1), walks
// its rows' nonzeros in that slice (a warp per row, lanes over columns), writes partial rows to shared
// memory, syncs the cluster, and sums one S-th of the chunk's rows over the S blocks' partials (DSMEM).
// Kernel `rowwarp`: the plain reference, a warp per full row, B through L1/L2 per nonzero.
//
// Uniform random patterns at the given density; timed like sparsert times kernels (R launches in one
// CUDA graph, replayed between events, median of 21 replays / R). Checked against a CPU double product.
// Build: nvcc -O3 -arch=sm_90 -std=c++17 cluster_ksplit.cu -o cluster_ksplit
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include "microbench.cuh"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace cg = cooperative_groups;

template <int COLS, bool STAGE>
__global__ void cluster_spmm(const float* __restrict__ B, float* __restrict__ C, const int* __restrict__ rowptr,
                             const int2* __restrict__ ents, int M, int K, int N, int S, int CH, int KS) {
    constexpr int TILE = COLS * 32;
    extern __shared__ float sm[];
    float* Bs = sm;
    float* part = sm + (STAGE ? KS * TILE : 0);
    cg::cluster_group cl = cg::this_cluster();
    const int s = (int)cl.block_rank();
    const int chunk = blockIdx.x / S;
    const int col0 = blockIdx.y * TILE;
    const int k0 = s * KS;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (STAGE) {
        for (int i = threadIdx.x; i < KS * TILE; i += blockDim.x) {
            const int r = i / TILE, c = i % TILE, k = k0 + r, col = col0 + c;
            Bs[i] = (k < K && col < N) ? __ldg(B + (size_t)k * N + col) : 0.f;
        }
        __syncthreads();
    }
    const int* rp = rowptr + (size_t)(chunk * S + s) * (CH + 1);
    for (int r = warp; r < CH; r += warps) {
        float acc[COLS];
#pragma unroll
        for (int j = 0; j < COLS; ++j) acc[j] = 0.f;
        const int e0 = __ldg(rp + r), e1 = __ldg(rp + r + 1);
#pragma unroll 4
        for (int e = e0; e < e1; ++e) {
            const int2 kv = __ldg(ents + e);
            const float v = __int_as_float(kv.y);
            if (STAGE) {
                const float* brow = Bs + kv.x * TILE + lane;
#pragma unroll
                for (int j = 0; j < COLS; ++j) acc[j] = fmaf(v, brow[32 * j], acc[j]);
            } else {
                const float* brow = B + (size_t)(k0 + kv.x) * N;
#pragma unroll
                for (int j = 0; j < COLS; ++j) {
                    const int col = min(col0 + lane + 32 * j, N - 1);
                    acc[j] = fmaf(v, __ldg(brow + col), acc[j]);
                }
            }
        }
#pragma unroll
        for (int j = 0; j < COLS; ++j) part[r * TILE + lane + 32 * j] = acc[j];
    }
    cl.sync();
    const int per = (CH + S - 1) / S, r0 = s * per, r1 = min(CH, r0 + per);
    for (int i = threadIdx.x; i < (r1 - r0) * TILE; i += blockDim.x) {
        const int r = r0 + i / TILE, c = i % TILE, m = chunk * CH + r, col = col0 + c;
        float sum = 0.f;
        for (int q = 0; q < S; ++q) sum += cl.map_shared_rank(part, q)[r * TILE + c];
        if (m < M && col < N) C[(size_t)m * N + col] = sum;
    }
    cl.sync();
}

template <int COLS>
__global__ void rowwarp(const float* __restrict__ B, float* __restrict__ C, const int* __restrict__ rowptr,
                        const int2* __restrict__ ents, int M, int N, int R) {
    constexpr int TILE = COLS * 32;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int m = blockIdx.x * R + warp;
    if (m >= M) return;
    const int col0 = blockIdx.y * TILE;
    float acc[COLS];
#pragma unroll
    for (int j = 0; j < COLS; ++j) acc[j] = 0.f;
    const int e0 = __ldg(rowptr + m), e1 = __ldg(rowptr + m + 1);
#pragma unroll 4
    for (int e = e0; e < e1; ++e) {
        const int2 kv = __ldg(ents + e);
        const float v = __int_as_float(kv.y);
        const float* brow = B + (size_t)kv.x * N;
#pragma unroll
        for (int j = 0; j < COLS; ++j) acc[j] = fmaf(v, __ldg(brow + min(col0 + lane + 32 * j, N - 1)), acc[j]);
    }
#pragma unroll
    for (int j = 0; j < COLS; ++j) {
        const int col = col0 + lane + 32 * j;
        if (col < N) C[(size_t)m * N + col] = acc[j];
    }
}


// Both layouts walk parts of at most 32 * EPL nonzeros, padded with k = -1: a warp loads its part's
// entries in one coalesced load (lane i holds entries i, 32 + i, ...), takes them by shuffles, and issues
// every B load of 32 entries before their FMAs: two memory round trips per part (entries, then B).
// CLUSTER: block = (chunk, slice s = cluster rank); a warp per row of the chunk; partials meet through
// DSMEM. Otherwise: block = chunk, a warp per (row, slice), S slices in one block; partials meet through
// the block's shared memory. Same work per warp either way; only the SM that walks a slice differs.
template <int COLS, int EPL, bool CLUSTER>
__global__ void sliced(const float* __restrict__ B, float* __restrict__ C, const int2* __restrict__ ents, int M,
                       int N, int S, int CH) {
    constexpr int TILE = COLS * 32;
    extern __shared__ float part[];  // CLUSTER: CH x TILE; else S x CH x TILE
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int chunk = CLUSTER ? blockIdx.x / S : blockIdx.x;
    const int col0 = blockIdx.y * TILE;
    int cols[COLS];
#pragma unroll
    for (int j = 0; j < COLS; ++j) cols[j] = min(col0 + lane + 32 * j, N - 1);
    const int items = CLUSTER ? CH : CH * S;
    for (int item = warp; item < items; item += warps) {
        const int r = CLUSTER ? item : item % CH;
        const int s = CLUSTER ? (int)(blockIdx.x % S) : item / CH;
        const int2* e = ents + ((size_t)(chunk * S + s) * CH + r) * 32 * EPL;
        int2 mine[EPL];
#pragma unroll
        for (int q = 0; q < EPL; ++q) mine[q] = __ldg(e + q * 32 + lane);
        float acc[COLS];
#pragma unroll
        for (int j = 0; j < COLS; ++j) acc[j] = 0.f;
#pragma unroll
        for (int q = 0; q < EPL; ++q) {
            if (__shfl_sync(0xffffffffu, mine[q].x, 0) < 0) break;
            constexpr int BATCH = COLS >= 4 ? 16 : 32;
#pragma unroll
            for (int h = 0; h < 32; h += BATCH) {
                float b[BATCH][COLS];
                float v[BATCH];
#pragma unroll
                for (int i = 0; i < BATCH; ++i) {
                    const int k = __shfl_sync(0xffffffffu, mine[q].x, h + i);
                    v[i] = __int_as_float(__shfl_sync(0xffffffffu, mine[q].y, h + i));
#pragma unroll
                    for (int j = 0; j < COLS; ++j) b[i][j] = k >= 0 ? __ldg(B + (size_t)k * N + cols[j]) : 0.f;
                }
#pragma unroll
                for (int i = 0; i < BATCH; ++i)
#pragma unroll
                    for (int j = 0; j < COLS; ++j) acc[j] = fmaf(v[i], b[i][j], acc[j]);
            }
        }
        float* slot = part + (size_t)(CLUSTER ? r : s * CH + r) * TILE;
#pragma unroll
        for (int j = 0; j < COLS; ++j) slot[lane + 32 * j] = acc[j];
    }
    if (CLUSTER) {
        cg::cluster_group cl = cg::this_cluster();
        cl.sync();
        const int s = (int)cl.block_rank();
        const int per = (CH + S - 1) / S, r0 = s * per, r1 = min(CH, r0 + per);
        for (int i = threadIdx.x; i < (r1 - r0) * TILE; i += blockDim.x) {
            const int r = r0 + i / TILE, c = i % TILE, m = chunk * CH + r, col = col0 + c;
            float sum = 0.f;
            for (int q = 0; q < S; ++q) sum += cl.map_shared_rank(part, q)[r * TILE + c];
            if (m < M && col < N) C[(size_t)m * N + col] = sum;
        }
        cl.sync();
    } else {
        __syncthreads();
        for (int i = threadIdx.x; i < CH * TILE; i += blockDim.x) {
            const int r = i / TILE, c = i % TILE, m = chunk * CH + r, col = col0 + c;
            float sum = 0.f;
            for (int q = 0; q < S; ++q) sum += part[(q * CH + r) * TILE + c];
            if (m < M && col < N) C[(size_t)m * N + col] = sum;
        }
    }
}

__global__ void empty_kernel() {}

static int floatBits(float v) {
    int i;
    memcpy(&i, &v, 4);
    return i;
}

struct Problem {
    int id, M, K, N;
    double density;
};

struct Host {
    std::vector<int> rowptr;
    std::vector<int2> ents;
};

static double checkC(const std::vector<float>& c, const std::vector<double>& ref) {
    double worst = 0, scale = 0;
    for (double v : ref) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < c.size(); ++i) {
        if (!std::isfinite(c[i])) return 1e30;
        worst = std::max(worst, std::fabs(c[i] - ref[i]) / std::max(scale, 1e-30));
    }
    return worst;
}

template <int COLS>
void runProblem(const Problem& p, cudaStream_t stream, float floorUs) {
    constexpr int TILE = COLS * 32;
    const int M = p.M, K = p.K, N = p.N;
    std::mt19937 rng(1234 + p.id);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::normal_distribution<float> g(0.f, 1.f);
    // A: dense mask, CSR.
    std::vector<std::vector<std::pair<int, float>>> rows(M);
    for (int m = 0; m < M; ++m)
        for (int k = 0; k < K; ++k)
            if (u(rng) < p.density) rows[m].push_back({k, g(rng)});
    std::vector<float> Bh((size_t)K * N);
    for (auto& v : Bh) v = g(rng);
    std::vector<double> ref((size_t)M * N, 0.0);
    size_t nnz = 0;
    for (int m = 0; m < M; ++m)
        for (auto [k, v] : rows[m]) {
            ++nnz;
            for (int n = 0; n < N; ++n) ref[(size_t)m * N + n] += (double)v * Bh[(size_t)k * N + n];
        }
    float *dB, *dC;
    CHECK(cudaMalloc(&dB, Bh.size() * 4));
    CHECK(cudaMalloc(&dC, ref.size() * 4));
    CHECK(cudaMemcpy(dB, Bh.data(), Bh.size() * 4, cudaMemcpyHostToDevice));
    std::vector<float> Ch(ref.size());
    auto poison = [&] { CHECK(cudaMemset(dC, 0xFF, ref.size() * 4)); };
    auto fetch = [&] {
        CHECK(cudaDeviceSynchronize());
        CHECK(cudaMemcpy(Ch.data(), dC, Ch.size() * 4, cudaMemcpyDeviceToHost));
        return checkC(Ch, ref);
    };
    const int tiles = (N + TILE - 1) / TILE;
    printf("p%d M=%d K=%d N=%d nnz=%zu tile=%d (floor %.2f us)\n", p.id, M, K, N, nnz, TILE, floorUs);

    // Reference kernel.
    {
        std::vector<int> rp(M + 1, 0);
        std::vector<int2> en;
        for (int m = 0; m < M; ++m) {
            for (auto [k, v] : rows[m]) en.push_back({k, floatBits(v)});
            rp[m + 1] = (int)en.size();
        }
        int* dR;
        int2* dE;
        CHECK(cudaMalloc(&dR, rp.size() * 4));
        CHECK(cudaMalloc(&dE, std::max<size_t>(1, en.size()) * 8));
        CHECK(cudaMemcpy(dR, rp.data(), rp.size() * 4, cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(dE, en.data(), en.size() * 8, cudaMemcpyHostToDevice));
        for (int R : {2, 4, 8}) {
            dim3 grid((M + R - 1) / R, tiles);
            poison();
            rowwarp<COLS><<<grid, R * 32, 0, stream>>>(dB, dC, dR, dE, M, N, R);
            double err = fetch();
            float us = timeGraph(stream, [&] { rowwarp<COLS><<<grid, R * 32, 0, stream>>>(dB, dC, dR, dE, M, N, R); });
            printf("  rowwarp R=%d: %.2f us err %.1e\n", R, us, err);
        }
        cudaFree(dR);
        cudaFree(dE);
    }


    // Sliced kernels: entries padded per (chunk, slice, row) to 32 * EPL.
    float bestSliced[2] = {1e30f, 1e30f};
    char bestSlicedName[2][128] = {"", ""};
    for (int S : {1, 2, 4, 8}) {
        const int KS = (K + S - 1) / S;
        size_t longest = 0;
        for (int m = 0; m < M; ++m) {
            std::vector<size_t> per(S, 0);
            for (auto [k, v] : rows[m]) ++per[k / KS];
            for (auto c : per) longest = std::max(longest, c);
        }
        const int epl = longest <= 32 ? 1 : longest <= 64 ? 2 : longest <= 128 ? 4 : longest <= 256 ? 8 : 0;
        if (epl == 0) continue;
        for (int CH : {4, 8, 16, 32}) {
            const int chunks = (M + CH - 1) / CH;
            std::vector<int2> en((size_t)chunks * S * CH * 32 * epl, int2{-1, 0});
            for (int c = 0; c < chunks; ++c)
                for (int s = 0; s < S; ++s)
                    for (int r = 0; r < CH; ++r) {
                        const int m = c * CH + r;
                        if (m >= M) continue;
                        size_t at = ((size_t)(c * S + s) * CH + r) * 32 * epl, i = 0;
                        for (auto [k, v] : rows[m])
                            if (k / KS == s) en[at + i++] = {k, floatBits(v)};
                    }
            int2* dE;
            CHECK(cudaMalloc(&dE, en.size() * 8));
            CHECK(cudaMemcpy(dE, en.data(), en.size() * 8, cudaMemcpyHostToDevice));
            for (int cluster : {0, 1}) {
                if (cluster && S == 1) continue;
                const int warpsPerBlock = cluster ? CH : CH * S;
                for (int threads : {128, 256, 512}) {
                    if (threads / 32 > warpsPerBlock) continue;
                    const size_t smem = (size_t)(cluster ? CH : CH * S) * TILE * 4;
                    if (smem > 200 * 1024) continue;
                    void (*kernel)(const float*, float*, const int2*, int, int, int, int) = nullptr;
#define PICK(E)                                                                  \
    if (epl == E) kernel = cluster ? sliced<COLS, E, true> : sliced<COLS, E, false>;
                    PICK(1) PICK(2) PICK(4) PICK(8)
#undef PICK
                    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
                    cudaLaunchConfig_t cfg = {};
                    cfg.gridDim = dim3(cluster ? chunks * S : chunks, tiles);
                    cfg.blockDim = dim3(threads);
                    cfg.dynamicSmemBytes = smem;
                    cfg.stream = stream;
                    cudaLaunchAttribute attr[1];
                    attr[0].id = cudaLaunchAttributeClusterDimension;
                    attr[0].val.clusterDim.x = cluster ? S : 1;
                    attr[0].val.clusterDim.y = 1;
                    attr[0].val.clusterDim.z = 1;
                    cfg.attrs = attr;
                    cfg.numAttrs = cluster ? 1 : 0;
                    int fits = 0;
                    if (cluster ? cudaOccupancyMaxActiveClusters(&fits, (void*)kernel, &cfg)
                                : cudaOccupancyMaxActiveBlocksPerMultiprocessor(&fits, kernel, threads, smem)) {
                        cudaGetLastError();
                        fits = 0;
                    }
                    if (fits == 0) continue;
                    auto launch = [&] {
                        CHECK(cudaLaunchKernelEx(&cfg, kernel, (const float*)dB, dC, (const int2*)dE, M, N, S, CH));
                    };
                    poison();
                    launch();
                    double err = fetch();
                    float us = timeGraph(stream, launch);
                    printf("  sliced cluster=%d S=%d CH=%d EPL=%d threads=%d blocks=%d smem=%zu: %.2f us err %.1e\n", cluster, S,
                           CH, epl, threads, (int)(cfg.gridDim.x * cfg.gridDim.y), smem, us, err);
                    if (err < 1e-5 && us < bestSliced[cluster]) {
                        bestSliced[cluster] = us;
                        snprintf(bestSlicedName[cluster], 128, "S=%d CH=%d EPL=%d threads=%d", S, CH, epl, threads);
                    }
                }
            }
            cudaFree(dE);
        }
    }
    printf("  BEST sliced in-block p%d: %.2f us (%s)\n", p.id, bestSliced[0], bestSlicedName[0]);
    printf("  BEST sliced cluster  p%d: %.2f us (%s)\n", p.id, bestSliced[1], bestSlicedName[1]);
    if (getenv("SKIP_OLD")) {
        cudaFree(dB);
        cudaFree(dC);
        return;
    }

    float best = 1e30;
    char bestName[128] = "";
    for (int S : {4, 8, 16}) {
        const int KS = (K + S - 1) / S;
        for (int CH : {16, 32, 64, 128}) {
            if (CH > M) continue;
            const int chunks = (M + CH - 1) / CH;
            std::vector<int> rp;
            std::vector<int2> en;
            for (int c = 0; c < chunks; ++c)
                for (int s = 0; s < S; ++s) {
                    rp.push_back((int)en.size());
                    for (int r = 0; r < CH; ++r) {
                        const int m = c * CH + r;
                        if (m < M)
                            for (auto [k, v] : rows[m])
                                if (k / KS == s) en.push_back({k - s * KS, floatBits(v)});
                        rp.push_back((int)en.size());
                    }
                    rp.pop_back();
                    rp.push_back((int)en.size());
                }
            // rp holds, per (chunk, slice), CH + 1 offsets.
            int* dR;
            int2* dE;
            CHECK(cudaMalloc(&dR, rp.size() * 4));
            CHECK(cudaMalloc(&dE, std::max<size_t>(1, en.size()) * 8));
            CHECK(cudaMemcpy(dR, rp.data(), rp.size() * 4, cudaMemcpyHostToDevice));
            CHECK(cudaMemcpy(dE, en.data(), en.size() * 8, cudaMemcpyHostToDevice));
            for (int stage : {1, 0}) {
                for (int threads : {128, 256, 512}) {
                    const size_t smem = ((stage ? (size_t)KS * TILE : 0) + (size_t)CH * TILE) * 4;
                    if (smem > 200 * 1024) continue;
                    auto kernel = stage ? cluster_spmm<COLS, true> : cluster_spmm<COLS, false>;
                    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
                    CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1));
                    cudaLaunchConfig_t cfg = {};
                    cfg.gridDim = dim3(chunks * S, tiles);
                    cfg.blockDim = dim3(threads);
                    cfg.dynamicSmemBytes = smem;
                    cfg.stream = stream;
                    cudaLaunchAttribute attr[1];
                    attr[0].id = cudaLaunchAttributeClusterDimension;
                    attr[0].val.clusterDim.x = S;
                    attr[0].val.clusterDim.y = 1;
                    attr[0].val.clusterDim.z = 1;
                    cfg.attrs = attr;
                    cfg.numAttrs = 1;
                    int clusters = 0;
                    if (cudaOccupancyMaxActiveClusters(&clusters, (void*)kernel, &cfg) != cudaSuccess || clusters == 0) {
                        cudaGetLastError();
                        continue;
                    }
                    auto launch = [&] {
                        CHECK(cudaLaunchKernelEx(&cfg, kernel, (const float*)dB, dC, (const int*)dR, (const int2*)dE, M, K, N,
                                                 S, CH, KS));
                    };
                    poison();
                    launch();
                    double err = fetch();
                    float us = timeGraph(stream, launch);
                    const int blocks = chunks * S * tiles;
                    printf("  cluster S=%d CH=%d stage=%d threads=%d blocks=%d activeClusters=%d smem=%zu: %.2f us err %.1e\n",
                           S, CH, stage, threads, blocks, clusters, smem, us, err);
                    if (err < 1e-5 && us < best) {
                        best = us;
                        snprintf(bestName, sizeof bestName, "S=%d CH=%d stage=%d threads=%d", S, CH, stage, threads);
                    }
                }
            }
            cudaFree(dR);
            cudaFree(dE);
        }
    }
    printf("  BEST p%d: %.2f us (%s)\n", p.id, best, bestName);
    cudaFree(dB);
    cudaFree(dC);
}

int main(int argc, char** argv) {
    double density = argc > 1 ? atof(argv[1]) : 0.1;
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    float floorUs = timeGraph(stream, [&] { empty_kernel<<<132, 128, 0, stream>>>(); });
    printf("density %.3f, empty kernel %.2f us\n", density, floorUs);
    // Table 1's mid layers (id, M, K, N).
    runProblem<4>({3, 128, 512, 784, density}, stream, floorUs);
    runProblem<7>({5, 256, 1024, 196, density}, stream, floorUs);
    runProblem<7>({6, 1024, 256, 196, density}, stream, floorUs);
    runProblem<2>({7, 512, 2048, 49, density}, stream, floorUs);
    runProblem<2>({8, 2048, 512, 49, density}, stream, floorUs);
    runProblem<4>({9, 2048, 512, 256, density}, stream, floorUs);
    runProblem<4>({10, 512, 2048, 256, density}, stream, floorUs);
    runProblem<4>({11, 512, 512, 256, density}, stream, floorUs);
    runProblem<2>({20, 1024, 1024, 49, density}, stream, floorUs);
    return 0;
}
