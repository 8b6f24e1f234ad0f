import Float16Bits
import SparseFormats
import SparseReference

/// C = A x B with A sparse M x K (known when the kernel is generated) and B dense K x N.
///
/// For a matrix product B and C are row-major (a batch of inputs folds into N), each row `bRowStride`
/// or `cRowStride` elements after the previous one (cuBLAS's leading dimensions; N unless padded). For a
/// convolution B is the virtual im2col matrix of an NCHW input and C is the NCHW output; see
/// ``DenseOperand``.
public struct SpMMProblem: Sendable {
    /// The sparse weights A.
    public let weights: CSRMatrix
    /// How B is read and C is written.
    public let operand: DenseOperand
    /// Elements from one row of B to the next (matrix products; at least N). Padding rows to a multiple
    /// of 4 lets kernels read B in 16-byte vectors at any N, and to 32 (128 bytes) starts every row on a
    /// cache line: at N = 49 a row's 196 bytes then span two lines, not up to three.
    public let bRowStride: Int
    /// Elements from one row of C to the next (matrix products; at least N). Kernels never write the
    /// padding between N and the stride.
    public let cRowStride: Int
    /// Bias and activation fused into the store (``withEpilogue(_:)``); none by default.
    public private(set) var epilogue = Epilogue.none
    /// The element type of B and C (``withPrecision(_:)``); fp32 by default.
    public private(set) var precision = Precision.fp32
    /// Whether every value of A is an exact IEEE half (an fp16 model's weights, or
    /// ``withWeightsRoundedToHalves()``), so entries may hold them in 16 bits
    /// (``DataDrivenConfig/EntryFormat/packedHalves``).
    public let weightsAreHalves: Bool

