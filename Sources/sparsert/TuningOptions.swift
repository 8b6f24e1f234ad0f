import ArgumentParser
import SparseRTRuntime

/// Options of the tuner that `tune` and `bench` share.
struct TuningOptions: ParsableArguments {
    @Option(help: "Time register-capped twins (mN) of the N fastest unrolled candidates in a second tuning pass (0: none).")
    var refineRegisterCaps = Tuner.defaultRegisterCapRefinement

    @Option(help: "Time the twins with rows that share columns gathered into blocks (sim) of the N fastest unrolled candidates in a third tuning pass (0: none).")
    var refineRowOrder = Tuner.defaultRowOrderRefinement

    func validate() throws {
        for (name, value) in [("--refine-register-caps", refineRegisterCaps), ("--refine-row-order", refineRowOrder)] where value < 0 {
            throw ValidationError("\(name) must be 0 or more, not \(value)")
        }
    }

    /// Sets `tuner`'s further passes from these options.
    func configure(_ tuner: inout Tuner) {
        tuner.registerCapRefinement = refineRegisterCaps
        tuner.rowOrderRefinement = refineRowOrder
    }
}
