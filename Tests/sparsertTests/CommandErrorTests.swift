import ArgumentParser
import Foundation
import SparseRT
import SparseRTTestSupport
import Testing

@testable import sparsert

/// The CLI's contract for bad input: one error line and a non-zero exit, never a crash.
@Suite("Command-line errors")
struct CommandErrorTests {
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    static func file(_ name: String, _ contents: String) -> String {
        let url = directory.appendingPathComponent(name)
        try! contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Runs `arguments` as the root command and returns the exit code it ends with (0 when it returns).
    static func exitCode(_ arguments: [String]) -> Int32 {
        do {
            var command = try SparsertCommand.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            return SparsertCommand.exitCode(for: error).rawValue
        }
    }

    static let good = file("good.smtx", "2, 3, 2\n0 1 2\n2 0\n")

    @Test("bad inputs exit non-zero", arguments: [
        ["inspect", "/nonexistent/file.smtx"],
        ["inspect", file("truncated.smtx", "3, 3, 2\n0 1\n")],
        ["inspect", file("garbage.npy", "not a numpy file at all")],
        ["compile", file("range.smtx", "2, 3, 2\n0 1 2\n2 7\n"), "--n", "4"],
        ["compile", good, "--n", "0"],
        ["compile", good, "--n", "4", "--config", "not,a,config"],
        ["compile", good, "--n", "4", "--config", "3,1,1"],
        ["compile", good, "--conv", "--input", "2x5"],
        ["compile", good, "--conv", "--input", "1x4x4"],  // K = 3, C = 1: kernel size unknown
        ["compile", good, "--n", "4", "--ldb", "3"],
        ["compile", good, "--n", "4", "--row-align", "6"],
        ["compile", good, "--n", "4", "--row-align", "16", "--ldb", "8"],
        ["compile", good, "--n", "5", "--ldb", "6", "--config", "dd:w8,v4,r2"],  // 16-byte vectors on rows of 6
        ["compile", good, "--conv", "--input", "3x4x4", "--kernel", "1", "--ldb", "20"],
        ["verify", "--row-align", "0", "--cpu"],
        ["bench", "--narrow-instances=-1"],
        ["verify", "--data", "/nonexistent"],
        ["prune", good, "--sparsity", "1.5", "-o", directory.appendingPathComponent("out.smtx").path],
        ["compare", good],  // no --n
        ["compare", "/nonexistent/file.smtx", "--n", "4"],
        ["compare", good, "--n", "4", "--relu"],  // the baselines compute the product alone
        ["compare", good, "--n", "4", "--relu6"],
        ["compile", good, "--n", "4", "--relu6", "--cap", "3"],
        ["compile", good, "--n", "4", "--cap", "inf"],
        ["compare", good, "--n", "4", "--bias", file("bias.npy", "not read")],
        ["compare", good, "--n", "4", "--row-align", "6"],
        ["compare", good, "--n", "4", "--config", "3,1,1"],  // M_blocks 3 > M = 2, refused before any GPU work
        ["compare", good, "--n", "4", "--config", "not,a,config"],
        ["compare", good, "--n", "4", "--cold-l2", "0"],
        ["bench", "--cold-l2", "-1"],
        ["tune", good, "--n", "4", "--cold-l2", "0"],
        ["compile", good, "--n", "4", "--cold-l2", "2"],  // without --tune nothing is timed
        ["compile", good, "--n", "1", "--config", "dd:w1,r2,k2,p0,f1,n2"],  // half weights, but they are not halves
        ["compile", file("large.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n2 1 70000\n"), "--n", "1", "--weight-precision", "fp16"],
        ["compile", good, "--n", "1", "--weight-precision", "fp8"],
    ])
    func rejects(arguments: [String]) {
        #expect(Self.exitCode(arguments) != 0)
    }

    @Test("tune --candidates parses lists and files, and names a bad spec")
    func candidates() throws {
        let list = try TuneCommand.parse([Self.good, "--n", "4", "--candidates", "2,1,1; dd:w8,r2,h8\n# note\n"])
        #expect(try list.explicitCandidates()?.map(\.description) == ["2,1,1", "dd:w8,v1,c1,r2,k1,u2,h8"])
        let path = Self.file("specs.txt", "dd:w32,v1,c2,r1,k4,u4,p0\n")
        #expect(try TuneCommand.parse([Self.good, "--n", "4", "--candidates", "@" + path]).explicitCandidates()?.count == 1)
        for bad in ["dd:w8", "7,x", "@/nonexistent/specs.txt", " ; "] {
            let command = try TuneCommand.parse([Self.good, "--n", "4", "--candidates", bad])
            #expect(throws: ValidationError.self, "\(bad)") { _ = try command.explicitCandidates() }
        }
        #expect(Self.exitCode(["tune", Self.good, "--n", "4", "--candidates", "dd:w8"]) != 0)
    }

    @Test("tune --list prints the candidates without a GPU, and still rejects bad input")
    func list() {
        #expect(Self.exitCode(["tune", Self.good, "--n", "4", "--list"]) == 0)
        #expect(Self.exitCode(["tune", Self.good, "--n", "4", "--list", "--candidates", "2,1,1"]) == 0)
        #expect(Self.exitCode(["tune", "/nonexistent/file.smtx", "--n", "4", "--list"]) != 0)
        #expect(Self.exitCode(["tune", Self.good, "--n", "4", "--list", "--refine-register-caps", "2"]) == 0)
    }

    @Test("bench refuses a selection of no problem or a malformed one before looking for a GPU", arguments: [
        ["--suite", "large-decode", "--problems", "9"],
        ["--suite", "large-decode", "--sparsity", "0.8"],
        ["--suite", "large-decode", "--problems", "1,x"],
        ["--suite", "large-decode", "--problems", ","],
    ])
    func emptySelection(arguments: [String]) {
        // Exit 2 or 64 (bad input), not 3 (no GPU): the selection is checked first.
        #expect([2, 64].contains(Self.exitCode(["bench"] + arguments)))
    }

    @Test("a negative further tuning pass is rejected by tune, compile and bench", arguments: ["tune", "compile", "bench"])
    func negativeRefinement(command: String) {
        let arguments = command == "bench" ? ["bench"] : [command, Self.good, "--n", "4"]
        #expect(Self.exitCode(arguments + ["--refine-register-caps=-1"]) == 64)
        #expect(Self.exitCode(arguments + ["--refine-row-order=-2"]) == 64)
    }

    @Test("verify runs the suite's synthetic problems from a folder without ResNet-50's batch sizes (the repository's data), also with weights rounded to halves")
    func verifyWithoutBatchSizes() {
        let bundled = SharedData.packageRoot.appendingPathComponent("data").path
        #expect(Self.exitCode(["verify", "--cpu", "--data", bundled, "--filter", "synthetic/all_zero"]) == 0)
        // Weights rounded to halves: at N = 1 the suite's fanned kernels hold them packed (n2).
        #expect(Self.exitCode(["verify", "--cpu", "--data", bundled, "--filter", "synthetic/random_45x70_n1", "--weight-precision", "fp16"]) == 0)
        let command = try? VerifyCommand.parse(["--weight-precision", "fp16", "--row-align", "128"])
        #expect(command?.operands.weightPrecision == .fp16 && command?.operands.rowAlign == 128)
    }

    @Test("weights that are all halves, as an fp16 model's, list packed-half kernels at N = 1 without --weight-precision")
    func halvesAsRead() throws {
        func candidates(_ values: [String]) throws -> (halves: Bool, formats: Set<String>) {
            let entries = values.enumerated().map { "\($0.offset + 1) \(7 * $0.offset + 1) \($0.element)" }
            let path = Self.file("halves-\(values.count)-\(values[0]).mtx",
                "%%MatrixMarket matrix coordinate real general\n\(values.count) 64 \(values.count)\n" + entries.joined(separator: "\n") + "\n")
            let (problem, _) = try TuneCommand.parse([path, "--n", "1"]).problemOptions.problem()
            let formats = KernelSpec.candidates(for: problem).compactMap { spec -> String? in
                guard case .dataDriven(let config) = spec, config.narrowIndices else { return nil }
                return "n\(config.entryFormat.rawValue)"
            }
            return (problem.weightsAreHalves, Set(formats))
        }
        #expect(try candidates(["1.5", "-0.25", "3", "0.125", "-2048"]) == (true, ["n2"]))
        #expect(try candidates(["1.5", "-0.25", "3", "0.1", "-2048"]) == (false, ["n1"]))  // 0.1 is no half
    }

    @Test("a good file compiles and verifies through the IR")
    func accepts() {
        let out = Self.directory.appendingPathComponent("kernel").path
        #expect(Self.exitCode(["compile", Self.good, "--n", "5", "-o", out, "--verify", "--config", "2,1,1"]) == 0)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: out).count) == 2)
        // Rows padded to 16 bytes: 16-byte vectors at N = 5, checked with the padding poisoned.
        let padded = Self.directory.appendingPathComponent("padded").path
        #expect(Self.exitCode(["compile", Self.good, "--n", "5", "--row-align", "16", "-o", padded, "--verify", "--config", "dd:w2,v4,r2"]) == 0)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: padded))?.contains { $0.contains("_n5_ldb8_ldc8_") } == true)
        // Weights rounded to halves, packed beside their columns.
        let halves = Self.directory.appendingPathComponent("halves").path
        #expect(Self.exitCode(["compile", Self.good, "--n", "1", "--weight-precision", "fp16", "-o", halves, "--verify", "--config", "dd:w1,r2,k2,p0,f1,n2"]) == 0)
        #expect(BenchCommand.stem(suite: "large-decode", batch: 1, selection: "tuned", rowAlign: nil, precision: .fp16, weightPrecision: .fp16)
            == "large-decode-b1-fp16-wfp16")
    }
}

