import ArgumentParser
import Foundation
import SparseRT
import SparseRTRuntime

/// `sparsert compare WEIGHTS --n N`: one layer of the user's own, tuned, verified and timed beside the
/// vendor libraries in one process with one timer, the way `bench` does the paper's problems.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Tune a layer's kernel, verify it, and time it beside cuBLAS, cuSPARSE and cuDNN on this GPU.",
        discussion: """
            The layer's kernel is tuned (or taken from the tuning cache, as `tune` leaves it; or given by \
            --config), verified against the float64 reference on fresh inputs with its output poisoned first, and \
            timed with the benchmark's timer: R launches in one CUDA graph, replayed between two events, median of \
            21 replays / R. The baselines get the same operands (A densified for cuBLAS, in CSR for cuSPARSE, the \
            filter for cuDNN) and the same timer. The product alone is timed, as the libraries compute it, so the \
            epilogue options (--bias, --relu, --relu6, --cap) are refused. A table like `bench`'s goes to standard \
            output; --output also writes it as Markdown, CSV, JSON and SVG.
            """)

    @OptionGroup var problemOptions: ProblemOptions

    @Option(help: ArgumentHelp("Time this kernel config instead of tuning (as for compile).", valueName: "spec"))
    var config: String?

    @Option(name: .shortAndLong, help: "Also write the report (.md, .csv, .json, .svg) into this folder.")
    var output: String?

    @Flag(help: "Ignore the tuning cache.")
    var noCache = false

    @OptionGroup var tuningOptions: TuningOptions

    @Flag(help: "Skip the vendor baselines (time sparsert's kernel alone).")
    var noBaselines = false

    @OptionGroup var coldCache: ColdCacheOptions

    @Option(help: "Commit to record (default: $SPARSERT_COMMIT or `git rev-parse HEAD`).")
    var commit: String?

    func run() throws {
        guard !problemOptions.hasEpilogue else {
            throw ValidationError("compare times the product alone, as the vendor libraries compute it: drop --bias, --relu, --relu6 and --cap")
        }
        let (problem, loaded) = try problemOptions.load(productOnly: true)
        let spec = try config.map(KernelCompilation.parseSpec)
        if let spec {
            // A config that does not fit the layer is bad input, reported before any GPU work.
            do { _ = try spec.compile(problem) } catch {
                printError("--config \(spec) for \(problem.description): \(error)")
                throw ExitCode(2)
            }
        }
        let session: GPUSession
        do { session = try GPUSession() } catch {
            printError("compare needs a GPU: \(error)")
            throw ExitCode(3)
        }
        let floors = try DeviceFloors.measure(session: session)
        var tuner = Tuner(session: session, cache: noCache ? nil : TuningCache())
        tuningOptions.configure(&tuner)
        tuner.progress = TuningProgress.reporter(label: problem.description)
        var runner = BenchmarkRunner(session: session, tuner: tuner, floors: floors)
        runner.givenSpec = spec
        runner.log = { printNote($0) }
        let coldCaches = try coldCache.apply(to: &runner, session: session)
        if !noBaselines { runner.baselines = VendorBaselines.timer(runner.timer) }
        let layer = BenchmarkProblem(layer: problem, name: loaded.path, source: Self.source(of: loaded))
        let row: BenchmarkRow
        do { row = try runner.run(layer) } catch {
            printError("\(loaded.path): \(error)")
            throw ExitCode(1)
        }
        let isProduct = if case .matrix = problem.operand { true } else { false }
        var report = BenchmarkReport(
            suite: "compare", gpu: session.properties.name, date: ISO8601DateFormatter().string(from: Date()),
            commit: reportCommit(commit),
            command: CommandLine.arguments.dropFirst().joined(separator: " "), batch: 1, selection: row.selection,
            rowAlignBytes: problemOptions.rowAlign, precision: problem.precision, floors: floors,
            mainBaseline: VendorBaselines.mainName(for: isProduct, precision: problem.precision), rows: [row])
        report.heading = "sparsert compare \(problem.description)"
        report.coldCaches = coldCaches
        if problemOptions.weightPrecision == .fp16 { report.weightPrecision = .fp16 }
        if spec == nil { report.tunerPasses = tuner.passesSummary }
        print(report.markdown())
        if let output {
            let stem = "compare-" + URL(fileURLWithPath: loaded.path).deletingPathExtension().lastPathComponent + "-n\(problem.n)"
            for file in try report.write(to: URL(fileURLWithPath: output), stem: stem) { printNote("wrote \(file)") }
        }
    }

    /// Where the weights came from, for the report: the file, its format, and whether the values were drawn.
    static func source(of loaded: LoadedWeights) -> String {
        let values = loaded.valuesDrawn
            ? "pattern; values N(0,1), seed \(loaded.seed.map(String.init) ?? "?")" : "values from the file"
        return "\(loaded.path) (\(loaded.format.rawValue); \(values))"
    }
}
