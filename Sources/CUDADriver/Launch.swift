extension CUDAFunction {
    /// Enqueues one launch of the kernel with `cuLaunchKernel`.
    ///
    /// - Parameters:
    ///   - grid: blocks in x, y, z (each at least 1).
    ///   - block: threads per block in x, y, z (each at least 1).
    ///   - sharedMemoryBytes: dynamic shared memory per block (above 48 KiB, raise
    ///     ``setMaxDynamicSharedSizeBytes(_:)`` first).
    ///   - stream: the stream to enqueue on; nil for the context's legacy default stream.
    ///   - arguments: one value per kernel parameter, in order, typed as the PTX declares them.
    /// The launch is asynchronous: errors inside the kernel surface at the next synchronization.
    public func launch(
        grid: (x: Int, y: Int, z: Int), block: (x: Int, y: Int, z: Int), sharedMemoryBytes: Int = 0,
        stream: CUDAStream? = nil, arguments: [KernelArgument]
    ) throws(CUDAError) {
        let dims = [grid.x, grid.y, grid.z, block.x, block.y, block.z]
        guard dims.allSatisfy({ $0 >= 1 && $0 <= Int(UInt32.max) }) else {
            throw .invalidArgument("launch of \(name): grid \(grid) and block \(block) must be positive")
        }
        guard sharedMemoryBytes >= 0, sharedMemoryBytes <= Int(UInt32.max) else {
            throw .invalidArgument("launch of \(name): shared memory \(sharedMemoryBytes) bytes out of range")
        }
        let driver = try DriverLibrary.load()
        try module.context.makeCurrent()
        let d = dims.map { UInt32($0) }
        let kernel = handle
        let streamHandle = stream?.handle
        let status = KernelArgument.withParameterArray(arguments) { parameters in
            driver.cuLaunchKernel(
                kernel, d[0], d[1], d[2], d[3], d[4], d[5], UInt32(sharedMemoryBytes), streamHandle, parameters, nil)
        }
        try check(status, "cuLaunchKernel(\(name))")
    }
}
