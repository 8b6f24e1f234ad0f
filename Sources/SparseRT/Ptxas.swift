import Foundation

/// Runs NVIDIA's `ptxas` on generated PTX, offline (no GPU), and reads its resource report.
///
/// CI uses it to prove every generated kernel assembles for the target without spills; `sparsert compile`
/// uses it when present to show registers and spills next to the PTX.
public struct Ptxas: Sendable {
    /// The `ptxas` executable.
    public let executable: URL

    /// What `ptxas -v` reported for one entry.
    public struct Report: Sendable, Codable, Equatable {
        public var registers: Int
        public var spillStoreBytes: Int
        public var spillLoadBytes: Int
        public var stackFrameBytes: Int
        /// Static shared memory (dynamic shared memory is not counted by ptxas).
        public var sharedMemoryBytes: Int
        /// The raw `ptxas info` lines.
        public var log: String
    }

    /// ptxas failed; `log` holds its messages.
    public struct Failure: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "ptxas rejected the PTX:\n\(log)" }
    }

    public init(executable: URL) { self.executable = executable }

    /// Finds ptxas: `$SPARSERT_PTXAS`, then the copy `scripts/install-ptxas.sh` puts under `.tools/` of
    /// `packageRoot`, then `$PATH` and `/usr/local/cuda/bin`. Nil when none exists.
    public static func locate(packageRoot: URL? = nil) -> Ptxas? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["SPARSERT_PTXAS"] { candidates.append(env) }
        if let root = packageRoot {
            candidates.append(root.appendingPathComponent(".tools/cuda-nvcc/nvidia/cu13/bin/ptxas").path)
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/ptxas")
        }
        candidates.append("/usr/local/cuda/bin/ptxas")
        for path in candidates where fm.isExecutableFile(atPath: path) {
            return Ptxas(executable: URL(fileURLWithPath: path))
        }
        return nil
    }

    /// Assembles `ptx` for `architecture` (e.g. `sm_90`) with `-v` and parses the report.
    public func assemble(_ ptx: String, architecture: String = "sm_90") throws -> Report {
        try compile(ptx, architecture: architecture).report
    }

    /// Assembles `ptx` into a cubin for `architecture`; returns the cubin's bytes and the `-v` report.
    /// Separate processes assemble in parallel, which the driver's in-process JIT does not.
    public func compile(_ ptx: String, architecture: String = "sm_90") throws -> (cubin: [UInt8], report: Report) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-ptxas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("kernel.ptx")
        try ptx.write(to: input, atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-arch=\(architecture)", "-v", input.path, "-o", dir.appendingPathComponent("kernel.cubin").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let log = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(log: log) }
        let cubin = try [UInt8](Data(contentsOf: dir.appendingPathComponent("kernel.cubin")))
        return (cubin, Self.parse(log))
    }

    /// Reads registers, spills, stack frame and shared memory from a `ptxas -v` log.
    static func parse(_ log: String) -> Report {
        func number(before suffix: String, in line: Substring) -> Int? {
            guard let range = line.range(of: suffix) else { return nil }
            let head = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            return Int(head.split(separator: " ").last ?? "")
        }
        var report = Report(registers: 0, spillStoreBytes: 0, spillLoadBytes: 0, stackFrameBytes: 0,
                            sharedMemoryBytes: 0, log: log)
        for line in log.split(separator: "\n") {
            if let v = number(before: " registers", in: line) { report.registers = max(report.registers, v) }
            if let v = number(before: " bytes spill stores", in: line) { report.spillStoreBytes += v }
            if let v = number(before: " bytes spill loads", in: line) { report.spillLoadBytes += v }
            if let v = number(before: " bytes stack frame", in: line) { report.stackFrameBytes += v }
            if let v = number(before: " bytes smem", in: line) { report.sharedMemoryBytes += v }
        }
        return report
    }
}
