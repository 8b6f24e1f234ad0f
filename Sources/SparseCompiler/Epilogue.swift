import KernelIR

/// What a kernel does to each output after the product, fused into its store: C = act(A B + bias[row]), row
/// being the row of A (a convolution's output channel). Inference layers end this way; fusing it saves a
/// pass over C.
public struct Epilogue: Sendable, Equatable {
    /// One value per row of A, added to every output of that row; nil for none.
    public var bias: [Float]?
    /// max(x, 0) after the bias.
    public var relu: Bool

    public init(bias: [Float]? = nil, relu: Bool = false) {
        self.bias = bias
        self.relu = relu
    }

    /// Nothing after the product.
    public static let none = Epilogue()

    public var isNone: Bool { bias == nil && !relu }

    /// `bias`, `relu`, `bias, relu` or `none`: for manifests and reports.
    public var description: String {
        isNone ? "none" : [bias == nil ? nil : "bias", relu ? "relu" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    /// `_bias`, `_relu`, `_bias_relu` or nothing: the kernel-name fragment.
    var nameFragment: String { (bias == nil ? "" : "_bias") + (relu ? "_relu" : "") }

    /// `value` (a row's product) after the epilogue, in float64 for the reference.
    public func apply(_ value: Double, row: Int) -> Double {
        let biased = value + Double(bias?[row] ?? 0)
        return relu ? max(biased, 0) : biased
    }

    /// Why the epilogue does not fit a problem of `rows` rows, or nil.
    func problem(rows: Int) -> String? {
        if let bias {
            if bias.count != rows { return "the bias has \(bias.count) values but A has \(rows) rows" }
            if let bad = bias.firstIndex(where: { !$0.isFinite }) { return "bias value \(bad) is \(bias[bad]), not finite" }
        }
        return nil
    }

    /// Emits the epilogue on `values` (one row's outputs): `bias` (the row's value, an immediate or a register)
    /// added when the epilogue has a bias, then ReLU. The kernel generators share it, so both families apply
    /// the same arithmetic.
    func emit(on values: [Register], bias value: Operand, builder b: inout KernelBuilder) -> [Register] {
        var result = values
        if bias != nil { result = result.map { b.binary(.add, .f32, .register($0), value) } }
        if relu { result = result.map { b.binary(.max, .f32, .register($0), .f32(0)) } }
        return result
    }
}
