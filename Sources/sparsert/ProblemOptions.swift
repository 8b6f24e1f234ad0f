import ArgumentParser
import Foundation
import SparseRT

/// The options that name a problem: a weight file and either `--n` (a matrix product) or `--conv` with
/// the input geometry. Shared by `compile`, `verify`, `tune` and `bench`.
struct ProblemOptions: ParsableArguments {
    @Argument(help: "The weight file (.smtx, .npy, .mtx or .safetensors): A, M x K, or an OIHW filter.")
    var weights: String

    @Option(help: "Columns of B and C (batch x spatial size for a 1x1 convolution).")
    var n: Int?

    @Flag(help: "Treat the weights as a convolution filter (OIHW, or OC x IC*KH*KW) over an NCHW input.")
    var conv = false

    @Option(help: "Convolution input as CxHxW, e.g. 64x56x56.")
    var input: String?

    @Option(help: "Convolution kernel size KHxKW (or K); read from a 4-D filter, 1x1 when K = C, else required.")
    var kernel: String?

    @Option(help: "Convolution stride.")
    var stride = 1

    @Option(help: "Convolution zero padding on each side.")
    var pad = 0

    @Option(help: "Convolution batch size.")
    var batch = 1

    @Option(help: "Row stride of B in elements (its leading dimension, at least N; N by default).")
    var ldb: Int?

    @Option(help: "Row stride of C in elements (at least N; N by default). Kernels never write the padding.")
    var ldc: Int?

    @Option(help: "Pad B's and C's rows to a multiple of this many bytes, e.g. 128 (instead of --ldb and --ldc).")
    var rowAlign: Int?

    @Option(help: "Element type of B and C: fp32, or fp16 (IEEE halves; products accumulate in fp32, each output rounded once).")
    var precision: Precision = .fp32

    @Option(help: ArgumentHelp(
        "A's values: fp32 (as read), or fp16 (each rounded to the nearest half, as an fp16 model holds them).",
        discussion: "Where every weight is a half (so, too, weights read from an fp16 file), kernels at small N may hold each weight in 16 bits beside its column: 4 bytes a nonzero instead of 6 or 8."))
    var weightPrecision: Precision = .fp32

    @Option(help: "Seed of the values drawn for pattern-only files.")
    var seed: UInt64 = VerificationSuite.valueSeed

    @Option(help: "Add a bias after the product, fused into the kernel: an .npy file of M float32 values, one per row of A (output channel).")
    var bias: String?

    @Flag(help: "Apply ReLU (max(x, 0)) after the product and bias, fused into the kernel.")
    var relu = false

    @Option(help: "Cap every output at this value (min(x, CAP)) after the bias and ReLU, fused into the kernel.")
    var cap: Float?

    @Flag(help: "ReLU6 (MobileNet's activation): --relu with --cap 6.")
    var relu6 = false

    /// Whether any epilogue option was given.
    var hasEpilogue: Bool { bias != nil || relu || cap != nil || relu6 }

    @Option(help: "The tensor to read from a .safetensors file.")
    var tensor: String?

    /// Loads the weights and builds the problem, with its epilogue; errors name the input and the problem.
    func problem() throws -> (SpMMProblem, LoadedWeights) {
        let (problem, loaded) = try productProblem()
        guard hasEpilogue else { return (problem, loaded) }
        if relu6, cap != nil { throw ValidationError("give --relu6 or --cap, not both") }
        var values: [Float]?
        if let bias {
            let tensor = try NPY.readDense(path: bias)
            guard tensor.values.count == problem.m else {
                throw ValidationError("\(bias): \(tensor.values.count) values (shape \(tensor.shape)), but \(loaded.path) has M = \(problem.m) rows")
            }
            values = tensor.values
        }
        do {
            return (try problem.withEpilogue(Epilogue(bias: values, relu: relu || relu6, cap: relu6 ? 6 : cap)), loaded)
        } catch {
            throw ValidationError("\(bias ?? "--relu, --cap"): \(error)")
        }
    }

    /// ``problem()``, or with `productOnly` ``productProblem()``, for a command's `run`: bad options stay
    /// validation errors; any other error (an unreadable or malformed file) is printed and exits with 2.
    func load(productOnly: Bool = false) throws -> (SpMMProblem, LoadedWeights) {
        do { return try productOnly ? productProblem() : problem() } catch let error as ValidationError {
            throw error
        } catch {
            printError(error)
            throw ExitCode(2)
        }
    }

