import ArgumentParser
import Dispatch
import Foundation
import SparseRT
import SparseRTRuntime

/// `sparsert verify`: runs generated kernels against the float64 reference on fresh random inputs with the
/// output poisoned first, on the GPU when one is present (else, or with `--cpu`, through the kernel IR).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check generated kernels against the float64 CPU reference.",
        discussion: """
            With a weight file: checks the kernel(s) for that layer (--config may repeat; default: the untuned \
            default, as `compile` uses). Without one: the default suite, i.e. every DLMC rn50 and transformer matrix from magnitude \
            pruning at 0.9 and 0.95, the MobileNet weights, and odd synthetic cases, each under several configs.
            """)

    @Argument(help: "A weight file; omit for the default suite.")
    var weights: String?

    @Option(help: "Columns of B (with a weight file).")
    var n: Int?

    @Option(help: "Kernel configuration; repeat for several.")
    var config: [String] = []

    @Flag(help: "Run the kernel IR on the CPU even when a GPU is present.")
    var cpu = false

    @Option(help: "The data folder (shared/data layout) for the suite. Default: $SPARSERT_DATA, ../shared/data or ./data.")
    var data: String?

    @Option(help: "Only suite problems whose name contains this text.")
    var filter: String?

    @Option(help: "Largest nonzero count for which the unrolled family is checked.")
    var unrolledLimit = 30_000

    @Option(help: "Extra candidate configs per problem and family besides the heuristic one.")
    var extra = 0

    @Option(help: "Seed of the random inputs.")
    var seed: UInt64 = 7

    @OptionGroup var operands: SuiteOperandOptions

    @Option(help: "Maximum relative error tolerated (default: 1e-5 for fp32, 1e-3 for fp16).")
    var tolerance: Double?

    @Option(help: "Write every report as JSON to this file.")
    var json: String?

    @Option(help: "Parallel compile jobs (default: all cores).")
    var jobs: Int?

    func run() throws {
        var items: [SuiteItem]
        if let weights {
            guard let n, n >= 1 else { throw ValidationError("give --n N (positive) with a weight file") }
            items = [SuiteItem(name: weights, nonzeros: 0) {
                try SpMMProblem(weights: WeightFile.load(path: weights, seed: VerificationSuite.valueSeed).matrix, n: n)
            }]
        } else {
            guard let root = DataLocation.find(data) else {
                printError(data.map { "\($0): not a data folder (expected dlmc/ or sparsert-weights/ inside)" } ?? "no data folder: pass --data DIR (the shared/data layout) or set SPARSERT_DATA")
                throw ExitCode(2)
            }
            do { items = try VerificationSuite.standard(dataRoot: root) } catch {
                printError("\(root.path): the suite's data could not be read: \(error)")
                throw ExitCode(2)
            }
            printNote("suite: \(items.count) problems from \(root.path)")
            for (list, layers) in VerificationSuite.missingLists(dataRoot: root) {
                printNote("\(list.path) not found: the \(layers) layers are left out")
            }
        }
        if let filter { items = items.filter { $0.name.contains(filter) } }
        items = items.map(operands.apply)
        let specs = try config.map(KernelCompilation.parseSpec)

        var session: GPUSession?
        if !cpu {
            do {
                session = try GPUSession()
                printNote("device: \(session!.properties.name)")
            } catch {
                printNote("no GPU (\(error)); verifying through the kernel IR on the CPU")
            }
        }
        let limits = session?.limits ?? .hopper

        // Compile (and JIT, on a GPU) in parallel, then run one by one.
        struct Job { let item: String; let kernel: CompiledKernel }
        var jobsList: [Job] = []
        for item in items {
            let problem: SpMMProblem
            do { problem = try item.load() } catch {
                printError("\(item.name): \(error)")
                throw ExitCode(2)
            }
            let chosen = specs.isEmpty
                ? (weights == nil ? VerificationSuite.specs(for: problem, extra: extra, unrolledNonzeroLimit: unrolledLimit, limits: limits)
                                  : [KernelSpec.untuned(for: problem, limits: limits)])
                : specs
            if chosen.isEmpty { printNote("skip \(item.name): no kernel family applies under the size bounds") }
            for spec in chosen {
                jobsList.append(Job(item: item.name, kernel: try spec.compile(problem, limits: limits)))
            }
        }
        printNote("checking \(jobsList.count) kernels")
        var reports = [VerificationReport?](repeating: nil, count: jobsList.count)
        var failures: [String] = []
        let width = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        func label(_ i: Int) -> String { "\(jobsList[i].item) \(jobsList[i].kernel.configDescription)" }
        if let session {
            printNote("compiler: " + (session.ptxas.map { "\($0.executable.path), \(width) in parallel" } ?? "the driver's JIT"))
        }
        // Chunks: compile (and load) a chunk in parallel, then run it and print, so progress shows as it goes.
        let chunk = max(1, 4 * width)
        for start in stride(from: 0, to: jobsList.count, by: chunk) {
            let indices = Array(start..<min(start + chunk, jobsList.count))
            let outcomes: [Result<VerificationReport, Error>]
            if let session {
                let loaded = ParallelWork.map(indices.count, width: width) { j in
                    Result { try LoadedKernel(jobsList[indices[j]].kernel, session: session) }
                }
                outcomes = indices.enumerated().map { j, i in
                    Result { try GPUVerifier.verify(loaded[j].get(), session: session, seed: seed &+ UInt64(i), tolerance: tolerance) }
                }
            } else {
                outcomes = ParallelWork.map(indices.count, width: width) { j in
                    Result { try CPUVerifier.verify(jobsList[indices[j]].kernel, seed: seed &+ UInt64(indices[j]), tolerance: tolerance) }
                }
            }
            for (j, outcome) in outcomes.enumerated() {
                let i = indices[j]
                switch outcome {
                case .success(let report):
                    reports[i] = report
                    printLine("\(report.passed ? "PASS" : "FAIL")  \(label(i))  \(report.errorSummary)")
                    if !report.passed { failures.append("\(label(i)): wrong result") }
                case .failure(let error):
                    printLine("FAIL  \(label(i)): \(error)")
                    failures.append("\(label(i)): \(error)")
                }
            }
        }
        let done = reports.compactMap { $0 }
        let passed = done.filter(\.passed).count
        let worst = done.map(\.maxRelativeError).max() ?? 0
        let families = Dictionary(grouping: jobsList.map(\.kernel.family.rawValue), by: { $0 }).mapValues(\.count)
        print("kernels by family: " + families.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let executor = session?.properties.name ?? "cpu-ir"
        print("\(passed) of \(jobsList.count) kernels passed on \(executor); worst max relative error \(String(format: "%.3e", worst)) (tolerance \(tolerance ?? operands.precision.verificationTolerance))")
        if let json {
            try reportEncoder().encode(reports.compactMap { $0 }).write(to: URL(fileURLWithPath: json))
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

/// Where the data folder (the shared/data layout) is.
enum DataLocation {
    /// The folder named by `explicit` (nil when it lacks the layout), else the first of `$SPARSERT_DATA`,
    /// `../shared/data`, `shared/data` and `data` that has it.
    static func find(_ explicit: String?) -> URL? {
        let fm = FileManager.default
        func hasLayout(_ path: String) -> Bool {
            fm.fileExists(atPath: path + "/dlmc") || fm.fileExists(atPath: path + "/sparsert-weights")
        }
        if let explicit { return hasLayout(explicit) ? URL(fileURLWithPath: explicit) : nil }
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["SPARSERT_DATA"] { candidates.append(env) }
        candidates += ["../shared/data", "shared/data", "data"]
        return candidates.first(where: hasLayout).map { URL(fileURLWithPath: $0) }
    }
}
