import CUDADriver
import Testing

/// Whether this machine can run the GPU tests: the CUDA driver loads and sees at least one device.
///
/// GPU tests use `@Test(.enabled(if: GPUAvailability.isAvailable, GPUAvailability.reason))`, so on a machine
/// without a GPU swift-testing reports them as skipped, with the reason as the comment.
enum GPUAvailability {
    /// Nil when a GPU is usable, else why not.
    static let unavailableReason: String? = {
        do throws(CUDAError) {
            return try CUDADriver.deviceCount() > 0 ? nil : "the CUDA driver sees no device"
        } catch {
            return "no GPU: \(error)"
        }
    }()

    /// True when the driver loads and sees a device.
    static var isAvailable: Bool { unavailableReason == nil }

    /// The skip comment for GPU tests.
    static var reason: Comment { Comment(rawValue: unavailableReason ?? "a GPU is available") }
}
