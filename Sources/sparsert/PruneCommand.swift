import ArgumentParser
import Foundation
import SparseFormats

/// `sparsert prune FILE --sparsity S [--random] [--seed S] [--tensor NAME] -o OUT`: prunes a weight file
/// further (largest magnitudes kept, or a seeded random subset) and writes `.smtx`, `.npy` or `.mtx`.
///
/// Prints one line describing the result; a file that cannot be read or written prints one `error: ...`
/// line on stderr and exits with code 2.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune a weight file to a target sparsity by magnitude or at random.",
        discussion: "The sparsity counts every entry of the M x K matrix. Pattern-only inputs get values drawn "
            + "from N(0,1) with --seed first. Writing .smtx keeps only the pattern.")

    @Argument(help: "The weight file (.smtx, .npy, .mtx or .safetensors).")
    var file: String

    @Option(help: "Target fraction of zero entries, in [0, 1).")
    var sparsity: Double

    @Flag(help: "Keep a random subset of the nonzeros instead of the largest magnitudes.")
    var random = false

    @Option(help: "Seed for random pruning and for the values of pattern-only files.")
    var seed: UInt64 = WeightFile.defaultSeed

    @Option(help: "The tensor to read from a .safetensors file holding several.")
    var tensor: String?

    @Option(name: [.short, .customLong("output")], help: "The pruned file to write (.smtx, .npy or .mtx).")
    var output: String

    func validate() throws {
        guard sparsity >= 0, sparsity < 1 else { throw ValidationError("--sparsity must be in [0, 1), got \(sparsity)") }
        guard let format = WeightFormat(path: output), format != .safetensors else {
            throw ValidationError("-o must name a .smtx, .npy or .mtx file, got '\(output)'")
        }
    }

    func run() throws {
        do {
            let weights = try WeightFile.load(path: file, seed: seed, tensor: tensor)
            let pruned = random
                ? try Pruning.random(weights.matrix, sparsity: sparsity, seed: seed)
                : try Pruning.magnitude(weights.matrix, sparsity: sparsity)
            try WeightFile.write(pruned, to: output)
            let s = MatrixStatistics(pruned)
            var line = "wrote \(output): \(s.rows) x \(s.columns), nnz \(s.nonzeroCount) "
                + "(was \(weights.matrix.nonzeroCount)), sparsity \(String(format: "%.4f", s.sparsity)), "
                + "nnz per row mean \(String(format: "%.2f", s.nonzerosPerRow.mean)) "
                + "std \(String(format: "%.2f", s.nonzerosPerRow.std)) "
                + "min \(s.nonzerosPerRow.min) max \(s.nonzerosPerRow.max), "
                + (random ? "random pruning (seed \(seed))" : "magnitude pruning")
            if weights.valuesDrawn, let drawnSeed = weights.seed {
                line += ", input values drawn from N(0,1) with seed \(drawnSeed)"
            }
            print(line)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError(error)
            throw ExitCode(2)
        }
    }
}