    /// The product alone, as the weights and shape options give it, its weights rounded to halves with
    /// `--weight-precision fp16`.
    func productProblem() throws -> (SpMMProblem, LoadedWeights) {
        let (problem, loaded) = try shapedProblem()
        guard weightPrecision == .fp16 else { return (problem, loaded) }
        do { return (try problem.withWeightsRoundedToHalves(), loaded) } catch {
            throw ValidationError("\(weights): --weight-precision fp16: \(error)")
        }
    }

    /// The product as the weights and shape options give it.
    func shapedProblem() throws -> (SpMMProblem, LoadedWeights) {
        let loaded = try WeightFile.load(path: weights, seed: seed, tensor: tensor)
        if !conv {
            guard let n else { throw ValidationError("give --n N (columns of B) or --conv with --input CxHxW") }
            guard n >= 1 else { throw ValidationError("--n must be at least 1, got \(n)") }
            let problem = try SpMMProblem(weights: loaded.matrix, n: n, bRowStride: ldb, cRowStride: ldc).withPrecision(precision)
            if let rowAlign {
                guard ldb == nil, ldc == nil else { throw ValidationError("give --row-align or --ldb/--ldc, not both") }
                try validateRowAlign(rowAlign)
                return (try problem.withRowsAligned(toBytes: rowAlign), loaded)
            }
            return (problem, loaded)
        }
        guard ldb == nil, ldc == nil, rowAlign == nil else {
            throw ValidationError("--ldb, --ldc and --row-align are for matrix products (--n), not --conv")
        }
        guard let input else { throw ValidationError("--conv needs --input CxHxW") }
        let dims = input.split(separator: "x").compactMap { Int($0) }
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--input must be CxHxW with positive sizes, got '\(input)'")
        }
        let (kh, kw) = try kernelSize(loaded: loaded, channels: dims[0])
        let shape = ConvolutionShape(
            batch: batch, inChannels: dims[0], height: dims[1], width: dims[2], outChannels: loaded.matrix.rows,
            kernelH: kh, kernelW: kw, stride: stride, pad: pad)
        return (try SpMMProblem(weights: loaded.matrix, operand: .convolution(shape)).withPrecision(precision), loaded)
    }

    func kernelSize(loaded: LoadedWeights, channels: Int) throws -> (Int, Int) {
        if let kernel {
            let parts = kernel.split(separator: "x").compactMap { Int($0) }
            if parts.count == 1 { return (parts[0], parts[0]) }
            if parts.count == 2 { return (parts[0], parts[1]) }
            throw ValidationError("--kernel must be K or KHxKW, got '\(kernel)'")
        }
        if let filter = loaded.filterShape { return (filter.kernelHeight, filter.kernelWidth) }
        let k = loaded.matrix.columns
        if k == channels { return (1, 1) }
        // A 2-D filter matrix does not say how its K = IC x KH x KW splits: guessing could silently
        // compute a different convolution, so ask.
        throw ValidationError(
            "the filter is \(loaded.matrix.rows) x \(k), which does not say its kernel size; give --kernel "
                + (k % channels == 0 ? "(K / C = \(k / channels) taps per channel)" : "(and check --input: K = \(k) is not a multiple of C = \(channels))"))
    }
}

extension Precision: ExpressibleByArgument {}

/// Prints `error: <description>` on standard error.
func printError(_ error: any Error) {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
}

/// Prints `error: <message>` on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

/// Writes a line to standard output at once (unbuffered), for results that stream while work goes on.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data("\(text)\n".utf8))
}

/// Prints a line on standard error (progress, notes), keeping standard output for results.
func printNote(_ text: String) {
    FileHandle.standardError.write(Data("\(text)\n".utf8))
}

/// A JSON encoder for reports: sorted keys, pretty, non-finite numbers as strings.
func reportEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
}

/// Rejects a `--row-align` that is not a positive multiple of 4 bytes, before any problem is loaded.
func validateRowAlign(_ bytes: Int?) throws {
    guard let bytes else { return }
    guard bytes > 0, bytes % 4 == 0 else {
        throw ValidationError("--row-align must be a positive multiple of 4 bytes, got \(bytes)")
    }
}
