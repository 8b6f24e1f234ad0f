import ArgumentParser
import Foundation
import SparseFormats

/// `sparsert inspect FILE [--json] [--seed S] [--tensor NAME]`: shape, sparsity and the distribution of
/// nonzeros per row of a weight file.
///
/// A file that cannot be loaded prints one `error: ...` line on stderr and exits with code 2.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the shape, sparsity and nonzeros-per-row statistics of a weight file.",
        discussion: "Reads .smtx, .npy, .mtx and .safetensors. Pattern-only files get values drawn from N(0,1) "
            + "with --seed. Exits with code 2 when the file cannot be read.")

    @Argument(help: "The weight file (.smtx, .npy, .mtx or .safetensors).")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Seed for the values of pattern-only files.")
    var seed: UInt64 = WeightFile.defaultSeed

    @Option(help: "The tensor to read from a .safetensors file holding several.")
    var tensor: String?

    /// What `--json` prints: the file's provenance, then the ``MatrixStatistics`` keys at the same level.
    struct Report: Encodable {
        let file: String
        let format: WeightFormat
        let statistics: MatrixStatistics
        let valuesDrawn: Bool
        let seed: UInt64?

        enum CodingKeys: String, CodingKey { case file, format, valuesDrawn, seed }

        func encode(to encoder: Encoder) throws {
            try statistics.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(format, forKey: .format)
            try container.encode(valuesDrawn, forKey: .valuesDrawn)
            try container.encode(seed, forKey: .seed)
        }
    }

    func run() throws {
        let weights: LoadedWeights
        do {
            weights = try WeightFile.load(path: file, seed: seed, tensor: tensor)
        } catch {
            printError(error)
            throw ExitCode(2)
        }
        let statistics = MatrixStatistics(weights.matrix)
        if json {
            let report = Report(
                file: file, format: weights.format, statistics: statistics, valuesDrawn: weights.valuesDrawn,
                seed: weights.seed)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(describe(weights, statistics))
        }
    }

    /// The text report: provenance, shape, per-row statistics and a bar chart of the histogram.
    func describe(_ weights: LoadedWeights, _ s: MatrixStatistics) -> String {
        var lines = ["file:        \(file)"]
        var format = "format:      \(weights.format.rawValue)"
        if let filter = weights.filterShape {
            format += " (OIHW filter \(filter.outChannels)x\(filter.inChannels)x\(filter.kernelHeight)x\(filter.kernelWidth)"
                + " flattened to OC x IC*KH*KW)"
        }
        lines.append(format)
        if weights.valuesDrawn, let seed = weights.seed {
            lines.append("values:      drawn from N(0,1), seed \(seed) (the file holds only a pattern)")
        }
        lines.append("shape:       \(s.rows) x \(s.columns)")
        lines.append("nnz:         \(s.nonzeroCount) (sparsity \(String(format: "%.4f", s.sparsity)))")
        let perRow = s.nonzerosPerRow
        lines.append(
            "nnz per row: mean \(String(format: "%.2f", perRow.mean)), std \(String(format: "%.2f", perRow.std)), "
                + "min \(perRow.min), max \(perRow.max)")
        lines.append("empty rows:  \(s.emptyRows), empty columns: \(s.emptyColumns)")
        if !s.histogram.isEmpty {
            lines.append("histogram of nnz per row:")
            let widest = max(1, s.histogram.map(\.count).max() ?? 1)
            let labelWidth = String(s.histogram.last?.hi ?? 0).count
            for bin in s.histogram {
                let range = bin.lo == bin.hi
                    ? pad(String(bin.lo), labelWidth * 2 + 3)
                    : pad(String(bin.lo), labelWidth) + " - " + pad(String(bin.hi), labelWidth)
                let bar = String(repeating: "#", count: (bin.count * 40 + widest - 1) / widest)
                lines.append("  \(range)  \(pad(String(bin.count), String(s.rows).count))  \(bar)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Right-aligns `text` in `width` columns.
    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
