import Foundation
import SparseFormats
import Testing

/// A fresh folder under the system temporary directory, removed by ``remove()``.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sparseformats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the folder.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes UTF-8 `text` to `name` and returns its path.
    @discardableResult
    func write(text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Which ``SparseFormatError`` case a bad input must produce.
enum ErrorKind: String, Sendable {
    case malformed, unsupported, unreadable, invalidStructure
}

/// A bad file and the error it must raise: `location` is the exact location of a `.malformedFile`, or a
/// fragment of the problem text for `.unsupported`.
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let kind: ErrorKind
    let location: String

    init(_ name: String, _ bytes: [UInt8], _ kind: ErrorKind, at location: String) {
        self.name = name
        self.bytes = bytes
        self.kind = kind
        self.location = location
    }

    init(_ name: String, text: String, _ kind: ErrorKind, at location: String) {
        self.init(name, Array(text.utf8), kind, at: location)
    }

    var testDescription: String { name }
}

/// Runs `body`, which must throw a ``SparseFormatError`` of `kind` naming `path` and `location`.
func expectFailure(
    _ kind: ErrorKind, path: String, location: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: SparseFormatError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    switch (kind, error) {
    case (.malformed, .malformedFile(let p, let l, _)):
        #expect(p == path, sourceLocation: sourceLocation)
        #expect(l == location, "\(error)", sourceLocation: sourceLocation)
    case (.unsupported, .unsupported(let p, let problem)):
        #expect(p == path, sourceLocation: sourceLocation)
        #expect(problem.contains(location), "\(error)", sourceLocation: sourceLocation)
    case (.unreadable, .unreadable(let p, _)):
        #expect(p == path, sourceLocation: sourceLocation)
    case (.invalidStructure, .invalidStructure):
        break
    default:
        Issue.record("expected a \(kind) error at \(location), got: \(error)", sourceLocation: sourceLocation)
    }
    #expect(!error.description.contains("\n"), "the error must be one line", sourceLocation: sourceLocation)
}

/// Bit patterns of `values`, so NaN and signed zeros compare exactly.
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// Little-endian bytes of float32 values.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
}

/// A small CSR matrix from dense rows (zeros dropped).
func matrix(_ rows: [[Float]]) throws -> CSRMatrix {
    try CSRMatrix(rows: rows.count, columns: rows.first?.count ?? 0, denseRowMajor: rows.flatMap { $0 })
}