@Suite("Fused bias and ReLU from the command line")
struct EpilogueCommandTests {
    static func bias(_ values: [Float]) throws -> String {
        let path = CommandErrorTests.directory.appendingPathComponent("bias-\(values.count)-\(UUID().uuidString).npy").path
        try NPY.writeDense(DenseTensor(shape: [values.count], values: values), to: path)
        return path
    }

    @Test("a bias of M values with ReLU compiles and verifies through the IR, for both families", arguments: ["2,1,1", "dd:w2,v1,r2,k2"])
    func compiles(config: String) throws {
        let out = CommandErrorTests.directory.appendingPathComponent("epilogue-\(UUID().uuidString)").path
        let arguments = ["compile", CommandErrorTests.good, "--n", "5", "--bias", try Self.bias([0.5, -2]), "--relu",
                         "--verify", "--config", config, "-o", out]
        #expect(CommandErrorTests.exitCode(arguments) == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.contains { $0.contains("_bias_relu_") && $0.hasSuffix(".json") })
    }

    @Test("a bias of the wrong length, a missing bias file or a bad one exit 64 or 2")
    func refuses() throws {
        let base = ["compile", CommandErrorTests.good, "--n", "5", "-o", CommandErrorTests.directory.path]
        #expect(CommandErrorTests.exitCode(base + ["--bias", try Self.bias([1, 2, 3])]) == 64)
        #expect(CommandErrorTests.exitCode(base + ["--bias", try Self.bias([1, .infinity])]) == 64)
        #expect(CommandErrorTests.exitCode(base + ["--bias", "/nonexistent/bias.npy"]) != 0)
        #expect(CommandErrorTests.exitCode(base + ["--bias", CommandErrorTests.good]) != 0)
    }
}
