/// Process-wide facts about the CUDA driver: whether it loads, its version, and the devices it sees.
///
/// The driver is loaded and initialized on first use of any API of this module; these calls throw
/// ``CUDAError/driverNotFound(_:)`` on a machine without one.
public enum CUDADriver {
    /// Loads and initializes the driver if that has not happened yet; throws why it cannot be used.
    public static func load() throws(CUDAError) {
        _ = try DriverLibrary.load()
    }

    /// The path or name the driver library was loaded from (`libcuda.so.1` unless overridden).
    public static func libraryPath() throws(CUDAError) -> String {
        try DriverLibrary.load().libraryPath
    }

    /// The CUDA version the driver supports, as the driver reports it (13000 for CUDA 13.0).
    public static func versionNumber() throws(CUDAError) -> Int {
        let driver = try DriverLibrary.load()
        var version: Int32 = 0
        try check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion")
        return Int(version)
    }

    /// The driver's CUDA version as "major.minor" ("13.0").
    public static func version() throws(CUDAError) -> String {
        formatVersion(try versionNumber())
    }

    /// Formats a driver version number (`1000 * major + 10 * minor`) as "major.minor".
    static func formatVersion(_ number: Int) -> String {
        "\(number / 1000).\((number % 1000) / 10)"
    }

    /// How many CUDA devices the driver sees.
    public static func deviceCount() throws(CUDAError) -> Int {
        let driver = try DriverLibrary.load()
        var count: Int32 = 0
        try check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }

    /// Every device the driver sees, in ordinal order.
    public static func devices() throws(CUDAError) -> [CUDADevice] {
        var devices: [CUDADevice] = []
        for ordinal in 0..<(try deviceCount()) { devices.append(try CUDADevice(ordinal: ordinal)) }
        return devices
    }
}
