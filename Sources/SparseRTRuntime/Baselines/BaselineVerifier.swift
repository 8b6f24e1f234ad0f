import CUDADriver
import SparseRT

/// Confirms a baseline computes the right answer: C is poisoned, one forward pass runs on the session's stream,
/// and the result is compared with the float64 CPU reference for the same input.
public enum BaselineVerifier {
    /// Runs `baseline` once and compares C with `reference` (from `ProblemData` for the input the baseline was
    /// built with). The tolerance on the max relative error defaults to the precision's: 1e-4 for fp32, 1e-2 for
    /// fp16. The report names the baseline as its kernel and the details as its config.
    public static func verify(_ baseline: any Baseline, reference: [Double], tolerance: Double? = nil) throws
        -> VerificationReport
    {
        let poison = try baseline.poisonOutput()
        let stream = baseline.session.stream
        try baseline.enqueue(on: stream)
        try stream.synchronize()
        let output = try baseline.verifyOutput()
        return VerificationReport(
            kernel: baseline.name, config: baseline.details.joined(separator: " | "),
            executor: baseline.session.properties.name, problem: baseline.problem, buffer: output, reference: reference,
            poison: poison,
            tolerance: tolerance ?? baseline.precision.baselineTolerance)
    }
}
