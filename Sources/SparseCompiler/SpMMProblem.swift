import SparseFormats
import SparseReference

/// C = A x B with A sparse M x K (known when the kernel is generated) and B dense K x N.
///
/// For a matrix product B and C are row-major (a batch of inputs folds into N). For a convolution B is
/// the virtual im2col matrix of an NCHW input and C is the NCHW output; see ``DenseOperand``.
public struct SpMMProblem: Sendable {
    /// The sparse weights A.
    public let weights: CSRMatrix
    /// How B is read and C is written.
    public let operand: DenseOperand

    public init(weights: CSRMatrix, operand: DenseOperand) throws {
        self.weights = weights
        self.operand = operand
        if case .convolution(let shape) = operand {
            do { try shape.validate() } catch { throw PlanError.invalidProblem("\(error)") }
            if shape.reductionSize != weights.columns || shape.outChannels != weights.rows {
                throw PlanError.invalidProblem(
                    "filter is \(weights.rows) x \(weights.columns) but the convolution needs OC x (IC x KH x KW) = \(shape.outChannels) x \(shape.reductionSize)")
            }
        }
        if n <= 0 { throw PlanError.invalidProblem("N must be positive, got \(n)") }
    }

    /// Convenience: a plain matrix product with B of width `n`.
    public init(weights: CSRMatrix, n: Int) throws {
        try self.init(weights: weights, operand: .matrix(n: n))
    }

    /// `spmm MxKxN` or `conv MxK, input CxHxW kKHxKW sS pP bB`: the shape, without the weights.
    public var description: String {
        switch operand {
        case .matrix(let n): return "spmm \(m)x\(k)x\(n)"
        case .convolution(let s):
            return "conv \(m)x\(k), input \(s.inChannels)x\(s.height)x\(s.width) k\(s.kernelH)x\(s.kernelW) s\(s.stride) p\(s.pad) b\(s.batch)"
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
