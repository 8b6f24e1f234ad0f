import ArgumentParser
import SparseRT

/// How every problem of a suite holds its operands, for `bench` and `verify`: B's and C's rows padded, their
/// element type, and A's values rounded to halves.
struct SuiteOperandOptions: ParsableArguments {
    @Option(help: "Pad B's and C's rows to a multiple of this many bytes (e.g. 128) in every matrix product, for every kernel (bench's baselines too).")
    var rowAlign: Int?

    @Option(help: "Element type of B and C in sparsert's kernels: fp32, or fp16 (halves, accumulated in fp32). bench times the baselines in both.")
    var precision: Precision = .fp32

    @Option(help: "A's values in every problem: fp32 (as the suite gives them), or fp16 (rounded to the nearest halves, for every kernel alike; small-N kernels then hold them in 16 bits).")
    var weightPrecision: Precision = .fp32

    func validate() throws { try validateRowAlign(rowAlign) }

    /// `item` with its operands held as these options say, when it loads.
    func apply(to item: SuiteItem) -> SuiteItem {
        var item = item
        if precision != .fp32 { item = item.withPrecision(precision) }
        if weightPrecision == .fp16 { item = item.withWeightsRoundedToHalves() }
        if let rowAlign { item = item.withRowsAligned(toBytes: rowAlign) }
        return item
    }
}
