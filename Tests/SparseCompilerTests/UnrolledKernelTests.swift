import SparseRT
import SparseRTTestSupport
import Testing

/// A generator case: a matrix, N, and a config.
struct KernelCase: CustomTestStringConvertible, Sendable {
    let label: String
    let weights: CSRMatrix
    let n: Int
    let config: TilingConfig
    /// Row strides of B and C (elements), or nil for contiguous rows.
    var rowStrides: (b: Int, c: Int)? = nil
    var testDescription: String {
        "\(label) N=\(n)\(rowStrides.map { " ldb \($0.b) ldc \($0.c)" } ?? "") config \(config)"
    }

    func problem() throws -> SpMMProblem {
        try SpMMProblem(weights: weights, n: n, bRowStride: rowStrides?.b, cRowStride: rowStrides?.c)
    }
}

let kernelCases: [KernelCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    let wide = TestMatrices.random(rows: 20, columns: 300, density: 0.05, seed: 3)
    return [
        KernelCase(label: "64x256", weights: random, n: 49, config: TilingConfig(mBlocks: 1, nBlocks: 1, groups: 1)),
        KernelCase(label: "64x256", weights: random, n: 49, config: TilingConfig(mBlocks: 4, nBlocks: 2, groups: 2)),
        KernelCase(label: "64x256", weights: random, n: 64, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 4, vectorWidth: 4)),
        KernelCase(label: "64x256", weights: random, n: 64, config: TilingConfig(mBlocks: 8, nBlocks: 2, groups: 2, vectorWidth: 2)),
        KernelCase(label: "64x256 uniform", weights: random, n: 33, config: TilingConfig(mBlocks: 3, nBlocks: 1, groups: 3, balance: .uniformRows)),
        KernelCase(label: "37x45", weights: odd, n: 7, config: TilingConfig(mBlocks: 5, nBlocks: 1, groups: 2)),
        KernelCase(label: "37x45", weights: odd, n: 33, config: TilingConfig(mBlocks: 37, nBlocks: 3, groups: 1)),
        KernelCase(label: "37x45", weights: odd, n: 1, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 4)),
        KernelCase(label: "20x300", weights: wide, n: 40, config: TilingConfig(mBlocks: 1, nBlocks: 2, groups: 8)),
        KernelCase(label: "all zero", weights: TestMatrices.zero(rows: 16, columns: 16), n: 8, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 2)),
        KernelCase(label: "single nonzero", weights: TestMatrices.single(rows: 9, columns: 13, row: 4, column: 7), n: 5, config: TilingConfig(mBlocks: 3, nBlocks: 1, groups: 3)),
        // B staged through shared memory with cp.async: with and without a reduction, vectors, tails past N.
        KernelCase(label: "64x256 cp", weights: random, n: 49, config: TilingConfig(mBlocks: 4, nBlocks: 2, groups: 2, staging: .asyncCopy)),
        KernelCase(label: "64x256 cp", weights: random, n: 64, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 4, vectorWidth: 4, staging: .asyncCopy)),
        KernelCase(label: "37x45 cp", weights: odd, n: 33, config: TilingConfig(mBlocks: 37, nBlocks: 3, groups: 1, staging: .asyncCopy)),
        KernelCase(label: "20x300 cp", weights: wide, n: 40, config: TilingConfig(mBlocks: 1, nBlocks: 2, groups: 8, vectorWidth: 2, staging: .asyncCopy)),
        KernelCase(label: "all zero cp", weights: TestMatrices.zero(rows: 16, columns: 16), n: 8, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 2, staging: .asyncCopy)),
        // Register caps (.maxnreg): more of B's loads hoisted, the same result.
        KernelCase(label: "64x256 m96", weights: random, n: 49, config: TilingConfig(mBlocks: 4, nBlocks: 2, groups: 2, maxRegisters: 96)),
        KernelCase(label: "64x256 m64", weights: random, n: 64, config: TilingConfig(mBlocks: 8, nBlocks: 2, groups: 2, vectorWidth: 2, maxRegisters: 64)),
        KernelCase(label: "20x300 m128 cp", weights: wide, n: 40, config: TilingConfig(mBlocks: 1, nBlocks: 2, groups: 8, vectorWidth: 2, staging: .asyncCopy, maxRegisters: 128)),
        // Rows that share columns gathered into blocks (`sim`): scattered rows of C, reductions, empty rows.
        KernelCase(label: "64x256 sim", weights: random, n: 49, config: TilingConfig(mBlocks: 8, nBlocks: 2, groups: 2, balance: .similarColumns)),
        KernelCase(label: "64x256 sim", weights: random, n: 64, config: TilingConfig(mBlocks: 4, nBlocks: 1, groups: 4, vectorWidth: 2, balance: .similarColumns, maxRegisters: 96)),
        KernelCase(label: "37x45 sim", weights: odd, n: 33, config: TilingConfig(mBlocks: 5, nBlocks: 3, groups: 1, balance: .similarColumns)),
        KernelCase(label: "20x300 sim cp", weights: wide, n: 40, config: TilingConfig(mBlocks: 3, nBlocks: 2, groups: 4, balance: .similarColumns, staging: .asyncCopy)),
        KernelCase(label: "single nonzero sim", weights: TestMatrices.single(rows: 9, columns: 13, row: 4, column: 7), n: 5, config: TilingConfig(mBlocks: 3, nBlocks: 1, groups: 3, balance: .similarColumns)),
        KernelCase(label: "all zero sim", weights: TestMatrices.zero(rows: 16, columns: 16), n: 8, config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: 2, balance: .similarColumns)),
    ]
}()

