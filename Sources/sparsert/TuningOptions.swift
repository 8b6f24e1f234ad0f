import ArgumentParser
import SparseRTRuntime

/// Options of the tuner that `tune`, `compile --tune` and `bench` share.
struct TuningOptions: ParsableArguments {
    @Option(help: "Time the other register caps (m64, m96, m128) of the N fastest unrolled candidates in a second tuning pass (default \(Tuner.defaultRegisterCapRefinement), 0 with --candidates; 0: none).")
    var refineRegisterCaps: Int?

    @Option(help: "Time the row-order twins (o1: rows that share columns gathered) of the N fastest data-driven candidates, and of up to N more within \(Tuner.rowOrderNearTiePercent)% of the fastest, in a third tuning pass (default \(Tuner.defaultRowOrderRefinement), 0 with --candidates; 0: none).")
    var refineRowOrder: Int?

    @Flag(help: "Let the third pass twin the fastest unrolled candidates too (plain, contiguous rows, for sim ones that gather rows sharing columns, and the other way round): one more round of unrolled compiles, which rarely wins since the first pass lists sim configs.")
    var unrolledRowOrder = false

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
        if unrolledRowOrder { tuner.rowOrderFamilies.insert(.unrolled) }
    }
}
