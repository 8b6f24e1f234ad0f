import CUDADriver
import SparseRT

/// Runs a loaded kernel on the GPU on fresh random inputs, with C poisoned first, and compares the
/// result with the float64 CPU reference.
public enum GPUVerifier {
    public static func verify(
        _ kernel: LoadedKernel, session: GPUSession, seed: UInt64, tolerance: Double? = nil
    ) throws -> VerificationReport {
        let data = try ProblemData(problem: kernel.compiled.problem, seed: seed)
        return try verify(kernel, session: session, data: data, tolerance: tolerance)
    }

    /// Checks `kernel` on `data`'s input against its reference, for callers checking many kernels of one
    /// problem (the tuner), which then compute the float64 reference once. The tolerance defaults to the
    /// problem's precision's (``Precision/verificationTolerance``).
    public static func verify(
        _ kernel: LoadedKernel, session: GPUSession, data: ProblemData, tolerance: Double? = nil
    ) throws -> VerificationReport {
        let precision = data.problem.precision
        precondition(data.outputCount == kernel.compiled.problem.outputWords && precision == kernel.compiled.problem.precision,
                     "the data is for another problem")
        let input = try DeviceBuffer(context: session.context, copying: data.deviceInput)
        let output = try outputBuffer(for: data.problem, session: session)
        let poison = precision.poison(CPUVerifier.poison)
        try output.fill(uint32: poison.fill)
        try kernel.launch(input: input, output: output, stream: session.stream)
        try session.stream.synchronize()
        let words: [UInt32] = try output.copyToHost()
        return VerificationReport(
            kernel: kernel.compiled.name, config: kernel.compiled.configDescription,
            executor: session.properties.name, problem: data.problem,
            buffer: precision.unpacked(words, count: data.outputCount), reference: data.reference,
            poison: poison.readBack, tolerance: tolerance ?? precision.verificationTolerance)
    }

    /// A device buffer for `problem`'s C, in whole words.
    static func outputBuffer(for problem: SpMMProblem, session: GPUSession) throws -> DeviceBuffer {
        try DeviceBuffer(context: session.context, bytes: 4 * problem.precision.words(forElements: problem.outputWords))
    }

    /// Times one run of `kernel` (CUDA-graph replays, median) on random inputs.
    public static func time(_ kernel: LoadedKernel, session: GPUSession, seed: UInt64 = 1,
                            timer: KernelTimer = KernelTimer()) throws -> TimingResult {
        let problem = kernel.compiled.problem
        let input = try DeviceBuffer(context: session.context, copying: ProblemData.deviceInput(for: problem, seed: seed))
        let output = try outputBuffer(for: problem, session: session)
        return try timer.time(on: session.stream) {
            try kernel.launch(input: input, output: output, stream: session.stream)
        }
    }
}
