import ArgumentParser
import SparseRTRuntime

/// Options of the tuner that `tune` and `bench` share.
struct TuningOptions: ParsableArguments {
    @Option(help: "Time register-capped twins (mN) of the N fastest unrolled candidates in a second tuning pass (0: none).")
    var refineRegisterCaps = Tuner.defaultRegisterCapRefinement

    func validate() throws {
        guard refineRegisterCaps >= 0 else {
            throw ValidationError("--refine-register-caps must be 0 or more, not \(refineRegisterCaps)")
        }
    }
}
