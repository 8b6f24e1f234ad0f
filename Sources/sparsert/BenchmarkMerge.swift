import Foundation
import SparseRTRuntime

/// One run whose rows a merged report holds: when, from which commit, with which command, on which floors.
struct BenchmarkRun: Codable, Equatable {
    var date: String
    var commit: String
    var command: String
    var floors: DeviceFloors
    /// The tuner's further passes (``BenchmarkReport/tunerPasses``); nil in runs recorded before it was.
    var tunerPasses: String? = nil

    /// Runs with the same date, commit and command are one run (a merged report merged again).
    static func == (a: BenchmarkRun, b: BenchmarkRun) -> Bool {
        a.date == b.date && a.commit == b.commit && a.command == b.command
    }
}

/// Why reports cannot be merged; names the file and the mismatch.
struct BenchmarkMergeError: Error, CustomStringConvertible {
    let description: String
}

extension BenchmarkReport {
    /// The run this report's rows came from (or, for a merged report, the first of its runs).
    var run: BenchmarkRun { BenchmarkRun(date: date, commit: commit, command: command, floors: floors, tunerPasses: tunerPasses) }

    /// Reads a report written by `bench` (its `.json`).
    static func read(_ path: String) throws -> BenchmarkReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BenchmarkMergeError(description: "\(path): cannot read: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(BenchmarkReport.self, from: data) } catch {
            throw BenchmarkMergeError(description: "\(path): not a benchmark report (.json written by sparsert bench): \(error)")
        }
    }

    /// One report holding the rows of `reports` (for example the two sparsities of a batch-1 run made as two
    /// calls), sorted by sparsity and problem, with every source run listed in the header. The reports must
    /// share suite, GPU, batch, kernel selection and main baseline, and no problem may appear twice.
    static func merging(_ reports: [(path: String, report: BenchmarkReport)]) throws -> BenchmarkReport {
        guard var merged = reports.first?.report else { throw BenchmarkMergeError(description: "no reports to merge") }
        var runs: [BenchmarkRun] = []
        var seen: [String: String] = [:]
        for (path, report) in reports {
            let fields: [(String, String, String)] = [
                ("suite", report.suite, merged.suite), ("GPU", report.gpu, merged.gpu), ("batch", "\(report.batch)", "\(merged.batch)"),
                ("kernel selection", report.selection, merged.selection), ("main baseline", report.mainBaseline, merged.mainBaseline),
                ("row alignment", "\(report.rowAlignBytes ?? 0)", "\(merged.rowAlignBytes ?? 0)"),
                ("precision", (report.precision ?? .fp32).rawValue, (merged.precision ?? .fp32).rawValue),
                ("weight precision", (report.weightPrecision ?? .fp32).rawValue, (merged.weightPrecision ?? .fp32).rawValue),
                ("cold caches", report.coldCaches ?? "none", merged.coldCaches ?? "none"),
            ]
            for (name, value, expected) in fields where value != expected {
                throw BenchmarkMergeError(description: "\(path): \(name) is \(value), but \(reports[0].path) has \(expected)")
            }
            for run in report.runs ?? [report.run] where !runs.contains(run) { runs.append(run) }
            for row in report.rows {
                let key = "problem \(row.number) at \(row.sparsity)"
                if let other = seen[key] { throw BenchmarkMergeError(description: "\(path): \(key) is also in \(other)") }
                seen[key] = path
            }
        }
        merged.rows = reports.flatMap(\.report.rows).sorted { ($0.sparsity, $0.number) < ($1.sparsity, $1.number) }
        merged.runs = runs.count > 1 ? runs : nil
        return merged
    }
}
