import ArgumentParser
import Foundation
import SparseRT
import SparseRTRuntime

/// `sparsert compile WEIGHTS (--n N | --conv --input CxHxW ...) [--config SPEC] [-o DIR] [--explain]`:
/// generates the kernel for a pruned layer and writes its PTX and JSON manifest.
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Generate the PTX kernel and manifest for a pruned layer.",
        discussion: """
            SPEC is \(KernelSpec.syntax): the unrolled family's form, or the data-driven one's (see the \
            README). \
            Without --config the untuned default is used (data-driven, parts by row length: within about \
            1.2x of tuned on the paper's layers); --tune measures candidates on the GPU instead. \
            Writes DIR/<kernel>.ptx and DIR/<kernel>.json (grid, block, shared memory, parameter layouts, \
            weights hash, generator version) and, when the kernel reads weight buffers, DIR/<kernel>.bin.
            """)

    @OptionGroup var problemOptions: ProblemOptions

    @Option(help: "Kernel configuration (see discussion).")
    var config: String?

    @Option(name: .shortAndLong, help: "Output folder.")
    var output = "."

    @Flag(help: "Print the plan: rows and nonzeros per block and group (data-driven: parts per row, records, padding), imbalance, registers and shared memory.")
    var explain = false

    @Option(help: "PTX target architecture.")
    var arch = "sm_90"

    @Flag(help: "Assemble the PTX with ptxas (if found) and report registers and spills.")
    var ptxas = false

    @Flag(help: "Verify the kernel against the float64 reference: on the GPU when present, else through the kernel IR.")
    var verify = false

    @Flag(help: "Autotune the configuration on the GPU (as `sparsert tune`, with its cache) instead of the untuned default.")
    var tune = false

    @OptionGroup var tuningOptions: TuningOptions

    @OptionGroup var coldCache: ColdCacheOptions

    func run() throws {
        do {
            let (problem, loaded) = try problemOptions.problem()
            var limits = DeviceLimits.hopper
            var spec = try config.map(KernelCompilation.parseSpec) ?? KernelSpec.untuned(for: problem)
            if coldCache.coldL2 != nil, !tune { throw ValidationError("--cold-l2 times the tuner's candidates: it needs --tune") }
            if tune {
                guard config == nil else { throw ValidationError("--tune and --config exclude each other") }
                let session: GPUSession
                do { session = try GPUSession() } catch {
                    printError("--tune needs a GPU: \(error)")
                    throw ExitCode(3)
                }
                var tuner = Tuner(session: session, cache: TuningCache())
                tuningOptions.configure(&tuner)
                tuner.progress = TuningProgress.reporter(label: problem.description)
                if let cold = try coldCache.apply(to: &tuner, session: session) { printNote("cold caches: \(cold)") }
                let (best, result) = try tuner.tune(problem)
                printNote(String(format: "\ntuned: %@ %.2f us (%@)", best.description, result.bestMicroseconds,
                                 result.fromCache ? "from cache" : "\(result.candidates.count) candidates"))
                spec = best
                limits = session.limits
            }
            if let sm = Int(arch.drop(while: { !$0.isNumber })), sm < spec.minimumArchitecture {
                throw ValidationError("config \(spec) needs sm_\(spec.minimumArchitecture) or newer (cp.async); --arch is \(arch)")
            }
            let kernel = try spec.compile(problem, limits: limits)
            let target = PTXTarget(isaVersion: "8.0", architecture: arch)
            let written = try KernelCompilation.write(kernel, to: output, target: target, weightsSource: loaded.path)
            print("kernel:   \(kernel.name)")
            print("problem:  M=\(problem.m) K=\(problem.k) N=\(problem.n) nnz=\(problem.weights.nonzeroCount)"
                  + (loaded.valuesDrawn ? " (values drawn, seed \(loaded.seed ?? 0))" : ""))
            print("config:   \(kernel.family.rawValue) \(kernel.configDescription)")
            print("launch:   grid \(kernel.grid.x)x\(kernel.grid.y)x\(kernel.grid.z), block \(kernel.threadsPerBlock), dynamic shared \(kernel.sharedMemoryBytes) B"
                  + (kernel.kernel.clusterSize > 1 ? ", clusters of \(kernel.kernel.clusterSize) blocks along x" : ""))
            for file in written { print("wrote:    \(file)") }
            if explain, let plan = kernel.plan { print(PlanExplanation.text(plan)) }
            if explain, case .dataDriven(let config) = spec {
                print(LayoutExplanation.text(try DataDrivenLayout(problem: problem, config: config), config: config, problem: problem))
            }
            if ptxas {
                guard let assembler = Ptxas.locate(packageRoot: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) else {
                    printNote("note: ptxas not found (set SPARSERT_PTXAS or run scripts/install-ptxas.sh)")
                    return
                }
                let report = try assembler.assemble(kernel.ptx(target: target), architecture: arch)
                print("ptxas:    \(report.registers) registers, \(report.spillStoreBytes) B spill stores, \(report.spillLoadBytes) B spill loads, \(report.stackFrameBytes) B stack")
                let occupancy = Occupancy(
                    registers: report.registers, threads: kernel.threadsPerBlock, sharedMemoryBytes: kernel.sharedMemoryBytes,
                    gridBlocks: kernel.grid.x * kernel.grid.y * kernel.grid.z)
                print(String(format: "occupancy: %d blocks per multiprocessor (limited by %@), %.0f%% of warp slots, %.2f waves on an H100",
                             occupancy.blocksPerMultiprocessor, occupancy.limitedBy, occupancy.fraction * 100, occupancy.waves))
            }
            if verify { try verifyKernel(kernel) }
        } catch let error as ValidationError {
            throw error
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError(error)
            throw ExitCode(2)
        }
    }

    func verifyKernel(_ kernel: CompiledKernel) throws {
        let report: VerificationReport
        if let session = try? GPUSession() {
            report = try GPUVerifier.verify(LoadedKernel(kernel, session: session), session: session, seed: 7)
        } else {
            printNote("no GPU: verifying through the kernel IR on the CPU")
            report = try CPUVerifier.verify(kernel, seed: 7, progress: InterpreterProgress.reporter())
        }
        print(String(format: "verify:   %@ on %@: max relative error %.2e, %d unwritten outputs%@ (tolerance %.0e)",
                     report.passed ? "PASS" : "FAIL", report.executor, report.maxRelativeError, report.unwritten,
                     report.paddingWritten > 0 ? ", \(report.paddingWritten) C padding elements written" : "", report.tolerance))
        if !report.passed { throw ExitCode(1) }
    }
}

