import Foundation
import SparseRTTestSupport
import Testing

@testable import sparsert

/// What `examples/torch_spmm.py` reads from a manifest, `compile` writes: a renamed key would break it on a GPU
/// host only, so the keys are checked here.
@Suite("Manifest contract with the PyTorch example")
struct ManifestContractTests {
    /// `manifest["key"]`, `manifest.get("key")` and `problem["key"]` in the example's source.
    static func keysRead(by source: String, from object: String) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: object + #"(?:\["(\w+)"\]|\.get\("(\w+)"\))"#)
        let range = NSRange(source.startIndex..., in: source)
        return Set(pattern.matches(in: source, range: range).compactMap { match in
            (1...2).compactMap { Range(match.range(at: $0), in: source).map { String(source[$0]) } }.first
        })
    }

    @Test("every manifest key the example reads is written, for both families", arguments: ["2,1,1", "dd:w4,v1,r2,k2"])
    func keys(config: String) throws {
        let source = try String(contentsOf: SharedData.packageRoot.appendingPathComponent("examples/torch_spmm.py"), encoding: .utf8)
        let manifestKeys = try Self.keysRead(by: source, from: #"manifest"#)
        let problemKeys = try Self.keysRead(by: source, from: #"problem"#)
        #expect(manifestKeys.isSuperset(of: ["kernelName", "ptxFile", "grid", "block", "dynamicSharedMemoryBytes", "problem"]))
        #expect(problemKeys.isSuperset(of: ["kind", "m", "k", "n", "bRowStride", "cRowStride"]))

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-manifest-\(UUID().uuidString)")
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString).smtx")
        try "4, 6, 5\n0 2 3 3 5\n0 5 2 1 4\n".write(to: weights, atomically: true, encoding: .utf8)
        var command = try SparsertCommand.parseAsRoot(["compile", weights.path, "--n", "8", "--row-align", "64", "--config", config, "-o", out.path])
        try command.run()
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: out.path).first { $0.hasSuffix(".json") })
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(file))) as? [String: Any])
        let problem = try #require(manifest["problem"] as? [String: Any])
        // Keys read with .get may be absent (no weight buffers for unrolled kernels); the others must be there.
        let optional: Set<String> = ["weightBufferFile"]
        for key in manifestKeys.subtracting(optional) { #expect(manifest[key] != nil, "manifest lacks \(key)") }
        for key in problemKeys.subtracting(["epilogue"]) { #expect(problem[key] != nil, "problem lacks \(key)") }
        if config.hasPrefix("dd:") {
            #expect(manifest["weightBufferFile"] is String && manifest["weightBufferWords"] is [Int])
        }
        #expect(problem["kind"] as? String == "spmm" && problem["bRowStride"] as? Int == 16)
    }
}
