import SparseFormats
import Testing

@Suite("Weight files")
struct WeightFileTests {
    @Test("the extension picks the format", arguments: [
        ("a/b.smtx", WeightFormat.smtx), ("x.NPY", .npy), ("m.mtx", .mtx), ("w.safetensors", .safetensors),
    ])
    func formats(path: String, format: WeightFormat) throws {
        #expect(try WeightFile.format(of: path) == format)
    }

    @Test("unknown extensions and missing files are reported", arguments: ["w.bin", "noextension", "dir.v2/file"])
    func unknown(path: String) {
        expectFailure(.unsupported, path: path, location: "unknown file extension") { _ = try WeightFile.load(path: path) }
    }

    @Test("a missing file is unreadable")
    func missing() {
        expectFailure(.unreadable, path: "/nonexistent/w.npy", location: "") { _ = try WeightFile.load(path: "/nonexistent/w.npy") }
    }

    @Test("write and load .smtx (values drawn) and .npy (values kept)")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let m = try matrix([[0, 1, 0, -2], [3, 0, 0, 0]])
        try WeightFile.write(m, to: folder.path("m.smtx"))
        try WeightFile.write(m, to: folder.path("m.npy"))
        let smtx = try WeightFile.load(path: folder.path("m.smtx"), seed: 4)
        #expect(smtx.format == .smtx && smtx.valuesDrawn && smtx.seed == 4)
        #expect(smtx.matrix == (try SMTX.readPattern(path: folder.path("m.smtx")).matrix(seed: 4)))
        #expect(smtx.matrix.columnIndices == m.columnIndices && smtx.matrix.rowOffsets == m.rowOffsets)
        let npy = try WeightFile.load(path: folder.path("m.npy"), seed: 4)
        #expect(npy.format == .npy && !npy.valuesDrawn && npy.seed == nil && npy.matrix == m)
        expectFailure(.unsupported, path: folder.path("m.safetensors"), location: "writing") {
            try WeightFile.write(m, to: folder.path("m.safetensors"))
        }
    }

    @Test("writing into a missing folder is reported")
    func unwritable() throws {
        let m = try matrix([[1]])
        let error = #expect(throws: SparseFormatError.self) { try WeightFile.write(m, to: "/nonexistent/dir/m.npy") }
        if case .unwritable(let path, _) = error {
            #expect(path == "/nonexistent/dir/m.npy")
        } else {
            Issue.record("expected unwritable, got \(String(describing: error))")
        }
    }
}
