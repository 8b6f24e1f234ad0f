import ArgumentParser
import Foundation
import SparseRT
import SparseRTRuntime

/// `sparsert tune WEIGHTS --n N`: autotunes the layer's kernel on the GPU over both families and writes the
/// winner like `compile` does.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Autotune a layer's kernel on the GPU (both families), verify it, and write the fastest.",
        discussion: "Results are cached by weights hash, shape, GPU, generator version and cache state ($SPARSERT_CACHE or ~/.cache/sparsert/tuning.json).")

    @OptionGroup var problemOptions: ProblemOptions

    @Option(name: .shortAndLong, help: "Output folder for the winning kernel.")
    var output = "."

    @Flag(help: "Ignore the tuning cache.")
    var noCache = false

    @Option(help: "Parallel compile jobs (default: all cores).")
    var jobs: Int?

    @OptionGroup var tuningOptions: TuningOptions

    @OptionGroup var coldCache: ColdCacheOptions

    @Option(help: ArgumentHelp(
        "Time only these configs: specs separated by ';' or newlines, or @FILE with one per line.",
        valueName: "specs"))
    var candidates: String?

    @Flag(help: "Print the configs the first pass would time, best guesses first, and exit (no GPU needed; register caps as for an H100's 132 multiprocessors).")
    var list = false

    /// The `--candidates` specs, parsed; nil when the option is absent.
    func explicitCandidates() throws -> [KernelSpec]? {
        guard var text = candidates else { return nil }
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--candidates: cannot read \(path)")
            }
            text = contents
        }
        let items = text.split(whereSeparator: { $0 == ";" || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !items.isEmpty else { throw ValidationError("--candidates: no configs given") }
        return try items.map { item in
            guard let spec = KernelSpec(parsing: item) else {
                throw ValidationError("--candidates: cannot parse '\(item)': expected \(KernelSpec.syntax)")
            }
            return spec
        }
    }

    func run() throws {
        // Input first, so a bad file or config is reported as such on any machine.
        let explicit = try explicitCandidates()
        let (problem, loaded) = try problemOptions.load()
        if list {
            for spec in explicit ?? KernelSpec.candidates(for: problem) { print(spec) }
            return
        }
        let session: GPUSession
        do { session = try GPUSession() } catch {
            printError("tuning needs a GPU: \(error)")
            throw ExitCode(3)
        }
        do {
            // An explicit list is an experiment: it neither reads nor fills the cache.
            var tuner = Tuner(session: session, cache: noCache || explicit != nil ? nil : TuningCache())
            if let jobs { tuner.jobs = jobs }
            tuningOptions.configure(&tuner, explicitCandidates: explicit != nil)
            tuner.progress = TuningProgress.reporter(label: problem.description)
            if let cold = try coldCache.apply(to: &tuner, session: session) { printNote("cold caches: \(cold)") }
            let (spec, result) = try tuner.tune(problem, candidates: explicit)
            printNote("")
            for c in result.candidates {
                let time = c.microseconds.map { String(format: "%8.2f us", $0) } ?? "  failed  "
                let registers = c.registers.map { String(format: "%3d regs", $0) } ?? "        "
                let final = c.finalMicroseconds.map { String(format: "  (final round %.2f us)", $0) } ?? ""
                let origin = c.origin.map { "  [\($0)]" } ?? ""
                print("\(time)  \(registers)  \(c.family.padding(toLength: 11, withPad: " ", startingAt: 0)) \(c.spec)\(c.failure.map { "  (\($0))" } ?? "")\(final)\(origin)")
            }
            print(String(format: "best: %@ %.2f us (%@, %.1f s)", spec.description, result.bestMicroseconds,
                         result.fromCache ? "from cache" : "tuned", result.wallSeconds))
            if let phases = result.phases, !result.fromCache { print("phases: \(phases.summary)") }
            let kernel = try spec.compile(problem, limits: session.limits)
            for file in try KernelCompilation.write(kernel, to: output, target: session.target, weightsSource: loaded.path) {
                print("wrote: \(file)")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            printError(error)
            throw ExitCode(2)
        }
    }
}
