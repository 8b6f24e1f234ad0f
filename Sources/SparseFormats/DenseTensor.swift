/// A dense tensor of `Float` values in C (row-major) order, as read from a `.npy` or `.safetensors` file.
///
/// Weight readers turn a 2-D tensor (M, K) into an M x K ``CSRMatrix`` and a 4-D convolution filter in
/// OIHW layout (out channels, in channels, kernel height, kernel width) into an OC x (IC * KH * KW) matrix
/// whose column for (ic, kh, kw) is `ic * KH * KW + kh * KW + kw` (PyTorch's `weight.reshape(OC, -1)`).
public struct DenseTensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// `shape.reduce(1, *)` values, the last dimension varying fastest.
    public let values: [Float]

    /// Pairs a shape with its values; traps when the counts disagree.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// The tensor as a sparse matrix (nonzeros only): 2-D as is, 4-D OIHW flattened to OC x (IC * KH * KW).
    /// Other ranks throw ``SparseFormatError/unsupported(path:problem:)``; `path` and `location` only label it.
    public func sparseMatrix(path: String, location: String) throws -> CSRMatrix {
        let rows: Int
        let columns: Int
        switch shape.count {
        case 2: (rows, columns) = (shape[0], shape[1])
        case 4: (rows, columns) = (shape[0], shape[1] * shape[2] * shape[3])
        default:
            throw SparseFormatError.unsupported(
                path: path,
                problem: "\(location): rank-\(shape.count) shape \(DenseTensor.describe(shape)); "
                    + "expected a 2-D (M, K) matrix or a 4-D OIHW filter")
        }
        do {
            return try CSRMatrix(rows: rows, columns: columns, denseRowMajor: values)
        } catch let error as SparseFormatError {
            throw SparseFormatError.unsupported(path: path, problem: "\(location): \(error)")
        }
    }

    /// A shape as Python writes a tuple: `(64, 32)`, `(5,)`, `()`.
    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