@Suite("Unrolled SpMM kernels")
struct UnrolledKernelTests {
    @Test("the IR matches the float64 reference", arguments: kernelCases + paddedKernelCases)
    func matchesReference(_ c: KernelCase) throws {
        let kernel = try SparseKernelCompiler.compile(c.problem(), config: c.config)
        for seed: UInt64 in [11, 12] {
            let report = try CPUVerifier.verify(kernel, seed: seed)
            #expect(report.passed, "max rel \(report.maxRelativeError), unwritten \(report.unwritten)")
            #expect(report.maxRelativeError <= 1e-5)
        }
    }

    /// The tuner's whole unrolled list, core and wide grid (blocks of 2 rows, up to 8 groups, one-warp tiles),
    /// on small layers whose grids it covers: every config matches the reference.
    @Test("every unrolled candidate of a small layer matches the reference", arguments: [(64, 256, 0.1, 64), (48, 64, 0.2, 49)])
    func candidatesMatchReference(m: Int, k: Int, density: Double, n: Int) throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: m, columns: k, density: density, seed: 5), n: n)
        let configs = TilingConfig.candidates(for: problem, limit: .max)
        #expect(configs.count > 24, "the wide grid adds configs beyond the core's")
        #expect(configs.contains { $0.groups == 8 } && configs.contains { problem.m / $0.mBlocks <= 2 })
        for config in configs {
            let report = try CPUVerifier.verify(try SparseKernelCompiler.compile(problem, config: config), seed: 21)
            #expect(report.passed && report.maxRelativeError <= 1e-5, "\(config): max rel \(report.maxRelativeError)")
        }
    }

    @Test("ptxas assembles for sm_90 without spills", .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: kernelCases + paddedKernelCases)
    func assembles(_ c: KernelCase) throws {
        let kernel = try SparseKernelCompiler.compile(c.problem(), config: c.config)
        let report = try #require(TestMatrices.ptxas).assemble(kernel.ptx())
        #expect(report.spillStoreBytes == 0)
        #expect(report.spillLoadBytes == 0)
        #expect(report.stackFrameBytes == 0)
        #expect(report.registers > 0)
    }

    @Test("cp staging copies every step once and waits once per group, before the first shared read")
    func stagingShape() throws {
        let c = kernelCases.first { $0.config.staging == .asyncCopy && $0.config.groups == 2 }!
        let kernel = try SparseKernelCompiler.compile(c.problem(), config: c.config)
        let ops = kernel.kernel.instructions.map(\.operation)
        let copies = ops.filter { if case .copyAsync = $0 { return true } else { return false } }.count
        let waits = ops.filter { $0 == .waitAsyncCopies }.count
        let steps = kernel.plan!.blocks.reduce(0) { $0 + $1.groups.reduce(0) { $0 + $1.steps.count } }
        let globalLoads = ops.filter { if case .load(.globalReadOnly, _, _, _) = $0 { return true } else { return false } }.count
        #expect(copies == steps)
        #expect(waits == kernel.plan!.blocks.reduce(0) { $0 + $1.groups.filter { !$0.steps.isEmpty }.count })
        #expect(globalLoads == 0)
        #expect(kernel.sharedMemoryBytes == kernel.plan!.stagingOffset + kernel.plan!.stagedStepsPerGroup * kernel.threadsPerBlock * 4)
    }

    @Test("cp staging that needs more shared memory than a block has is refused, naming both parts")
    func stagingTooLarge() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 4096, density: 0.5, seed: 4), n: 1024)
        let config = TilingConfig(mBlocks: 1, nBlocks: 1, groups: 1, staging: .asyncCopy)
        #expect { try SpMMPlan(problem: problem, config: config) } throws: { error in
            "\(error)".contains("staged") && "\(error)".contains("shared memory")
        }
    }

    @Test("generation is deterministic")
    func deterministic() throws {
        let c = kernelCases[1]
        let problem = try SpMMProblem(weights: c.weights, n: c.n)
        let first = try SparseKernelCompiler.compile(problem, config: c.config).ptx()
        let second = try SparseKernelCompiler.compile(problem, config: c.config).ptx()
        #expect(first == second)
    }

    @Test("a wrong kernel is caught: the verifier is not vacuous")
    func detectsCorruption() throws {
        let c = kernelCases[1]
        var kernel = try SparseKernelCompiler.compile(SpMMProblem(weights: c.weights, n: c.n), config: c.config)
        // Change one baked-in weight.
        var ir = kernel.kernel
        let index = try #require(ir.instructions.firstIndex {
            if case .fma = $0.operation { return true } else { return false }
        })
        if case .fma(let d, let a, .f32(let w), let acc) = ir.instructions[index].operation {
            ir.instructions[index] = Instruction(.fma(d, a, .f32(w + 0.5), acc))
        }
        kernel = kernel.replacingKernel(ir)
        let report = try CPUVerifier.verify(kernel, seed: 5)
        #expect(!report.passed)
    }
}
