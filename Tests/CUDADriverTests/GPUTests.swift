import CUDADriver
import Foundation
import SparseRTRuntime
import Testing

/// Tests that need a GPU; elsewhere each is reported as skipped with the reason. Serialized, so a graph capture
/// never overlaps another test's synchronizing calls.
@Suite(.serialized, .enabled(if: GPUAvailability.isAvailable, GPUAvailability.reason))
struct GPUTests {
    /// `out[i] = in[i] * 2 + k` over `n` floats, with a bounds check; `.target sm_90` PTX JIT-compiles forward too.
    static let scalePTX = """
        .version 8.0
        .target sm_90
        .address_size 64

        .visible .entry scale(.param .u64 p_in, .param .u64 p_out, .param .f32 p_k, .param .s32 p_n)
        {
            .reg .pred %p<2>;
            .reg .b32 %r<5>;
            .reg .f32 %f<4>;
            .reg .b64 %rd<6>;
            ld.param.u64 %rd1, [p_in];
            ld.param.u64 %rd2, [p_out];
            ld.param.f32 %f1, [p_k];
            ld.param.s32 %r1, [p_n];
            mov.u32 %r2, %ctaid.x;
            mov.u32 %r3, %ntid.x;
            mov.u32 %r4, %tid.x;
            mad.lo.s32 %r2, %r2, %r3, %r4;
            setp.ge.s32 %p1, %r2, %r1;
            @%p1 bra DONE;
            mul.wide.s32 %rd3, %r2, 4;
            add.s64 %rd4, %rd1, %rd3;
            add.s64 %rd5, %rd2, %rd3;
            ld.global.f32 %f2, [%rd4];
            fma.rn.f32 %f3, %f2, 0f40000000, %f1;
            st.global.f32 [%rd5], %f3;
        DONE:
            ret;
        }

        """

    @Test func deviceQuery() throws {
        let count = try CUDADriver.deviceCount()
        #expect(count >= 1)
        let properties = try CUDADevice(ordinal: 0).properties()
        #expect(!properties.name.isEmpty)
        #expect(properties.computeCapabilityMajor >= 5)
        #expect(properties.ptxTarget == "sm_\(properties.computeCapabilityMajor)\(properties.computeCapabilityMinor)")
        #expect(properties.multiprocessorCount > 0)
        #expect(properties.warpSize == 32)
        #expect(properties.totalGlobalMemory > 1 << 30)
        #expect(properties.sharedMemoryPerBlockOptin >= properties.sharedMemoryPerBlock)
        #expect(properties.driverVersion.contains("."))
        let json = try JSONEncoder().encode(properties)
        #expect(try JSONDecoder().decode(DeviceProperties.self, from: json) == properties)
        #expect(throws: CUDAError.self) { try CUDADevice(ordinal: count) }
    }

    @Test func moduleLoadLaunchAndCopyBack() throws {
        let context = try CUDAContext(ordinal: 0)
        let module = try CUDAModule(context: context, ptx: Self.scalePTX)
        // Empty when the driver serves the module from its on-disk JIT cache (ptxas does not run then).
        #expect(module.infoLog.isEmpty || module.infoLog.contains("registers"), "verbose JIT log: \(module.infoLog)")
        let kernel = try module.function(named: "scale")
        #expect(try kernel.numRegisters > 0)
        #expect(try kernel.localSizeBytes == 0)
        #expect(try kernel.sharedSizeBytes == 0)
        #expect(try kernel.maxThreadsPerBlock >= 256)
        #expect(try kernel.ptxVersion == 90, "the PTX's .target sm_90")
        #expect(try kernel.binaryVersion >= 90)

        let n = 1000
        let input = (0..<n).map { Float($0) * 0.25 }
        let inBuffer = try DeviceBuffer(context: context, copying: input)
        let outBuffer = try DeviceBuffer(context: context, bytes: (n + 8) * 4)
        try outBuffer.fill(uint32: DeviceBuffer.nanPattern)
        let stream = try CUDAStream(context: context)
        try kernel.launch(
            grid: ((n + 127) / 128, 1, 1), block: (128, 1, 1), stream: stream,
            arguments: [.buffer(inBuffer), .buffer(outBuffer), .float(3), .int32(Int32(n))])
        let output: [Float] = try outBuffer.copyToHost()
        #expect(Array(output[0..<n]) == input.map { $0 * 2 + 3 })
        #expect(output[n...].allSatisfy { $0.bitPattern == DeviceBuffer.nanPattern })

        // Device-to-device copy, then a readback of a prefix.
        let copy = try DeviceBuffer(context: context, bytes: outBuffer.byteCount)
        try copy.copy(from: outBuffer)
        #expect(try copy.copyToHost(as: Float.self, count: 4) == [3, 3.5, 4, 4.5])

        // The dynamic shared memory limit can be raised to the opt-in maximum.
        let optin = try context.device.properties().sharedMemoryPerBlockOptin
        try kernel.setMaxDynamicSharedSizeBytes(optin)
        #expect(try kernel.maxDynamicSharedSizeBytes() == optin)
    }

