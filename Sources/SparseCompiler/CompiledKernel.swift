import KernelIR
import SparseFormats

/// Version of the code generator; part of every manifest and of the tuning cache key, so a change to what
/// the generator emits or the tuner lists invalidates cached choices. 0.2.0: data-driven heads, staged B,
/// one-address loads (all opt-in) and the longer candidate lists. 0.5.0: `cp` staging of unrolled
/// kernels. 0.6.0: `e1` candidates. 0.7.0: padded rows (row strides of B and C) and `i1` candidates.
/// 0.8.0: the unrolled family's wide grid (``TilingConfig/candidates(for:limits:limit:)``).
/// 0.8.1: the wide grid without vectors of 4. 0.9.0: unrolled register caps (`mN`, opt-in) and no unrolled
/// candidates with vectors of 4. 0.10.0: rows that share columns gathered into blocks (`sim`, `o1`), fused
/// bias and ReLU, and the tuner's register-cap and `sim` passes on by default.
public let generatorVersion = "0.10.0"

/// A kernel ready to render and launch: its problem, its IR, how to launch it and what it reads.
public struct CompiledKernel: Sendable {
    public let problem: SpMMProblem
    public let kernel: Kernel
    /// Kernel family (for reports and manifests).
    public let family: KernelFamily
    /// The configuration in its textual form (family-specific).
    public let configDescription: String
    /// Grid dimensions; blocks are `kernel.threadsPerBlock` threads along x.
    public let grid: (x: Int, y: Int, z: Int)
    /// Device buffers the kernel reads besides B (weights laid out at compile time for the data-driven
    /// family; none for the unrolled one), as 32-bit words. They are the kernel's first parameters, in
    /// this order, followed by B and C.
    public let weightBuffers: [[UInt32]]
    /// The unrolled family's plan (for `--explain`); nil for other families.
    public let plan: SpMMPlan?

    public init(
        problem: SpMMProblem, kernel: Kernel, family: KernelFamily, configDescription: String,
        grid: (x: Int, y: Int, z: Int), weightBuffers: [[UInt32]] = [], plan: SpMMPlan? = nil
    ) {
        self.problem = problem
        self.kernel = kernel
        self.family = family
        self.configDescription = configDescription
        self.grid = grid
        self.weightBuffers = weightBuffers
        self.plan = plan
    }

    /// The same launch with a different body (tests use it to plant faults).
    public func replacingKernel(_ kernel: Kernel) -> CompiledKernel {
        CompiledKernel(problem: problem, kernel: kernel, family: family, configDescription: configDescription,
                       grid: grid, weightBuffers: weightBuffers, plan: plan)
    }

    public var name: String { kernel.name }
    public var threadsPerBlock: Int { kernel.threadsPerBlock }
    public var sharedMemoryBytes: Int { kernel.sharedMemoryBytes }

    /// The kernel as PTX text for `target`.
    public func ptx(target: PTXTarget = .hopper) -> String { PTXRenderer.render(kernel, target: target) }
}

/// The kinds of kernel sparsert generates.
public enum KernelFamily: String, Sendable, Codable, CaseIterable {
    /// Weights baked into the instruction stream (paper section 3.5).
    case unrolled
    /// Weights read from device memory in a layout prepared at compile time (``DataDrivenLayout``).
    case dataDriven
}

/// Turns a problem and a configuration into a ``CompiledKernel``.
public enum SparseKernelCompiler {
    /// Plans and generates the unrolled kernel; throws ``PlanError`` when the config does not fit.
    public static func compile(
        _ problem: SpMMProblem, config: TilingConfig, limits: DeviceLimits = .hopper
    ) throws -> CompiledKernel {
        let plan = try SpMMPlan(problem: problem, config: config, limits: limits)
        let kernel = UnrolledKernelGenerator.generate(plan, name: kernelName(problem: problem, config: config))
        return CompiledKernel(
            problem: problem, kernel: kernel, family: .unrolled, configDescription: config.description,
            grid: (plan.blocks.count, plan.gridY, 1), plan: plan)
    }

    /// A deterministic entry name from the shape, the config and the weights' hash.
    public static func kernelName(problem: SpMMProblem, config: TilingConfig) -> String {
        let kind: String
        switch problem.operand {
        case .matrix: kind = "spmm"
        case .convolution: kind = "conv"
        }
        let hash = String(WeightsHash.of(problem.weights), radix: 16)
        let configText = "\(config.mBlocks)x\(config.nBlocks)x\(config.groups)v\(config.vectorWidth)"
            + (config.alignedTiles ? "al" : "") + config.balance.nameFragment + config.staging.suffix
            + (config.maxRegisters.map { "m\($0)" } ?? "")
        return "sparsert_\(kind)_\(problem.nameFragment)_\(configText)_\(hash.prefix(8))"
    }
}

/// A 64-bit FNV-1a hash of a matrix's shape, structure and value bits: identifies the weights in
/// manifests and tuning caches. Not cryptographic.
public enum WeightsHash {
    public static func of(_ matrix: CSRMatrix) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt32) {
            for shift in stride(from: 0, to: 32, by: 8) {
                hash ^= UInt64((word >> UInt32(shift)) & 0xFF)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        mix(UInt32(truncatingIfNeeded: matrix.rows))
        mix(UInt32(truncatingIfNeeded: matrix.columns))
        for offset in matrix.rowOffsets { mix(UInt32(bitPattern: offset)) }
        for index in matrix.columnIndices { mix(UInt32(bitPattern: index)) }
        for value in matrix.values { mix(value.bitPattern) }
        return hash
    }

    /// The hash as 16 hex digits.
    public static func hex(_ matrix: CSRMatrix) -> String {
        let text = String(of(matrix), radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
