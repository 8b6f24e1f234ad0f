import Foundation
import SparseRT
import SparseRTRuntime

/// Writes benchmark rows as Markdown, CSV, JSON and an SVG bar chart of the speedup over the main
/// baseline, into `bench/results/<gpu>/`.
struct BenchmarkReport: Codable {
    var suite: String
    var gpu: String
    var date: String
    var commit: String
    var command: String
    var batch: Int
    var selection: String
    /// B's and C's rows padded to a multiple of this many bytes for every kernel, ours and the baselines
    /// (`--row-align`); nil for contiguous rows, as in the paper.
    var rowAlignBytes: Int? = nil
    /// The element type of sparsert's B and C (`--precision`); nil in reports written before fp16 kernels: fp32.
    var precision: Precision? = nil
    /// A's values as every kernel ran them: fp16 when rounded to halves (`--weight-precision fp16`, the same
    /// rounded problem for sparsert and the baselines); nil as the suite gives them.
    var weightPrecision: Precision? = nil
    var floors: DeviceFloors
    var mainBaseline: String
    var rows: [BenchmarkRow]
    /// A merged report's source runs (`bench --merge`), each row measured in one of them; nil for one run,
    /// whose date, commit, command and floors are the fields above.
    var runs: [BenchmarkRun]? = nil
    /// The tuner's passes after the first, as run (defaults included, which the command line does not show),
    /// e.g. `register-cap twins of the 4 fastest unrolled, row-order twins (sim or plain) of the 2 fastest unrolled, ...`; nil when nothing was
    /// tuned or in reports written before it was recorded.
    var tunerPasses: String? = nil
    /// How every run was made to start from cold caches (`--cold-l2`); nil for back-to-back runs.
    var coldCaches: String? = nil
    /// The Markdown title when it is not a suite's (`sparsert compare 512x512x256 ...`); nil for the suites.
    var heading: String? = nil

    /// Geometric mean of the speedup over `baseline` for the rows at `sparsity`.
    func geometricMean(over baseline: String, sparsity: Double) -> Double? {
        let speedups = rows.filter { $0.sparsity == sparsity }.compactMap { $0.speedup(over: baseline) }
        guard !speedups.isEmpty else { return nil }
        return exp(speedups.map(log).reduce(0, +) / Double(speedups.count))
    }

    var baselineNames: [String] { Array(Set(rows.flatMap { $0.baselines.keys })).sorted() }