/// Shared steps of the commands that produce kernels.
enum KernelCompilation {
    static func parseSpec(_ text: String) throws -> KernelSpec {
        guard let spec = KernelSpec(parsing: text) else {
            throw ValidationError("cannot parse config '\(text)': expected \(KernelSpec.syntax)")
        }
        return spec
    }

    /// Writes PTX, manifest and weight buffers into `folder`; returns the paths written.
    static func write(_ kernel: CompiledKernel, to folder: String, target: PTXTarget, weightsSource: String?) throws -> [String] {
        let dir = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ptxURL = dir.appendingPathComponent("\(kernel.name).ptx")
        try kernel.ptx(target: target).write(to: ptxURL, atomically: true, encoding: .utf8)
        var written = [ptxURL.path]
        var manifest = KernelManifest(kernel: kernel, ptxFile: ptxURL.lastPathComponent, target: target, weightsSource: weightsSource)
        if !kernel.weightBuffers.isEmpty {
            let binURL = dir.appendingPathComponent("\(kernel.name).bin")
            var data = Data()
            for buffer in kernel.weightBuffers {
                buffer.withUnsafeBytes { data.append(contentsOf: $0) }
            }
            try data.write(to: binURL)
            manifest.weightBufferFile = binURL.lastPathComponent
            written.append(binURL.path)
        }
        let jsonURL = dir.appendingPathComponent("\(kernel.name).json")
        try reportEncoder().encode(manifest).write(to: jsonURL)
        written.append(jsonURL.path)
        return written
    }
}
