import SparseCompiler

/// A kernel family together with its configuration: what the tuner enumerates and `--config` names.
public enum KernelSpec: Hashable, Sendable, CustomStringConvertible {
    /// The unrolled family (weights baked into the code).
    case unrolled(TilingConfig)

    /// Compiles `problem` with this spec.
    public func compile(_ problem: SpMMProblem, limits: DeviceLimits = .hopper) throws -> CompiledKernel {
        switch self {
        case .unrolled(let config): return try SparseKernelCompiler.compile(problem, config: config, limits: limits)
        }
    }

    public var family: KernelFamily {
        switch self {
        case .unrolled: return .unrolled
        }
    }

    /// The textual form: the unrolled config (`8,4,2,v4`).
    public var description: String {
        switch self {
        case .unrolled(let config): return config.description
        }
    }

    /// Parses the ``description`` form.
    public init?(parsing text: String) {
        if let config = TilingConfig(parsing: text) {
            self = .unrolled(config)
        } else {
            return nil
        }
    }

    /// The spec to use without tuning.
    public static func heuristic(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> KernelSpec {
        .unrolled(TilingConfig.heuristic(for: problem, limits: limits))
    }

    /// Specs worth timing for `problem`, best guesses first.
    public static func candidates(for problem: SpMMProblem, limits: DeviceLimits = .hopper) -> [KernelSpec] {
        TilingConfig.candidates(for: problem, limits: limits).map(KernelSpec.unrolled)
    }
}
