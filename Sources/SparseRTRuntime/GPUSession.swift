import CUDADriver
import Foundation
import SparseRT

/// One GPU ready for sparsert's kernels: its context, a stream, and the limits and PTX target that
/// kernels for it must be generated with.
public final class GPUSession: @unchecked Sendable {
    public let context: CUDAContext
    public let properties: DeviceProperties
    public let stream: CUDAStream
    /// The PTX target matching the device (`sm_90` for an H100).
    public let target: PTXTarget
    /// The device's limits for planning.
    public let limits: DeviceLimits
    /// One multiprocessor's resources and their count, for occupancy and waves.
    public let multiprocessor: Occupancy.Multiprocessor
    /// An offline assembler on this host (the CUDA toolkit's `ptxas`), used instead of the driver's JIT
    /// because separate processes compile many kernels in parallel; nil to use the JIT.
    public var ptxas: Ptxas?

    /// Opens device `ordinal`; throws ``CUDAError/driverNotFound(_:)`` where there is no driver.
    public init(ordinal: Int = 0) throws {
        let device = try CUDADevice(ordinal: ordinal)
        context = try CUDAContext(device: device)
        properties = try device.properties()
        stream = try CUDAStream(context: context)
        target = PTXTarget.forComputeCapability(
            major: properties.computeCapabilityMajor, minor: properties.computeCapabilityMinor)
        limits = DeviceLimits(
            maxThreadsPerBlock: properties.maxThreadsPerBlock,
            maxSharedMemoryPerBlock: properties.sharedMemoryPerBlockOptin,
            registersPerBlock: properties.registersPerBlock)
        multiprocessor = Occupancy.Multiprocessor(properties)
        ptxas = ProcessInfo.processInfo.environment["SPARSERT_USE_JIT"] == nil ? Ptxas.locate() : nil
    }
}

/// A compiled kernel loaded on the GPU with its weight buffers uploaded.
public final class LoadedKernel: @unchecked Sendable {
    public let compiled: CompiledKernel
    public let module: CUDAModule
    public let function: CUDAFunction
    let weights: [DeviceBuffer]
    /// The offline assembler's report (registers, spills), when ptxas compiled the kernel.
    public let assemblerReport: Ptxas.Report?

    /// Compiles the kernel's PTX for the session's device and uploads its weight buffers: with the
    /// session's offline `ptxas` when there is one (callers may then compile many kernels in parallel),
    /// else through the driver's JIT.
    public init(_ compiled: CompiledKernel, session: GPUSession, options: JITOptions = JITOptions()) throws {
        self.compiled = compiled
        let ptx = compiled.ptx(target: session.target)
        if let ptxas = session.ptxas {
            let (cubin, report) = try ptxas.compile(ptx, architecture: session.target.architecture)
            module = try CUDAModule(context: session.context, image: cubin, options: options)
            assemblerReport = report
        } else {
            module = try CUDAModule(context: session.context, ptx: ptx, options: options)
            assemblerReport = nil
        }
        function = try module.function(named: compiled.name)
        if compiled.sharedMemoryBytes > 48 * 1024 {
            try function.setMaxDynamicSharedSizeBytes(compiled.sharedMemoryBytes)
        }
        weights = try compiled.weightBuffers.map { try DeviceBuffer(context: session.context, copying: $0) }
    }

    /// Enqueues one run reading `input` (B) and writing `output` (C) on `stream`.
    public func launch(input: DeviceBuffer, output: DeviceBuffer, stream: CUDAStream?) throws {
        let arguments = weights.map(KernelArgument.buffer) + [.buffer(input), .buffer(output)]
        try function.launch(
            grid: compiled.grid, block: (compiled.threadsPerBlock, 1, 1),
            sharedMemoryBytes: compiled.sharedMemoryBytes, stream: stream, arguments: arguments)
    }

    /// Registers per thread and local (spill) bytes per thread as the JIT compiled it.
    public func resources() throws -> (registers: Int, localBytes: Int) {
        (try function.numRegisters, try function.localSizeBytes)
    }
}