    @Test func invalidLaunchesAndNamesAreRejected() throws {
        let context = try CUDAContext(ordinal: 0)
        let module = try CUDAModule(context: context, ptx: Self.scalePTX)
        let kernel = try module.function(named: "scale")
        #expect(throws: CUDAError.self) { try kernel.launch(grid: (0, 1, 1), block: (1, 1, 1), arguments: []) }
        #expect(throws: CUDAError.self) { try module.function(named: "nope") }
    }

    @Test func brokenPTXCarriesTheJITLog() throws {
        let context = try CUDAContext(ordinal: 0)
        let broken = Self.scalePTX.replacingOccurrences(of: "fma.rn.f32", with: "fmaa.rn.f32")
        do {
            _ = try CUDAModule(context: context, ptx: broken)
            Issue.record("broken PTX loaded")
        } catch {
            guard case .jit(let log, let code, let name, _) = error else {
                Issue.record("expected a JIT error, got \(error)")
                return
            }
            #expect(code != 0)
            #expect(name.hasPrefix("CUDA_ERROR_"))
            #expect(log.contains("fmaa"), "JIT log: \(log)")
        }
        let message = try SelfTest.brokenModuleMessage()
        #expect(message.contains("JIT error log"), "\(message)")
    }

    @Test func graphTimingGivesAPositiveMedian() throws {
        let context = try CUDAContext(ordinal: 0)
        let kernel = try CUDAModule(context: context, ptx: Self.scalePTX).function(named: "scale")
        let n = 1 << 20
        let a = try DeviceBuffer(context: context, bytes: n * 4)
        let b = try DeviceBuffer(context: context, bytes: n * 4)
        try a.fill(uint32: 0)
        let stream = try CUDAStream(context: context)
        let run = { () throws -> Void in
            try kernel.launch(
                grid: (n / 256, 1, 1), block: (256, 1, 1), stream: stream,
                arguments: [.buffer(a), .buffer(b), .float(1), .int32(Int32(n))])
        }
        let graph = try KernelTimer().time(on: stream, run)
        #expect(graph.mode == .graph)
        #expect(graph.medianMicroseconds > 0)
        #expect(graph.replays == 21)
        #expect(graph.runsPerReplay >= 1)
        #expect(graph.minMicroseconds <= graph.medianMicroseconds && graph.medianMicroseconds <= graph.maxMicroseconds)

        let plain = try KernelTimer(repetitions: 7, runsPerReplay: 10, warmupReplays: 2).timeLaunches(on: stream, run)
        #expect(plain.mode == .launches && plain.replays == 7 && plain.runsPerReplay == 10)
        #expect(plain.medianMicroseconds > 0)

        // A capture whose body throws is abandoned and leaves the stream usable; fills and copies are capturable.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try CUDAGraph.capture(on: stream) {
                try b.fill(uint32: 1, on: stream)
                throw Stop()
            }
        }
        let exec = try CUDAGraph.capture(on: stream) {
            try b.fill(uint32: 0x3F80_0000, on: stream)
            try a.copy(from: b, on: stream)
        }
        try exec.launch(on: stream)
        try stream.synchronize()
        #expect(try a.copyToHost(as: Float.self, count: 3) == [1, 1, 1])
    }

    @Test func eventsTimeAStream() throws {
        let context = try CUDAContext(ordinal: 0)
        let stream = try CUDAStream(context: context)
        let start = try CUDAEvent(context: context)
        let end = try CUDAEvent(context: context)
        let buffer = try DeviceBuffer(context: context, bytes: 64 << 20)
        try start.record(on: stream)
        try buffer.fill(uint32: 7, on: stream)
        try end.record(on: stream)
        try end.synchronize()
        #expect(try end.elapsedMilliseconds(since: start) > 0)
        let (free, total) = try context.memoryInfo()
        #expect(free > 0 && free <= total)
    }

    @Test func selfTestPasses() throws {
        let report = try SelfTest.run()
        #expect(report.passed, "\(report.summary)")
        #expect(report.maxAbsoluteError <= report.tolerance)
        #expect(report.paddingUntouched)
        #expect(report.registers > 0)
        #expect(report.jitInfoLog.isEmpty || report.jitInfoLog.contains("registers"))
    }
}
