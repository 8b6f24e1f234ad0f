import SparseRT
/// Everything that can keep a vendor baseline (cuBLAS, cuSPARSE, cuDNN) from running, worded for a person reading
/// a benchmark log.
public enum BaselineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The library could not be loaded: its name and every place tried, each with the reason it failed
    /// (absent, or the loader's message). The benchmark skips the baseline with this text.
    case libraryNotFound(String, tried: [String])
    /// The library loaded (from `path`) but lacks an entry point this module needs (a version too old).
    case missingSymbol(library: String, symbol: String, path: String)
    /// A library call returned an error status: the library, the function, the status code, and the library's
    /// own name and text for it (`cublasGetStatusName`, `cusparseGetErrorName`, `cudnnGetErrorString`, ...).
    case call(library: String, function: String, code: Int32, name: String, message: String)
    /// The baseline does not apply to this problem (a convolution handed to cuBLAS, a size over 32 bits, ...).
    case unsupported(baseline: String, reason: String)
    /// The library's own search found no algorithm that runs this problem; the detail lists what was tried.
    case noAlgorithm(baseline: String, detail: String)

    /// The environment variable that names a library's full path, when the error is about finding one.
    var overrideHint: String? {
        guard case .libraryNotFound(let name, _) = self else { return nil }
        return VendorLibrary.all.first { $0.name == name }?.environmentVariable
    }

    public var description: String {
        switch self {
        case .libraryNotFound(let name, let tried):
            let hint = overrideHint.map { " (set \($0) to its full path)" } ?? ""
            return "\(name) not found\(hint); tried: " + (tried.isEmpty ? "nothing" : tried.joined(separator: "; "))
        case .missingSymbol(let library, let symbol, let path):
            return "\(library) at \(path) lacks the entry point \(symbol) (library too old?)"
        case .call(let library, let function, let code, let name, let message):
            let text = message.isEmpty || message == name ? "" : ": \(message)"
            return "\(library): \(function) failed: \(name) (\(code))\(text)"
        case .unsupported(let baseline, let reason):
            return "\(baseline) does not apply: \(reason)"
        case .noAlgorithm(let baseline, let detail):
            return "\(baseline): no algorithm ran this problem (\(detail))"
        }
    }

    /// True when the baseline cannot run on this machine at all (library absent or too old), as opposed to a
    /// failure of the work itself; the benchmark reports these as skipped.
    public var meansUnavailable: Bool {
        switch self {
        case .libraryNotFound, .missingSymbol: return true
        case .call, .unsupported, .noAlgorithm: return false
        }
    }
}

extension BaselineError {
    /// N of a matrix-product problem whose B is `input`; throws ``unsupported(baseline:reason:)`` for a
    /// convolution or a B of the wrong size.
    static func matrixWidth(of problem: SpMMProblem, input: [Float], baseline: String) throws -> Int {
        guard case .matrix(let width) = problem.operand else {
            throw BaselineError.unsupported(baseline: baseline, reason: "it computes matrix products, not convolutions")
        }
        guard input.count == problem.inputWords else {
            throw BaselineError.unsupported(
                baseline: baseline,
                reason: "B holds \(input.count) values, expected K x row stride = \(problem.inputWords)")
        }
        return width
    }
}
