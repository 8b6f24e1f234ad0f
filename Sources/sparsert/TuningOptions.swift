import ArgumentParser
import SparseRTRuntime

/// Options of the tuner that `tune`, `compile --tune` and `bench` share.
struct TuningOptions: ParsableArguments {
    @Option(help: "Time the other register settings (ptxas' choice and mN caps) of the N fastest unrolled candidates in a second tuning pass (default \(Tuner.defaultRegisterCapRefinement), 0 with --candidates; 0: none).")
    var refineRegisterCaps: Int?

    @Option(help: "Time the row-order twins of the N fastest unrolled (sim, rows that share columns gathered into blocks, or plain, contiguous rows: the other order) and data-driven (o1) candidates, and of up to N more of each within \(Tuner.rowOrderNearTiePercent)% of its fastest, in a third tuning pass (default \(Tuner.defaultRowOrderRefinement), 0 with --candidates; 0: none).")
    var refineRowOrder: Int?

    func validate() throws {
        for (name, value) in [("--refine-register-caps", refineRegisterCaps), ("--refine-row-order", refineRowOrder)] {
            if let value, value < 0 { throw ValidationError("\(name) must be 0 or more, not \(value)") }
        }
    }

    /// Sets `tuner`'s further passes from these options. An explicit candidate list is timed as given unless
    /// a pass is asked for by name.
    func configure(_ tuner: inout Tuner, explicitCandidates: Bool = false) {
        tuner.registerCapRefinement = refineRegisterCaps ?? (explicitCandidates ? 0 : Tuner.defaultRegisterCapRefinement)
        tuner.rowOrderRefinement = refineRowOrder ?? (explicitCandidates ? 0 : Tuner.defaultRowOrderRefinement)
    }
}
