import Foundation
import SparseRT

/// Tuning results on disk, keyed by weights hash, problem shape, GPU name and generator version, so a
/// repeated `tune` or `compile --tune` skips the search.
public final class TuningCache: @unchecked Sendable {
    public let url: URL
    private var entries: [String: TuningResult]
    private let lock = NSLock()

    /// Opens (or starts) the cache file at `url`; default `$SPARSERT_CACHE` or `~/.cache/sparsert/tuning.json`.
    public init(url: URL? = nil) {
        let env = ProcessInfo.processInfo.environment
        self.url = url ?? URL(fileURLWithPath: env["SPARSERT_CACHE"]
            ?? ((env["HOME"] ?? "/tmp") + "/.cache/sparsert/tuning.json"))
        if let data = try? Data(contentsOf: self.url),
           let decoded = try? JSONDecoder().decode([String: TuningResult].self, from: data) {
            entries = decoded
        } else {
            entries = [:]
        }
    }

    /// The entry of `problem` on `device`; a tuner with further passes (``Tuner/registerCapRefinement``,
    /// ``Tuner/rowOrderRefinement`` over ``Tuner/rowOrderFamilies``) keeps its own entries, since it may choose
    /// differently, and so does each ``Tuner/searchVersion``.
    public static func key(
        problem: SpMMProblem, device: String, registerCapRefinement: Int = 0, rowOrderRefinement: Int = 0,
        rowOrderFamilies: Set<KernelFamily> = Tuner.defaultRowOrderFamilies, coldL2Multiple: Int? = nil
    ) -> String {
        "\(WeightsHash.hex(problem.weights))|\(problem.description)|\(device)|\(SparseCompiler.generatorVersion)|search\(Tuner.searchVersion)"
            + (registerCapRefinement > 0 ? "|caps\(registerCapRefinement)" : "")
            + (rowOrderRefinement > 0 ? "|order\(rowOrderRefinement)+\(Tuner.rowOrderNearTiePercent)%" : "")
            + (rowOrderRefinement > 0 && rowOrderFamilies != Tuner.defaultRowOrderFamilies
                ? "|" + rowOrderFamilies.map(\.rawValue).sorted().joined(separator: "+") : "")
            + (coldL2Multiple.map { "|cold\($0)" } ?? "")
    }

    public func lookup(_ key: String) -> TuningResult? { lock.withLock { entries[key] } }

    public func store(_ key: String, _ result: TuningResult) throws {
        let data: Data = try lock.withLock {
            entries[key] = result
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try encoder.encode(entries)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
