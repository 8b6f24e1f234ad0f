/// The weight-file formats sparsert reads, named by file extension.
public enum WeightFormat: String, Sendable, Codable, CaseIterable {
    case smtx, npy, mtx, safetensors

    /// The format a path's extension names (case-insensitive), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }
}

/// A weight matrix loaded from a file, with what a report needs to say about where it came from.
public struct LoadedWeights: Sendable, Equatable {
    /// A convolution filter's shape as stored: out channels, in channels, kernel height, kernel width.
    public struct FilterShape: Sendable, Equatable, Codable {
        public let outChannels: Int
        public let inChannels: Int
        public let kernelHeight: Int
        public let kernelWidth: Int

        public init(outChannels: Int, inChannels: Int, kernelHeight: Int, kernelWidth: Int) {
            (self.outChannels, self.inChannels) = (outChannels, inChannels)
            (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        }
    }

    /// The path the weights were read from.
    public let path: String
    /// The M x K matrix; a 4-D filter is flattened to OC x (IC * KH * KW), column `ic*KH*KW + kh*KW + kw`.
    public let matrix: CSRMatrix
    public let format: WeightFormat
    /// True when the file holds only a pattern and the values were drawn from N(0, 1).
    public let valuesDrawn: Bool
    /// The seed the values were drawn with; nil when the file held its own values.
    public let seed: UInt64?
    /// The OIHW shape when the file held a 4-D filter, else nil.
    public let filterShape: FilterShape?

    public init(
        path: String, matrix: CSRMatrix, format: WeightFormat, valuesDrawn: Bool, seed: UInt64?, filterShape: FilterShape?
    ) {
        self.path = path
        self.matrix = matrix
        self.format = format
        self.valuesDrawn = valuesDrawn
        self.seed = seed
        self.filterShape = filterShape
    }
}

/// Loads and saves weight matrices, choosing the format from the file extension.
public enum WeightFile {
    /// The seed tools use for pattern-only files when the user gives none.
    public static let defaultSeed: UInt64 = 0

    /// Loads `path` as `.smtx`, `.npy`, `.mtx` or `.safetensors`. `seed` draws the values of pattern-only
    /// files; `tensor` picks a safetensors tensor (optional when the file holds one).
    public static func load(path: String, seed: UInt64 = defaultSeed, tensor: String? = nil) throws -> LoadedWeights {
        let format = try format(of: path)
        func filter(_ shape: [Int]) -> LoadedWeights.FilterShape? {
            shape.count == 4
                ? .init(outChannels: shape[0], inChannels: shape[1], kernelHeight: shape[2], kernelWidth: shape[3]) : nil
        }
        switch format {
        case .smtx:
            return LoadedWeights(
                path: path, matrix: try SMTX.read(path: path, seed: seed), format: format, valuesDrawn: true, seed: seed,
                filterShape: nil)
        case .npy:
            let (matrix, shape) = try NPY.readWithShape(path: path)
            return LoadedWeights(
                path: path, matrix: matrix, format: format, valuesDrawn: false, seed: nil, filterShape: filter(shape))
        case .mtx:
            let (matrix, field) = try MatrixMarket.readWithField(path: path, seed: seed)
            let drawn = field == .pattern
            return LoadedWeights(
                path: path, matrix: matrix, format: format, valuesDrawn: drawn, seed: drawn ? seed : nil, filterShape: nil)
        case .safetensors:
            let (matrix, shape, _) = try Safetensors.readWithShape(path: path, tensor: tensor)
            return LoadedWeights(
                path: path, matrix: matrix, format: format, valuesDrawn: false, seed: nil, filterShape: filter(shape))
        }
    }

    /// Saves `matrix` as `.smtx` (pattern only), `.npy` (dense float32) or `.mtx` (real coordinate).
    public static func write(_ matrix: CSRMatrix, to path: String) throws {
        switch try format(of: path) {
        case .smtx: try SMTX.write(matrix, to: path)
        case .npy: try NPY.write(matrix, to: path)
        case .mtx: try MatrixMarket.write(matrix, to: path)
        case .safetensors:
            throw SparseFormatError.unsupported(path: path, problem: "writing .safetensors; use .smtx, .npy or .mtx")
        }
    }

    /// The format of `path`, or ``SparseFormatError/unsupported(path:problem:)`` naming the known extensions.
    public static func format(of path: String) throws -> WeightFormat {
        guard let format = WeightFormat(path: path) else {
            throw SparseFormatError.unsupported(
                path: path, problem: "unknown file extension; expected .smtx, .npy, .mtx or .safetensors")
        }
        return format
    }
}
