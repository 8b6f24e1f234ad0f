import ArgumentParser
import CUDADriver
import Foundation
import SparseRTRuntime

/// `sparsert selftest [--broken-ptx] [--json]`: runs a small kernel on GPU 0 through the whole driver path and
/// checks it against the CPU. Prints PASS (exit 0) or FAIL (exit 1); "no GPU: ..." with exit 3 when there is no
/// usable GPU.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check the GPU path end to end: JIT a small PTX kernel, run it, compare with the CPU, time it.",
        discussion: "Exits 0 on PASS, 1 on FAIL, 3 when no CUDA driver or device is found.")

    @Flag(name: .customLong("broken-ptx"), help: "Also load deliberately broken PTX and show the JIT's error text.")
    var brokenPTX = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let report: SelfTestReport
        var brokenMessage: String?
        do {
            report = try SelfTest.run()
            if brokenPTX { brokenMessage = try SelfTest.brokenModuleMessage() }
        } catch let error as CUDAError where error.meansNoGPU {
            print("no GPU: \(error)")
            throw ExitCode(3)
        } catch {
            print("FAIL: \(error)")
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.summary)
        }
        if let brokenMessage {
            print("\nbroken PTX (an unknown instruction), as the driver reports it:")
            print(brokenMessage)
        }
        if !report.passed { throw ExitCode.failure }
    }
}
