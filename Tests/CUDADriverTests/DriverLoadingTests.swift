@testable import CUDADriver
import Testing

/// What loading the driver does on this machine; on machines without libcuda (CI, laptops) it must fail with
/// the distinct `driverNotFound` error, never crash.
struct DriverLoadingTests {
    @Test(.enabled(if: !GPUAvailability.isAvailable, "a GPU driver is present here"))
    func missingDriverGivesDriverNotFound() {
        guard case .failure(let error) = DriverLibrary.shared else {
            Issue.record("the driver loaded although no GPU is available")
            return
        }
        // Without libcuda the error is driverNotFound; with a driver but no device, a call error that means no GPU.
        #expect(error.meansNoGPU, "\(error)")
        if case .driverNotFound(let detail) = error {
            #expect(detail.contains("could not be loaded"))
            #expect(error.description.hasPrefix("no CUDA driver found ("))
        }
        #expect(throws: CUDAError.self) { try CUDADriver.deviceCount() }
        #expect(throws: CUDAError.self) { try CUDAContext(ordinal: 0) }
    }

    @Test func versionFormatting() {
        #expect(CUDADriver.formatVersion(13000) == "13.0")
        #expect(CUDADriver.formatVersion(12080) == "12.8")
        #expect(CUDADriver.formatVersion(11040) == "11.4")
    }

    @Test func ptxTargetName() {
        #expect(DeviceProperties.ptxTarget(major: 9, minor: 0) == "sm_90")
        #expect(DeviceProperties.ptxTarget(major: 8, minor: 6) == "sm_86")
    }
}

/// Loading named libraries directly, independent of what this machine has.
struct DriverCandidateTests {
    @Test func absentLibraryIsDriverNotFound() {
        do {
            _ = try DriverLibrary.open(candidates: ["/nonexistent/libcuda.so.1"])
            Issue.record("a nonexistent library loaded")
        } catch {
            guard case .driverNotFound(let detail) = error else {
                Issue.record("expected driverNotFound, got \(error)")
                return
            }
            #expect(detail.hasPrefix("/nonexistent/libcuda.so.1 could not be loaded: "))
        }
    }

    @Test func libraryWithoutTheEntryPointsIsMissingSymbol() {
        do {
            _ = try DriverLibrary.open(candidates: ["libm.so.6"])
            Issue.record("libm loaded as a CUDA driver")
        } catch {
            #expect(error == .missingSymbol("cuInit"))
        }
    }
}
