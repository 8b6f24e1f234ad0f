import Foundation

/// Everything that can go wrong talking to the CUDA driver, worded for a person reading a terminal.
public enum CUDAError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The driver library could not be loaded (no NVIDIA driver on this machine); the detail names the library
    /// and the loader's reason.
    case driverNotFound(String)
    /// The driver library loaded but lacks an entry point this module needs (a driver too old).
    case missingSymbol(String)
    /// A driver call returned an error: the function, the `CUresult` code, and the driver's name and text for it.
    case call(function: String, code: Int32, name: String, message: String)
    /// Loading a module failed: the JIT compiler's error log, and the result code with its name and text.
    case jit(log: String, code: Int32, name: String, message: String)
    /// An argument was rejected before reaching the driver.
    case invalidArgument(String)

    /// `CUDA_ERROR_NO_DEVICE`: the driver works but sees no GPU.
    static let noDeviceCode: Int32 = 100
    /// `CUDA_ERROR_INSUFFICIENT_DRIVER`: the kernel module is older than the library.
    static let insufficientDriverCode: Int32 = 35
    /// `CUDA_ERROR_STUB_LIBRARY`: the toolkit's link-time stub was loaded instead of a driver.
    static let stubLibraryCode: Int32 = 34

    public var description: String {
        switch self {
        case .driverNotFound(let detail):
            return "no CUDA driver found (\(detail))"
        case .missingSymbol(let name):
            return "the CUDA driver lacks the entry point \(name) (driver too old?)"
        case .call(let function, let code, let name, let message):
            return "\(function) failed: \(name) (\(code)): \(message)"
        case .jit(let log, let code, let name, let message):
            let text = log.trimmingCharacters(in: .whitespacesAndNewlines)
            let header = "module load failed: \(name) (\(code)): \(message)"
            return text.isEmpty ? header + " (the JIT wrote no error log)" : header + "\nJIT error log:\n" + text
        case .invalidArgument(let detail):
            return "invalid argument: \(detail)"
        }
    }

    /// True when the error means this machine has no usable GPU (no driver, a stub driver, a driver too old for
    /// the kernel module, or no device), as opposed to a failure of the work itself.
    public var meansNoGPU: Bool {
        switch self {
        case .driverNotFound, .missingSymbol:
            return true
        case .call(_, let code, _, _):
            return code == Self.noDeviceCode || code == Self.insufficientDriverCode || code == Self.stubLibraryCode
        case .jit, .invalidArgument:
            return false
        }
    }
}

/// Throws ``CUDAError/call(function:code:name:message:)`` unless `result` is `CUDA_SUCCESS` (0); the error's name
/// and text come from the driver when it is loaded.
func check(_ result: Int32, _ function: String) throws(CUDAError) {
    guard result != 0 else { return }
    if case .success(let driver) = DriverLibrary.shared { throw driver.error(result, function) }
    throw .call(function: function, code: result, name: "CUDA_ERROR_\(result)", message: "unknown error")
}
