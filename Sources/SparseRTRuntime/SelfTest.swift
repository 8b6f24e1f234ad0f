import CUDADriver
import Foundation
import SparseRT

/// What ``SelfTest/run()`` found: the device, the kernel's JIT resources, the numerical check and a timing.
public struct SelfTestReport: Codable, Sendable {
    /// The device's product name.
    public var deviceName: String
    /// The driver's CUDA version ("13.0").
    public var driverVersion: String
    /// The PTX `.target` the test kernel was compiled for.
    public var ptxTarget: String
    /// Elements the kernel processed.
    public var elementCount: Int
    /// Largest |GPU - CPU| over the elements (infinite if any output was left unwritten).
    public var maxAbsoluteError: Double
    /// The error allowed.
    public var tolerance: Double
    /// Whether the poisoned padding past the end was left untouched (the bounds check held).
    public var paddingUntouched: Bool
    /// Registers per thread the JIT gave the kernel.
    public var registers: Int
    /// The JIT's info log (ptxas' resource usage lines; empty when the driver's JIT cache served the module).
    public var jitInfoLog: String
    /// Median time of one kernel run from CUDA-graph replays.
    public var timing: TimingResult
    /// Whether everything checked out.
    public var passed: Bool

    /// A few human-readable lines, ending in PASS or FAIL.
    public var summary: String {
        var lines = [
            "device: \(deviceName) (driver \(driverVersion), target \(ptxTarget))",
            "kernel: \(registers) registers; JIT log:"
                + (jitInfoLog.isEmpty ? " (empty: the driver's JIT cache served the module)" : ""),
        ]
        lines += jitInfoLog.split(separator: "\n").map { "  " + $0 }
        lines.append("check: \(elementCount) elements, max |error| \(maxAbsoluteError) (tolerance \(tolerance)), "
            + "padding \(paddingUntouched ? "untouched" : "OVERWRITTEN")")
        lines.append(String(format: "time: median %.2f us per run (p10 %.2f, p90 %.2f; %d runs per graph replay)",
                            timing.medianMicroseconds, timing.p10Microseconds, timing.p90Microseconds,
                            timing.runsPerReplay))
        lines.append(passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }
}

/// An end-to-end check of the GPU path: driver, context, JIT, buffers, launch, copy back, graph timing.
///
/// It compiles a small hand-written PTX kernel, `out[i] = a * x[i] + y[i]` with a bounds check, runs it on
/// seeded random data into an output poisoned with NaNs (plus poisoned padding past the end), and compares with
/// the CPU. The CPU side uses the same fused multiply-add, so the results should agree exactly.
public enum SelfTest {
    /// Elements processed: deliberately not a multiple of the block size, so the bounds check matters.
    static let elementCount = 1_000_003
    /// Poisoned floats after the output that the kernel must not touch.
    static let padding = 64
    static let blockSize = 256

    /// Runs the self-test on device 0. Throws ``CUDAError`` when there is no usable GPU or a driver call fails;
    /// a wrong result is reported (``SelfTestReport/passed`` false), not thrown.
    public static func run() throws -> SelfTestReport {
        let context = try CUDAContext(ordinal: 0)
        let properties = try context.device.properties()
        let target = ptxTarget(for: properties)
        let module = try CUDAModule(context: context, ptx: axpyPTX(target: target))
        let kernel = try module.function(named: "axpy")

        var random = SeededNormal(seed: 0x5EED_CAFE)
        let n = elementCount
        let x = (0..<n).map { _ in random.nextFloat() }
        let y = (0..<n).map { _ in random.nextFloat() }
        let a: Float = 1.75
        let xBuffer = try DeviceBuffer(context: context, copying: x)
        let yBuffer = try DeviceBuffer(context: context, copying: y)
        let out = try DeviceBuffer(context: context, bytes: (n + padding) * MemoryLayout<Float>.stride)
        try out.fill(uint32: DeviceBuffer.nanPattern)

        let stream = try CUDAStream(context: context)
        let launchOnce = { () throws -> Void in
            try kernel.launch(
                grid: ((n + blockSize - 1) / blockSize, 1, 1), block: (blockSize, 1, 1), stream: stream,
                arguments: [.buffer(xBuffer), .buffer(yBuffer), .buffer(out), .float(a), .uint32(UInt32(n))])
        }
        try launchOnce()
        try stream.synchronize()

        let result: [Float] = try out.copyToHost()
        var maxError = 0.0
        for i in 0..<n {
            let expected = y[i].addingProduct(a, x[i])
            let error = result[i].isNaN ? Double.infinity : Double(abs(result[i] - expected))
            maxError = max(maxError, error)
        }
        let paddingUntouched = result[n...].allSatisfy { $0.bitPattern == DeviceBuffer.nanPattern }
        let tolerance = 1e-6

        let timing = try KernelTimer().time(on: stream, launchOnce)
        return SelfTestReport(
            deviceName: properties.name, driverVersion: properties.driverVersion, ptxTarget: target,
            elementCount: n, maxAbsoluteError: maxError, tolerance: tolerance, paddingUntouched: paddingUntouched,
            registers: try kernel.numRegisters, jitInfoLog: module.infoLog, timing: timing,
            passed: maxError <= tolerance && paddingUntouched && timing.medianMicroseconds > 0)
    }

