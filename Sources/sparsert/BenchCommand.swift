import ArgumentParser
import Foundation
import SparseRT
import SparseRTRuntime

/// `sparsert bench --suite paper-spmm|paper-conv`: the paper's Table 1 / Table 3 against the vendor
/// libraries, measured side by side in one process with one timer.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the paper's problems against cuBLAS, cuSPARSE and cuDNN on this GPU.",
        discussion: """
            Every kernel is verified against the float64 reference before it is timed. Results go to \
            bench/results/<gpu>/<suite>-b<batch>[-<selection>][-a<bytes>][-s<sparsity>][-p<problems>].{md,csv,json,svg}.

            --row-align BYTES pads the rows of B and C to multiples of BYTES for every kernel, ours and the \
            baselines alike (leading dimensions; the same N columns computed).

            --merge FILE.json (twice or more) measures nothing: it joins reports of the same suite, GPU, batch, \
            selection and row alignment, such as the two sparsities of Table 1 run as two calls, into \
            <suite>-b<batch>[-<selection>][-a<bytes>] files that list every source run.
            """)

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case paperSpmm = "paper-spmm"
        case paperConv = "paper-conv"
        case largeDecode = "large-decode"
    }

    @Option(help: "paper-spmm (Table 1), paper-conv (Table 3), or large-decode (LLaMA-7B-shaped projections at 90% and 95%, generated; N = the batch; best with --cold-l2 2).")
    var suite: Suite = .paperSpmm

    @Option(help: "The data folder (shared/data layout). Default: $SPARSERT_DATA, ../shared/data or ./data.")
    var data: String?

    @Option(help: "Images per batch (multiplies N).")
    var batch = 1

    @Option(help: "Kernel selection: tuned, unrolled-only, not-unrolled, no-load-balancing, fixed-config.")
    var selection: String = KernelSelection.tuned.rawValue

    @Option(help: "Only these problem numbers (comma-separated).")
    var problems: String?

    @Option(help: "Only this sparsity (0.9 or 0.95).")
    var sparsity: Double?

    @OptionGroup var operands: SuiteOperandOptions

    @Option(help: "Most instances timed per problem (all by default).")
    var maxInstances: Int?

    @Option(help: "Results folder (bench/results/<gpu> by default).")
    var output: String?

    @Option(help: "Commit to record (default: $SPARSERT_COMMIT or `git rev-parse HEAD`).")
    var commit: String?

    @Flag(help: "Tune only the first instance of each problem and use its config for the others (the paper's method) instead of tuning each.")
    var shareConfig = false

    @Option(help: "Tune each instance after a problem's first over only the K fastest unrolled tilings of the first's tuning (each at its fastest register setting and row order) and their twins, in one compile round, beside the data-driven list; 0: every instance over the full list. On an H200 the default kept every Table 1 problem's tuning under 42 s (up to 115 s with 0), its kernels within run-to-run spread.")
    var narrowInstances = 12

    @OptionGroup var tuningOptions: TuningOptions

    @OptionGroup var coldCache: ColdCacheOptions

    @Flag(help: "Skip the vendor baselines.")
    var noBaselines = false

    @Option(help: "A report (.json) to merge with the others given; no GPU needed.")
    var merge: [String] = []

    func run() throws {
        if !merge.isEmpty { return try mergeReports() }
        guard let kernelSelection = KernelSelection(rawValue: selection) else {
            throw ValidationError("unknown --selection '\(selection)'; one of \(KernelSelection.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard narrowInstances >= 0 else { throw ValidationError("--narrow-instances must be 0 or more, not \(narrowInstances)") }
        // The problems first (lazily loaded), so a missing data folder is reported on any machine.
        var list: [BenchmarkProblem]
        switch suite {
        case .largeDecode:
            list = DecodeSuite.problems(batch: batch)
        case .paperSpmm, .paperConv:
            guard let root = DataLocation.find(data) else {
                printError(data.map { "\($0): not a data folder (expected dlmc/ or sparsert-weights/ inside)" } ?? "no data folder: pass --data DIR (the shared/data layout) or set SPARSERT_DATA")
                throw ExitCode(2)
            }
            list = suite == .paperSpmm
                ? try PaperSuites.spmm(dataRoot: root, batch: batch) : try PaperSuites.convolution(dataRoot: root, batch: batch)
        }
        let suiteProblems = list
        if let problems {
            let fields = problems.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.compactMap { Int($0) }
            guard numbers.count == fields.count, !numbers.isEmpty else {
                throw ValidationError("--problems '\(problems)': expected problem numbers separated by commas, e.g. 1,7,9")
            }
            list = list.filter { Set(numbers).contains($0.number) }
        }
        if let sparsity { list = list.filter { abs($0.sparsity - sparsity) < 1e-9 } }
        guard !list.isEmpty else {
            let held = Dictionary(grouping: suiteProblems, by: \.sparsity).sorted { $0.key < $1.key }.map { sparsity, problems in
                "\(problems.map(\.number).min() ?? 0)-\(problems.map(\.number).max() ?? 0) at \(sparsity)"
            }
            printError("--problems and --sparsity select no problem of \(suite.rawValue), which holds problems \(held.joined(separator: ", "))")
            throw ExitCode(2)
        }
        let session: GPUSession
        do { session = try GPUSession() } catch {
            printError("the benchmark needs a GPU: \(error)")
            throw ExitCode(3)
        }
        list = list.map { $0.withInstances(operands.apply) }
        printNote("device: \(session.properties.name); \(list.count) problems; compiler: \(session.ptxas?.executable.path ?? "driver JIT")")

        let floors = try DeviceFloors.measure(session: session)
        printNote(String(format: "floors: empty kernel %.2f us, copy %.0f GB/s", floors.emptyKernelMicroseconds, floors.copyBytesPerSecond / 1e9))
        var tuner = Tuner(session: session, cache: nil)
        tuner.progress = nil
        tuningOptions.configure(&tuner)
        var runner = BenchmarkRunner(session: session, tuner: tuner, floors: floors)
        runner.selection = kernelSelection
        if let maxInstances { runner.maxInstances = maxInstances }
        runner.shareConfig = shareConfig
        runner.narrowing = narrowInstances
        runner.log = { printNote($0) }
        let tuningRecord = TuningRecord()
        runner.tuningRecord = { tuningRecord.entries[$0] = $1 }
        let coldCaches = try coldCache.apply(to: &runner, session: session)
        if !noBaselines { runner.baselines = VendorBaselines.timer(runner.timer) }

        let gpu = session.properties.name
        let folder = URL(fileURLWithPath: output ?? "bench/results/\(gpu.replacingOccurrences(of: " ", with: "_"))")
        var stem = Self.stem(
            suite: suite.rawValue, batch: batch, selection: kernelSelection.rawValue, rowAlign: operands.rowAlign, precision: operands.precision,
            weightPrecision: operands.weightPrecision)
        // Subsets get their own files, so a partial run never overwrites a full one.
        if let sparsity { stem += "-s\(sparsity)" }
        if let problems { stem += "-p" + problems.replacingOccurrences(of: ",", with: "_") }
        if let multiple = coldCache.coldL2 { stem += "-cold\(multiple)" }
        var report = BenchmarkReport(
            suite: suite.rawValue, gpu: gpu, date: ISO8601DateFormatter().string(from: Date()),
            commit: reportCommit(commit),
            command: CommandLine.arguments.dropFirst().joined(separator: " "), batch: batch,
            selection: kernelSelection.rawValue, rowAlignBytes: operands.rowAlign, precision: operands.precision, floors: floors,
            mainBaseline: VendorBaselines.mainName(for: suite != .paperConv, precision: operands.precision), rows: [])
        report.coldCaches = coldCaches
        if operands.weightPrecision == .fp16 { report.weightPrecision = .fp16 }
        if kernelSelection == .tuned {
            report.tunerPasses = tuner.passesSummary
                + (narrowInstances > 0 && !shareConfig ? "; instances after a problem's first tuned over the first's \(narrowInstances) fastest unrolled tilings and their twins (one compile round) and the data-driven list" : "")
        }
        var failures: [String] = []
        let recordURL = folder.appendingPathComponent(stem + ".tuning.json")
        for problem in list {
            do {
                let row = try runner.run(problem)
                report.rows.append(row)
                let main = row.baselines[report.mainBaseline]
                printNote(String(format: "  sparsert %.2f us; %@", row.sparsertMicroseconds,
                                 row.baselines.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f us", $0.key, $0.value) }.joined(separator: ", "))
                          + (main.map { String(format: "; speedup %.2fx", $0 / row.sparsertMicroseconds) } ?? ""))
                // Rewrite the files after every problem, so an interrupted run keeps what it measured.
                _ = try report.write(to: folder, stem: stem)
            } catch {
                failures.append("problem \(problem.number) (\(problem.sparsity)): \(error)")
                printError("problem \(problem.number) (\(problem.sparsity)): \(error)")
            }
            try tuningRecord.write(to: recordURL)
        }
        for file in try report.write(to: folder, stem: stem) { printNote("wrote \(file)") }
        if !tuningRecord.entries.isEmpty { printNote("wrote \(recordURL.path)") }
        print(report.markdown())
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// `--merge`: one report from several runs' JSON files.
    func mergeReports() throws {
        guard merge.count >= 2 else { throw ValidationError("--merge needs two or more reports") }
        let merged: BenchmarkReport
        do {
            merged = try BenchmarkReport.merging(merge.map { ($0, try BenchmarkReport.read($0)) })
        } catch let error as BenchmarkMergeError {
            printError(error.description)
            throw ExitCode(2)
        }
        let folder = URL(fileURLWithPath: output ?? "bench/results/\(merged.gpu.replacingOccurrences(of: " ", with: "_"))")
        let stem = Self.stem(
            suite: merged.suite, batch: merged.batch, selection: merged.selection, rowAlign: merged.rowAlignBytes,
            precision: merged.precision ?? .fp32, weightPrecision: merged.weightPrecision ?? .fp32)
        for file in try merged.write(to: folder, stem: stem) { printNote("wrote \(file)") }
        print(merged.markdown())
    }

    /// `<suite>-b<batch>[-fp16][-wfp16][-<selection>][-a<bytes>]`: how a report's file names start (subsets add more).
    static func stem(
        suite: String, batch: Int, selection: String, rowAlign: Int?, precision: Precision = .fp32, weightPrecision: Precision = .fp32
    ) -> String {
        var stem = "\(suite)-b\(batch)"
        if precision != .fp32 { stem += "-\(precision.rawValue)" }
        if weightPrecision != .fp32 { stem += "-w\(weightPrecision.rawValue)" }
        if selection != KernelSelection.tuned.rawValue { stem += "-\(selection)" }
        if let rowAlign { stem += "-a\(rowAlign)" }
        return stem
    }
}

/// Every instance's tuning in full, written beside a benchmark's report as `<stem>.tuning.json` (the report
/// keeps only the winners): what each candidate timed, why one failed, which pass made it.
final class TuningRecord {
    var entries: [String: TuningResult] = [:]

    func write(to url: URL) throws {
        guard !entries.isEmpty else { return }
        try reportEncoder().encode(entries).write(to: url)
    }
}