    /// A problem whose matrix rows are padded: strides of nil mean N (contiguous rows). A convolution
    /// takes no strides.
    public init(weights: CSRMatrix, operand: DenseOperand, bRowStride: Int? = nil, cRowStride: Int? = nil) throws {
        self.weights = weights
        self.operand = operand
        weightsAreHalves = weights.values.allSatisfy { HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: $0)) == $0 }
        switch operand {
        case .matrix(let n):
            self.bRowStride = bRowStride ?? n
            self.cRowStride = cRowStride ?? n
            for (name, stride) in [("B", self.bRowStride), ("C", self.cRowStride)] where stride < n {
                throw PlanError.invalidProblem("the row stride of \(name) (\(stride)) is less than N = \(n)")
            }
        case .convolution(let shape):
            if bRowStride != nil || cRowStride != nil {
                throw PlanError.invalidProblem("row strides are for matrix products, not convolutions")
            }
            self.bRowStride = shape.batch * shape.outputHeight * shape.outputWidth
            self.cRowStride = self.bRowStride
            do { try shape.validate() } catch { throw PlanError.invalidProblem("\(error)") }
            if shape.reductionSize != weights.columns || shape.outChannels != weights.rows {
                throw PlanError.invalidProblem(
                    "filter is \(weights.rows) x \(weights.columns) but the convolution needs OC x (IC x KH x KW) = \(shape.outChannels) x \(shape.reductionSize)")
            }
        }
        if n <= 0 { throw PlanError.invalidProblem("N must be positive, got \(n)") }
    }

    /// Convenience: a matrix product with B of width `n`, rows contiguous unless strides are given.
    public init(weights: CSRMatrix, n: Int, bRowStride: Int? = nil, cRowStride: Int? = nil) throws {
        try self.init(weights: weights, operand: .matrix(n: n), bRowStride: bRowStride, cRowStride: cRowStride)
    }

    /// The same product with B's rows `b` elements apart and C's `c`.
    public func withRowStrides(b: Int, c: Int) throws -> SpMMProblem {
        try SpMMProblem(weights: weights, operand: operand, bRowStride: b, cRowStride: c)
            .withEpilogue(epilogue).withPrecision(precision)
    }

    /// The same product with B and C held as `precision` elements (strides stay in elements).
    public func withPrecision(_ precision: Precision) -> SpMMProblem {
        var copy = self
        copy.precision = precision
        return copy
    }

    /// Bytes per element of B and C.
    public var elementBytes: Int { precision.elementBytes }

    /// The same product with A's values rounded to the nearest half (as an fp16 model holds them; the
    /// reference then uses the rounded values too). Throws where a value is past the half range (65504).
    public func withWeightsRoundedToHalves() throws -> SpMMProblem {
        let rounded = Precision.fp16.rounded(weights.values)
        if let index = rounded.firstIndex(where: { !$0.isFinite }), weights.values[index].isFinite {
            let row = weights.rowOffsets.lastIndex { Int($0) <= index } ?? 0
            throw PlanError.invalidProblem(
                "weight \(weights.values[index]) (row \(row), column \(weights.columnIndices[index])) is past the half range (65504)")
        }
        let halves = try CSRMatrix(
            rows: weights.rows, columns: weights.columns, rowOffsets: weights.rowOffsets,
            columnIndices: weights.columnIndices, values: rounded)
        let strides = isMatrix ? (bRowStride, cRowStride) : nil
        return try SpMMProblem(weights: halves, operand: operand, bRowStride: strides?.0, cRowStride: strides?.1)
            .withEpilogue(epilogue).withPrecision(precision)
    }

    /// The same product followed by `epilogue`; throws when its bias does not hold one finite value per row.
    public func withEpilogue(_ epilogue: Epilogue) throws -> SpMMProblem {
        if let reason = epilogue.problem(rows: m) { throw PlanError.invalidProblem(reason) }
        var copy = self
        copy.epilogue = epilogue
        return copy
    }

    /// The row of A (output channel of a convolution) of logical output `index` (C's M x N elements, or the
    /// NCHW output without padding).
    public func row(ofOutput index: Int) -> Int {
        switch operand {
        case .matrix(let n): return index / n
        case .convolution(let g): return index / (g.outputHeight * g.outputWidth) % g.outChannels
        }
    }

    /// The same product with B's and C's rows padded to the next multiple of `bytes` (a positive multiple
    /// of 4; 128 starts every row on a cache line, 64 fp32 or 128 fp16 elements); a convolution is returned
    /// as it is.
    public func withRowsAligned(toBytes bytes: Int) throws -> SpMMProblem {
        guard bytes > 0, bytes % 4 == 0 else {
            throw PlanError.invalidProblem("row alignment must be a positive multiple of 4 bytes, got \(bytes)")
        }
        guard isMatrix else { return self }
        let elements = bytes / elementBytes
        let stride = (n + elements - 1) / elements * elements
        return try withRowStrides(b: stride, c: stride)
    }

    /// Whether B's or C's rows are padded past N.
    public var hasPaddedRows: Bool { isMatrix && (bRowStride != n || cRowStride != n) }

    /// Why vectors of `width` adjacent columns cannot be read from B and written to C, or nil when they
    /// can: matrix products only; both row strides multiples of `width` (so every vector is aligned); and,
    /// where `width` does not divide N, B's rows padded to hold the last vector whole (its columns past N
    /// are read from the padding and never written).
    public func vectorWidthProblem(_ width: Int) -> String? {
        guard width > 1 else { return nil }
        guard isMatrix else { return "vector width > 1 is for matrix products" }
        guard bRowStride % width == 0, cRowStride % width == 0 else {
            return "vector width \(width) does not divide the row strides (B \(bRowStride), C \(cRowStride))"
                + (hasPaddedRows ? "" : ", which are N = \(n)")
        }
        guard (n + width - 1) / width * width <= bRowStride else {
            return "vector width \(width) needs B's rows padded to \((n + width - 1) / width * width), not \(bRowStride)"
        }
        return nil
    }

    /// The first column of the last vector of `width` columns (N - width when `width` divides N): threads
    /// whose columns are past N read there, so their addresses stay inside B's rows.
    public func lastVectorColumn(width: Int) -> Int { (n - 1) / width * width }

    /// `mM_kK_nN`, with `_ldbL_ldcL` when rows are padded, `_bias`, `_relu` for an epilogue and `_f16` for
    /// half elements: the shape part of kernel names.
    public var nameFragment: String {
        "m\(m)_k\(k)_n\(n)" + (hasPaddedRows ? "_ldb\(bRowStride)_ldc\(cRowStride)" : "") + epilogue.nameFragment
            + (precision == .fp16 ? "_f16" : "")
    }

    /// Whether the operand is a matrix product (not a convolution).
    public var isMatrix: Bool {
        if case .matrix = operand { return true }
        return false
    }

    /// `spmm MxKxN` (with `ldb L ldc L` when padded) or `conv MxK, input CxHxW kKHxKW sS pP bB`, then
    /// `+ bias, relu` for an epilogue and ` fp16` for half elements: the shape, without the weights.
    public var description: String {
        let epilogueText = (epilogue.isNone ? "" : " + \(epilogue.description)") + (precision == .fp16 ? " fp16" : "")
        switch operand {
        case .matrix(let n):
            return "spmm \(m)x\(k)x\(n)" + (hasPaddedRows ? " ldb \(bRowStride) ldc \(cRowStride)" : "") + epilogueText
        case .convolution(let s):
            return "conv \(m)x\(k), input \(s.inChannels)x\(s.height)x\(s.width) k\(s.kernelH)x\(s.kernelW) s\(s.stride) p\(s.pad) b\(s.batch)" + epilogueText
        }
    }

    public var m: Int { weights.rows }
    public var k: Int { weights.columns }
    /// Columns of B and C (for a convolution, batch x OH x OW).
    public var n: Int {
        switch operand {
        case .matrix(let n): return n
        case .convolution(let g): return g.batch * g.outputHeight * g.outputWidth
        }
    }
}

/// The dense operand's layout.
public enum DenseOperand: Equatable, Sendable {
    /// B is K x N row-major, C is M x N row-major.
    case matrix(n: Int)
    /// B is the virtual im2col matrix of an NCHW input; C is the NCHW output. Column k of A is
    /// `ic * KH * KW + kh * KW + kw` (PyTorch's OIHW flattened).
    case convolution(ConvolutionShape)
}

/// Why a problem or configuration cannot be planned.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    case invalidProblem(String)
    /// The configuration does not fit the problem or the device; the reason says which limit.
    case infeasible(config: String, reason: String)

    public var description: String {
        switch self {
        case .invalidProblem(let reason): return "invalid problem: \(reason)"
        case .infeasible(let config, let reason): return "config \(config) does not fit: \(reason)"
        }
    }
}
