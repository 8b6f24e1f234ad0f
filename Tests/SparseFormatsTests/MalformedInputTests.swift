import Foundation
import SparseFormats
import Testing

/// The readers' contract on any input: a ``SparseFormatError`` or a well-formed result, never a crash (an
/// out-of-range index or an arithmetic overflow would trap and take the test process with it). Each format
/// starts from a valid file and reads every truncation of it, seeded random byte edits, and each of its
/// numbers replaced by extreme ones.
@Suite("Malformed input")
struct MalformedInputTests {
    /// A reader under test: parses bytes and checks what it returned.
    struct Reader: Sendable, CustomTestStringConvertible {
        let name: String
        let valid: [UInt8]
        /// Parses `bytes`; returns a description of the inconsistency in what it read, or nil.
        let read: @Sendable ([UInt8]) throws -> String?
        var testDescription: String { name }
    }

    /// Checks a dense tensor's values against its shape, and its sparse form.
    static func check(_ tensor: DenseTensor) throws -> String? {
        let count = tensor.shape.reduce(1, *)
        guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.values.count == count else {
            return "shape \(tensor.shape) with \(tensor.values.count) values"
        }
        guard tensor.shape.count >= 2 else { return nil }
        return check(try tensor.sparseMatrix(path: "mutant", location: "data"))
    }

    /// Checks a CSR matrix's structure.
    static func check(_ matrix: CSRMatrix) -> String? {
        let offsets = matrix.rowOffsets
        guard offsets.count == matrix.rows + 1, offsets.first == 0, Int(offsets.last!) == matrix.nonzeroCount,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
              matrix.columnIndices.allSatisfy({ $0 >= 0 && Int($0) < matrix.columns }),
              matrix.values.count == matrix.nonzeroCount
        else { return "inconsistent CSR \(matrix.rows) x \(matrix.columns), nnz \(matrix.nonzeroCount)" }
        return nil
    }

    static let readers: [Reader] = [
        Reader(
            name: "smtx",
            valid: SMTX.encode(rows: 3, columns: 4, rowOffsets: [0, 2, 3, 5], columnIndices: [0, 3, 1, 0, 2])
        ) { bytes in
            check(try SMTX.parsePattern(bytes, path: "mutant.smtx").matrix(seed: 1))
        },
        Reader(
            name: "npy",
            valid: NPY.encode(DenseTensor(shape: [3, 4], values: [1, 0, 0, 2, 0, -3, 0, 0, 4.5, 0, 5, 0]))
        ) { bytes in
            try check(NPY.parseDense(bytes, path: "mutant.npy"))
        },
        Reader(
            name: "mtx",
            valid: Array("""
                %%MatrixMarket matrix coordinate real general
                % a comment
                3 4 5
                1 1 1.5
                1 4 -2
                2 2 3e-1
                3 1 4
                3 3 5.25

                """.utf8)
        ) { bytes in
            check(try MatrixMarket.parse(bytes, path: "mutant.mtx", seed: 1).matrix)
        },
        Reader(
            name: "safetensors",
            valid: safetensorsBytes([
                RawTensor(name: "weight", dtype: "F32", shape: [2, 3], data: float32Bytes([1, 0, -2.5, 0, 0.5, 3])),
                RawTensor(name: "bias", dtype: "F16", shape: [2], data: [0x00, 0x3C, 0x00, 0xC0]),
            ])
        ) { bytes in
            try check(Safetensors.parseDense(bytes, path: "mutant.safetensors", tensor: "weight").tensor)
        },
    ]

    /// Reads `bytes`, which must give an error of the format's own or a consistent result; returns whether
    /// it read.
    @discardableResult
    static func expectSafe(_ reader: Reader, _ bytes: [UInt8], _ what: String) -> Bool {
        do {
            if let problem = try reader.read(bytes) { Issue.record("\(reader.name), \(what): read \(problem)") }
            return true
        } catch is SparseFormatError {
        } catch {
            Issue.record("\(reader.name), \(what): \(type(of: error)) instead of a SparseFormatError: \(error)")
        }
        return false
    }

    @Test("the valid files read", arguments: readers)
    func valid(reader: Reader) throws {
        #expect(try reader.read(reader.valid) == nil)
    }

    @Test("every truncation is an error or a consistent result", arguments: readers)
    func truncations(reader: Reader) {
        for length in 0..<reader.valid.count {
            Self.expectSafe(reader, Array(reader.valid.prefix(length)), "first \(length) bytes")
        }
    }

    @Test("seeded random byte edits are errors or consistent results", arguments: readers)
    func byteEdits(reader: Reader) {
        var random = SeededNormal(seed: 2020)
        let special = Array("\0\u{7F}-+9e.\n ,[]{}\":%".utf8) + [0xFF, 0x80]
        var read = 0
        let trials = 2000
        for trial in 0..<trials {
            var bytes = reader.valid
            for _ in 0...random.nextInt(below: 3) {
                let i = random.nextInt(below: bytes.count)
                bytes[i] = random.nextInt(below: 2) == 0 ? special[random.nextInt(below: special.count)] : UInt8(random.nextInt(below: 256))
            }
            if Self.expectSafe(reader, bytes, "edit \(trial)") { read += 1 }
        }
        // The edits reach both outcomes: some land in values or padding and still read, most break the file.
        #expect(read > 0 && read < trials, "\(read) of \(trials) edits read")
    }

    @Test("each number replaced by an extreme one is an error or a consistent result", arguments: readers)
    func extremeNumbers(reader: Reader) {
        let bytes = reader.valid
        var runs: [Range<Int>] = []
        var start: Int?
        for (i, byte) in bytes.enumerated() {
            let digit = byte >= 0x30 && byte <= 0x39
            if digit, start == nil { start = i }
            if !digit, let s = start { runs.append(s..<i); start = nil }
        }
        if let s = start { runs.append(s..<bytes.count) }
        let replacements = ["0", "-1", "2147483648", "4294967296", "9223372036854775808", "99999999999999999999999"]
        for run in runs {
            for replacement in replacements {
                var mutant = bytes
                mutant.replaceSubrange(run, with: Array(replacement.utf8))
                Self.expectSafe(reader, mutant, "bytes \(run) as \(replacement)")
            }
        }
    }
}
