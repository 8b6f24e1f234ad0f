/// Why a sparse weight file or matrix was rejected.
///
/// Every case carries enough context to form one line that names the input, what is wrong and where.
public enum SparseFormatError: Error, Equatable, CustomStringConvertible {
    /// The CSR arrays are inconsistent; the message names the first violation.
    case invalidStructure(String)
    /// A file could not be parsed. `location` is a line ("line 2") or byte offset ("byte 80").
    case malformedFile(path: String, location: String, problem: String)
    /// A file could not be read at all.
    case unreadable(path: String, reason: String)
    /// A file could not be written (missing folder, permissions, full disk).
    case unwritable(path: String, reason: String)
    /// The file is well formed but holds something sparsert does not support (dtype, rank, field).
    case unsupported(path: String, problem: String)

    public var description: String {
        switch self {
        case .invalidStructure(let problem):
            return "invalid sparse matrix: \(problem)"
        case .malformedFile(let path, let location, let problem):
            return "\(path): \(location): \(problem)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .unsupported(let path, let problem):
            return "\(path): unsupported: \(problem)"
        }
    }
}
