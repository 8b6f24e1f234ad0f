import KernelIR

/// What a kernel does to each output after the product, fused into its store: C = act(A B + bias[row]), row
/// being the row of A (a convolution's output channel), act ReLU, a cap, or both (ReLU6). Inference layers
/// end this way; fusing it saves a pass over C.
public struct Epilogue: Sendable, Equatable {
    /// One value per row of A, added to every output of that row; nil for none.
    public var bias: [Float]?
    /// max(x, 0) after the bias.
    public var relu: Bool
    /// min(x, cap) after the bias and ReLU, or nil for none: ReLU with a cap of 6 is MobileNet's ReLU6.
    public var cap: Float?

    public init(bias: [Float]? = nil, relu: Bool = false, cap: Float? = nil) {
        self.bias = bias
        self.relu = relu
        self.cap = cap
    }

    /// Nothing after the product.
    public static let none = Epilogue()

    public var isNone: Bool { bias == nil && !relu && cap == nil }

    /// The steps in order, comma-separated: `bias`, `relu`, `cap 6` (e.g. `bias, relu, cap 6`), or `none`: for
    /// manifests and reports.
    public var description: String {
        isNone ? "none" : [bias == nil ? nil : "bias", relu ? "relu" : nil, cap.map { "cap \(Self.text($0))" }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    /// `_bias`, `_relu`, `_cap6` in that order, or nothing: the kernel-name fragment (a cap's `.` as `p`, `-`
    /// as `m`, so `_cap0p5`).
    var nameFragment: String {
        let capText = cap.map { Self.text($0).map { $0 == "." ? "p" : $0 == "-" ? "m" : $0 }.filter { $0.isLetter || $0.isNumber } }
        return (bias == nil ? "" : "_bias") + (relu ? "_relu" : "") + (capText.map { "_cap" + String($0) } ?? "")
    }

    /// `6` for 6, `0.5` for 0.5: a whole number without its `.0`.
    static func text(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : "\(value)"
    }

    /// `value` (a row's product) after the epilogue, in float64 for the reference.
    public func apply(_ value: Double, row: Int) -> Double {
        let biased = value + Double(bias?[row] ?? 0)
        let activated = relu ? max(biased, 0) : biased
        return cap.map { min(activated, Double($0)) } ?? activated
    }

    /// Why the epilogue does not fit a problem of `rows` rows, or nil.
    func problem(rows: Int) -> String? {
        if let bias {
            if bias.count != rows { return "the bias has \(bias.count) values but A has \(rows) rows" }
            if let bad = bias.firstIndex(where: { !$0.isFinite }) { return "bias value \(bad) is \(bias[bad]), not finite" }
        }
        if let cap, !cap.isFinite { return "the cap is \(cap), not finite" }
        return nil
    }

    /// Emits the epilogue on `values` (one row's outputs): `bias` (the row's value, an immediate or a register)
    /// added when the epilogue has a bias, then ReLU, then the cap. The kernel generators share it, so both
    /// families apply the same arithmetic.
    func emit(on values: [Register], bias value: Operand, builder b: inout KernelBuilder) -> [Register] {
        var result = values
        if bias != nil { result = result.map { b.binary(.add, .f32, .register($0), value) } }
        if relu { result = result.map { b.binary(.max, .f32, .register($0), .f32(0)) } }
        if let cap { result = result.map { b.binary(.min, .f32, .register($0), .f32(cap)) } }
        return result
    }
}