    func markdown() -> String {
        func floorText(_ f: DeviceFloors) -> String {
            String(format: "empty-kernel floor: %.2f us; device-to-device copy: %.0f GB/s (read + write)", f.emptyKernelMicroseconds, f.copyBytesPerSecond / 1e9)
        }
        let halves = precision == .fp16
        let titleNotes = (halves ? ", fp16" : "") + (weightPrecision == .fp16 ? ", fp16 weights" : "")
        var lines = ["# " + (heading ?? "sparsert bench --suite \(suite) (batch \(batch)\(titleNotes))"), "", "- GPU: \(gpu)"]
        if let runs {
            lines.append("- merged from \(runs.count) runs on this GPU (each row from one of them, its floor column from that run's floors):")
            lines += runs.map { run in
                "  - \(run.date), commit \(run.commit), `\(run.command)`; \(floorText(run.floors))"
                    + (run.tunerPasses.map { "; tuner passes: \($0)" } ?? "")
            }
        } else {
            lines += ["- date: \(date)", "- commit: \(commit)", "- command: `\(command)`"]
            if let tunerPasses { lines.append("- tuner passes after the first: \(tunerPasses)") }
        }
        let roundedWeights = weightPrecision == .fp16
        if halves {
            let values = roundedWeights ? "A's values rounded to halves (below)" : "A's values as read (fp32)"
            lines.append("- sparsert's operands: fp16 B and C (IEEE halves), products accumulated in fp32, \(values); the baselines' fp32 runs read the same B widened to fp32, their fp16 runs round A to halves as well")
        }
        if roundedWeights {
            lines.append("- weights: A's values rounded to the nearest halves (`--weight-precision fp16`) before anything ran, the same for every kernel, ours and the baselines (their fp32 runs read the halves widened, exactly)")
        }
        if let rowAlignBytes {
            lines.append("- operand layout: B's and C's rows padded to multiples of \(rowAlignBytes) bytes (leading dimensions), the same for every kernel, ours and the baselines; N columns computed")
        }
        lines += [
            "- kernel selection: \(selection)\(tuningScope)",
            "- timing: R runs captured into one CUDA graph, replayed between two events after warm-up; median of 21 replays / R. Same timer for every kernel.",
        ]
        if let coldCaches { lines.append("- cold caches: \(coldCaches)") }
        if runs == nil { lines.append("- " + floorText(floors)) }
        lines += [
            "- floor column: one empty-kernel floor + (B + C bytes) / copy bandwidth",
            "- regs: registers per thread (driver); occupancy: resident warps over warp slots per multiprocessor, and what limits them; waves: grid blocks over the blocks all multiprocessors hold at once",
            "- tuning s: the problem's tuning wall time, all its timed instances (tuning_s in the CSV: the longest one instance took)", "",
        ]
        let names = baselineNames
        var header = "| # | M | K | N | sparsity | inst. | sparsert us | " + names.map { "\($0) us" }.joined(separator: " | ")
        header += " | x \(mainBaseline) | " + names.filter { $0 != mainBaseline }.map { "x \($0)" }.joined(separator: " | ")
        header += " | GFLOP/s | floor us | floor / time | regs | occupancy | waves | tuning s | kernel |"
        lines.append(header)
        lines.append("|" + String(repeating: "---|", count: header.split(separator: "|").count - 1))
        for r in rows {
            var cells = ["\(r.number)", "\(r.m)", "\(r.k)", "\(r.n)", "\(r.sparsity)", "\(r.instancesTimed)/\(r.instancesAvailable)",
                         String(format: "%.2f", r.sparsertMicroseconds)]
            cells += names.map { r.baselines[$0].map { String(format: "%.2f", $0) } ?? "-" }
            cells.append(r.speedup(over: mainBaseline).map { String(format: "%.2f", $0) } ?? "-")
            cells += names.filter { $0 != mainBaseline }.map { r.speedup(over: $0).map { String(format: "%.2f", $0) } ?? "-" }
            cells += [String(format: "%.0f", r.gflops), String(format: "%.2f", r.floorMicroseconds),
                      String(format: "%.2f", r.floorMicroseconds / r.sparsertMicroseconds),
                      r.registers.map(String.init) ?? "-",
                      r.occupancy.map { String(format: "%.0f%% (%@)", $0.fraction * 100, $0.limitedBy) } ?? "-",
                      r.occupancy.map { String(format: "%.2f", $0.waves) } ?? "-",
                      r.tuningSecondsTotal.map { String(format: "%.1f", $0) } ?? "-", kernelCell(r)]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        // A geometric mean of one row would only repeat its speedup. Three decimals: the acceptance marks are
        // round figures, and 2.998 printed as 3.00 would read as one met.
        for sparsity in Array(Set(rows.map(\.sparsity))).sorted() where rows.filter({ $0.sparsity == sparsity }).count > 1 {
            for name in names {
                if let g = geometricMean(over: name, sparsity: sparsity) {
                    lines.append(String(format: "- geometric-mean speedup over %@ at %.2f sparsity: **%.3fx** (%d problems)",
                                        name, sparsity, g, rows.filter { $0.sparsity == sparsity }.count))
                }
            }
        }
        let notes = Set(rows.flatMap(\.baselineNotes))
        if !notes.isEmpty { lines += ["", "Baseline notes:"] + notes.sorted().map { "- \($0)" } }
        lines += ["", "Sources: " + Set(rows.map(\.source)).sorted().joined(separator: "; ")]
        return lines.joined(separator: "\n") + "\n"
    }

    /// How configs relate to instances, for the header: each tuned on its own, one instance per problem,
    /// the first instance's config shared, or (a merged report) some rows one way and some the other.
    var tuningScope: String {
        let each = rows.filter { $0.tunedOn == BenchmarkRow.tunedOnEachInstance }.count
        let shared = rows.filter { $0.tunedOn != BenchmarkRow.tunedOnEachInstance && $0.instancesTimed > 1 }.count
        switch (each, shared) {
        case (0, 0): return ", one instance timed per problem"
        case (_, 0): return ", tuned on each instance"
        case (0, _): return ", tuned on the first instance and shared (tuned_on in the CSV)"
        default:
            return ", tuned on each instance (\(each) rows) or on the first instance and shared (\(shared) rows; tuned_on in the CSV)"
        }
    }

    /// The kernel column: the first instance's family and spec, then the other instances' specs where
    /// they differ (each instance tuned on its own).
    func kernelCell(_ r: BenchmarkRow) -> String {
        let others = (r.specPerInstance ?? []).dropFirst()
        guard others.contains(where: { $0 != r.spec }) else { return "\(r.family) \(r.spec)" }
        return "\(r.family) \(r.spec); others: " + others.joined(separator: " / ")
    }

    func csv() -> String {
        let names = baselineNames
        var lines = [(["number", "m", "k", "n", "sparsity", "instances", "nnz_mean", "sparsert_us"] + names.map { "\($0) us" }
            + ["gflops", "floor_us", "family", "spec", "tuned_on", "tuning_s", "tuning_total_s", "worst_rel_error", "registers",
               "blocks_per_sm", "occupancy", "occupancy_limit", "waves"]).joined(separator: ",")]
        for r in rows {
            var cells = ["\(r.number)", "\(r.m)", "\(r.k)", "\(r.n)", "\(r.sparsity)", "\(r.instancesTimed)",
                         String(format: "%.1f", r.nonzerosMean), String(format: "%.3f", r.sparsertMicroseconds)]
            cells += names.map { r.baselines[$0].map { String(format: "%.3f", $0) } ?? "" }
            cells += [String(format: "%.1f", r.gflops), String(format: "%.3f", r.floorMicroseconds), r.family,
                      "\"\((r.specPerInstance ?? [r.spec]).joined(separator: " / "))\"", r.tunedOn, String(format: "%.1f", r.tuningSeconds),
                      r.tuningSecondsTotal.map { String(format: "%.1f", $0) } ?? "", String(format: "%.2e", r.worstRelativeError),
                      r.registers.map(String.init) ?? "", r.occupancy.map { String($0.blocksPerMultiprocessor) } ?? "",
                      r.occupancy.map { String(format: "%.4f", $0.fraction) } ?? "", r.occupancy?.limitedBy ?? "",
                      r.occupancy.map { String(format: "%.3f", $0.waves) } ?? ""]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The paper's Fig. 4 from the rows, each as a file-name suffix and its SVG: the speedup over the main
    /// baseline per problem and sparsity (4c, the report's own `.svg`, suffix ""), over cuSPARSE (4d,
    /// `-speedup-cusparse`), the TFLOP/s of sparsert and every baseline at the lowest sparsity (4a, `-tflops`;
    /// the dense libraries credited with the dense product's 2 M K N flops, sparsert and cuSPARSE with 2 nnz N,
    /// nnz the instances' mean), and sparsert's TFLOP/s per sparsity (4b, `-tflops-sparsity`).
    func figures() -> [(suffix: String, svg: String)] {
        let problems = Array(Set(rows.map(\.number))).sorted()
        let sparsities = Array(Set(rows.map(\.sparsity))).sorted()
        let context = "\(suite), batch \(batch), \(gpu)"
        func row(_ number: Int, _ sparsity: Double) -> BenchmarkRow? {
            rows.first { $0.number == number && $0.sparsity == sparsity }
        }
        func perSparsity(_ value: (BenchmarkRow) -> Double?) -> [BarChart.Series] {
            sparsities.enumerated().map { i, sparsity in
                BarChart.Series(name: String(format: "%.2f", sparsity), colour: BarChart.colours[i % BarChart.colours.count],
                                values: problems.map { row($0, sparsity).flatMap(value) })
            }
        }
        let labels = problems.map(String.init)
        func speedups(over baseline: String) -> BarChart {
            BarChart(title: "sparsert speedup over \(baseline) (\(context))", unit: "x", groups: labels,
                     series: perSparsity { $0.speedup(over: baseline) }, referenceLine: 1)
        }
        var figures = [(suffix: "", svg: speedups(over: mainBaseline).svg())]
        if let sparseBaseline = baselineNames.first(where: { $0.hasPrefix("cuSPARSE") }) {
            figures.append(("-speedup-cusparse", speedups(over: sparseBaseline).svg()))
        }
        func teraflops(_ flops: Double, _ microseconds: Double?) -> Double? { microseconds.map { flops / $0 / 1e6 } }
        let sparseFlops = { (r: BenchmarkRow) in 2 * r.nonzerosMean * Double(r.n) }
        if let lowest = sparsities.first {
            let kernels = [("sparsert", true)] + baselineNames.map { ($0, $0.hasPrefix("cuSPARSE")) }
            let series = kernels.enumerated().map { i, kernel in
                BarChart.Series(name: kernel.0, colour: BarChart.colours[i % BarChart.colours.count], values: problems.map { number in
                    row(number, lowest).flatMap { r in
                        let flops = kernel.1 ? sparseFlops(r) : 2 * Double(r.m) * Double(r.k) * Double(r.n)
                        return teraflops(flops, kernel.0 == "sparsert" ? r.sparsertMicroseconds : r.baselines[kernel.0])
                    }
                })
            }
            let title = String(format: "TFLOP/s at %.2f sparsity, dense libraries credited with 2MKN, sparse with 2 nnz N (%@)", lowest, context)
            figures.append(("-tflops", BarChart(title: title, unit: "", groups: labels, series: series).svg()))
        }
        figures.append(("-tflops-sparsity", BarChart(
            title: "sparsert TFLOP/s (2 nnz N / time) per sparsity (\(context))", unit: "", groups: labels,
            series: perSparsity { teraflops(sparseFlops($0), $0.sparsertMicroseconds) }).svg()))
        return figures
    }

    /// Writes `<folder>/<stem>.{md,csv,json,svg}` and the other figures as `<stem><suffix>.svg`; returns their
    /// paths.
    func write(to folder: URL, stem: String) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files: [(String, Data)] = [
            (".md", Data(markdown().utf8)), (".csv", Data(csv().utf8)), (".json", try reportEncoder().encode(self)),
        ] + figures().map { ($0.suffix + ".svg", Data($0.svg.utf8)) }
        return try files.map { ending, data in
            let url = folder.appendingPathComponent(stem + ending)
            try data.write(to: url)
            return url.path
        }
    }
}

/// The commit a report records: the one given, else `$SPARSERT_COMMIT`, else the checkout's `HEAD`, else
/// `unknown`.
func reportCommit(_ given: String?) -> String {
    given ?? ProcessInfo.processInfo.environment["SPARSERT_COMMIT"] ?? gitHead() ?? "unknown"
}

/// `git rev-parse --short HEAD` in the working directory, or nil outside a checkout.
private func gitHead() -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "rev-parse", "--short", "HEAD"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return process.terminationStatus == 0 && !text.isEmpty ? text : nil
}
