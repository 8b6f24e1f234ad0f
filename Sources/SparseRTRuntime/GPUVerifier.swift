import CUDADriver
import SparseRT

/// Runs a loaded kernel on the GPU on fresh random inputs, with C poisoned first, and compares the
/// result with the float64 CPU reference.
public enum GPUVerifier {
    public static func verify(
        _ kernel: LoadedKernel, session: GPUSession, seed: UInt64, tolerance: Double = 1e-5
    ) throws -> VerificationReport {
        let data = try ProblemData(problem: kernel.compiled.problem, seed: seed)
        return try verify(kernel, session: session, data: data, tolerance: tolerance)
    }

    /// Checks `kernel` on `data`'s input against its reference, for callers checking many kernels of one
    /// problem (the tuner), which then compute the float64 reference once.
    public static func verify(
        _ kernel: LoadedKernel, session: GPUSession, data: ProblemData, tolerance: Double = 1e-5
    ) throws -> VerificationReport {
        precondition(data.outputCount == kernel.compiled.problem.outputWords, "the data is for another problem")
        let input = try DeviceBuffer(context: session.context, copying: data.input)
        let output = try DeviceBuffer(context: session.context, bytes: data.outputCount * 4)
        try output.fill(uint32: CPUVerifier.poison)
        try kernel.launch(input: input, output: output, stream: session.stream)
        try session.stream.synchronize()
        let result: [Float] = try output.copyToHost(count: data.outputCount)
        return VerificationReport(
            kernel: kernel.compiled.name, config: kernel.compiled.configDescription,
            executor: session.properties.name, problem: data.problem, buffer: result, reference: data.reference,
            poison: CPUVerifier.poison, tolerance: tolerance)
    }

    /// Times one run of `kernel` (CUDA-graph replays, median) on random inputs.
    public static func time(_ kernel: LoadedKernel, session: GPUSession, seed: UInt64 = 1,
                            timer: KernelTimer = KernelTimer()) throws -> TimingResult {
        let problem = kernel.compiled.problem
        let input = try DeviceBuffer(context: session.context, copying: ProblemData.input(for: problem, seed: seed))
        let output = try DeviceBuffer(context: session.context, bytes: problem.outputWords * 4)
        return try timer.time(on: session.stream) {
            try kernel.launch(input: input, output: output, stream: session.stream)
        }
    }
}
