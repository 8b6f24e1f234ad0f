import Foundation

/// Whole-file reads and writes that report failures as ``SparseFormatError`` naming the path.
enum FileIO {
    /// The bytes of the file at `path`; a missing file or a folder throws
    /// ``SparseFormatError/unreadable(path:reason:)``.
    static func readBytes(path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SparseFormatError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw SparseFormatError.unreadable(path: path, reason: "is a directory") }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SparseFormatError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Replaces the file at `path` with `bytes` (written atomically).
    static func write(_ bytes: [UInt8], path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SparseFormatError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