    /// Loads a deliberately broken PTX module (an unknown instruction) and returns the error the driver's JIT
    /// reported, to show what a rejected kernel looks like. Throws only when there is no usable GPU.
    public static func brokenModuleMessage() throws -> String {
        let context = try CUDAContext(ordinal: 0)
        let target = ptxTarget(for: try context.device.properties())
        let broken = axpyPTX(target: target).replacingOccurrences(of: "fma.rn.f32", with: "fmaa.rn.f32")
        do {
            _ = try CUDAModule(context: context, ptx: broken)
            return "unexpected: the broken module loaded"
        } catch {
            if case .jit = error { return error.description }
            throw error
        }
    }

    /// The device's own target up to sm_90 (what PTX ISA 8.0 can name); newer devices get sm_90 PTX, which the
    /// driver JIT-compiles forward for them.
    static func ptxTarget(for properties: DeviceProperties) -> String {
        let capability = properties.computeCapabilityMajor * 10 + properties.computeCapabilityMinor
        return capability <= 90 ? properties.ptxTarget : "sm_90"
    }

    /// `out[i] = a * x[i] + y[i]` for `i < n`, one element per thread.
    static func axpyPTX(target: String) -> String {
        """
        .version 8.0
        .target \(target)
        .address_size 64

        .visible .entry axpy(
            .param .u64 param_x,
            .param .u64 param_y,
            .param .u64 param_out,
            .param .f32 param_a,
            .param .u32 param_n
        )
        {
            .reg .pred  %p<2>;
            .reg .b32   %r<6>;
            .reg .f32   %f<5>;
            .reg .b64   %rd<10>;

            ld.param.u64        %rd1, [param_x];
            ld.param.u64        %rd2, [param_y];
            ld.param.u64        %rd3, [param_out];
            ld.param.f32        %f1, [param_a];
            ld.param.u32        %r1, [param_n];
            mov.u32             %r2, %ctaid.x;
            mov.u32             %r3, %ntid.x;
            mov.u32             %r4, %tid.x;
            mad.lo.s32          %r5, %r2, %r3, %r4;
            setp.ge.u32         %p1, %r5, %r1;
            @%p1 bra            DONE;
            mul.wide.u32        %rd4, %r5, 4;
            cvta.to.global.u64  %rd5, %rd1;
            cvta.to.global.u64  %rd6, %rd2;
            cvta.to.global.u64  %rd7, %rd3;
            add.s64             %rd5, %rd5, %rd4;
            add.s64             %rd6, %rd6, %rd4;
            add.s64             %rd7, %rd7, %rd4;
            ld.global.nc.f32    %f2, [%rd5];
            ld.global.nc.f32    %f3, [%rd6];
            fma.rn.f32          %f4, %f1, %f2, %f3;
            st.global.f32       [%rd7], %f4;
        DONE:
            ret;
        }

        """
    }
}
