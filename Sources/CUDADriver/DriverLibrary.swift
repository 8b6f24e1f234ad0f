#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Handle types of the driver API as Swift sees them: every `CU...` object handle is an opaque pointer,
/// `CUdevice` is an `int`, `CUdeviceptr` an `unsigned long long`, `CUresult` an `int`-sized enum.
typealias CUHandle = OpaquePointer
typealias CUResult = Int32

/// The CUDA driver (`libcuda.so.1`) bound at run time with `dlopen`/`dlsym`, so the package builds and its
/// GPU-free parts run on machines without CUDA.
///
/// Every entry point used by this module is a typed `@convention(c)` function pointer here, resolved once per
/// process (``shared``). Names are the versioned symbols that `cuda.h` maps the plain names to (`cuMemAlloc_v2`
/// for `cuMemAlloc`), because `dlsym` sees the library's exports, not the header's macros.
struct DriverLibrary: @unchecked Sendable {
    /// The loaded driver, or why it could not be loaded. Resolved once, thread-safely (a `static let`), and
    /// `cuInit(0)` has succeeded when this holds a library.
    static let shared: Result<DriverLibrary, CUDAError> = Result { () throws(CUDAError) in try DriverLibrary.open() }

    /// The loaded driver, or the error that says why there is none.
    static func load() throws(CUDAError) -> DriverLibrary { try shared.get() }

    /// Environment variable that names the driver library to load instead of the default search.
    static let pathOverrideVariable = "SPARSERT_LIBCUDA"

    let libraryPath: String

    let cuInit: @convention(c) (UInt32) -> CUResult
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>?) -> CUResult
    let cuGetErrorName: @convention(c) (CUResult, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> CUResult
    let cuGetErrorString: @convention(c) (CUResult, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> CUResult

    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>?) -> CUResult
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> CUResult
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32) -> CUResult
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>?, Int32, Int32) -> CUResult
    let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>?, Int32) -> CUResult

    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<CUHandle?>?, Int32) -> CUResult
    let cuDevicePrimaryCtxRelease: @convention(c) (Int32) -> CUResult
    let cuCtxSetCurrent: @convention(c) (CUHandle?) -> CUResult
    let cuCtxSynchronize: @convention(c) () -> CUResult
    let cuCtxPushCurrent: @convention(c) (CUHandle?) -> CUResult
    let cuCtxPopCurrent: @convention(c) (UnsafeMutablePointer<CUHandle?>?) -> CUResult
    let cuMemGetInfo: @convention(c) (UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> CUResult

    let cuModuleLoadDataEx: @convention(c) (
        UnsafeMutablePointer<CUHandle?>?, UnsafeRawPointer?, UInt32,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> CUResult
    let cuModuleUnload: @convention(c) (CUHandle?) -> CUResult
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<CUHandle?>?, CUHandle?, UnsafePointer<CChar>?) -> CUResult
    let cuFuncGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>?, Int32, CUHandle?) -> CUResult
    let cuFuncSetAttribute: @convention(c) (CUHandle?, Int32, Int32) -> CUResult
    let cuLaunchKernel: @convention(c) (
        CUHandle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUHandle?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> CUResult

    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<UInt64>?, Int) -> CUResult
    let cuMemFree: @convention(c) (UInt64) -> CUResult
    let cuMemcpyHtoD: @convention(c) (UInt64, UnsafeRawPointer?, Int) -> CUResult
    let cuMemcpyDtoH: @convention(c) (UnsafeMutableRawPointer?, UInt64, Int) -> CUResult
    let cuMemcpyDtoD: @convention(c) (UInt64, UInt64, Int) -> CUResult
    let cuMemcpyDtoDAsync: @convention(c) (UInt64, UInt64, Int, CUHandle?) -> CUResult
    let cuMemsetD32: @convention(c) (UInt64, UInt32, Int) -> CUResult
    let cuMemsetD32Async: @convention(c) (UInt64, UInt32, Int, CUHandle?) -> CUResult

    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<CUHandle?>?, UInt32) -> CUResult
    let cuStreamDestroy: @convention(c) (CUHandle?) -> CUResult
    let cuStreamSynchronize: @convention(c) (CUHandle?) -> CUResult
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<CUHandle?>?, UInt32) -> CUResult
    let cuEventDestroy: @convention(c) (CUHandle?) -> CUResult
    let cuEventRecord: @convention(c) (CUHandle?, CUHandle?) -> CUResult
    let cuEventSynchronize: @convention(c) (CUHandle?) -> CUResult
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>?, CUHandle?, CUHandle?) -> CUResult

    let cuStreamBeginCapture: @convention(c) (CUHandle?, Int32) -> CUResult
    let cuStreamEndCapture: @convention(c) (CUHandle?, UnsafeMutablePointer<CUHandle?>?) -> CUResult
    let cuGraphInstantiateWithFlags: @convention(c) (UnsafeMutablePointer<CUHandle?>?, CUHandle?, UInt64) -> CUResult
    let cuGraphLaunch: @convention(c) (CUHandle?, CUHandle?) -> CUResult
    let cuGraphExecDestroy: @convention(c) (CUHandle?) -> CUResult
    let cuGraphDestroy: @convention(c) (CUHandle?) -> CUResult

    /// The libraries tried in order: `$SPARSERT_LIBCUDA` alone when set, else `libcuda.so.1`, then `libcuda.so`.
    static var defaultCandidates: [String] {
        if let path = ProcessInfo.processInfo.environment[pathOverrideVariable], !path.isEmpty { return [path] }
        return ["libcuda.so.1", "libcuda.so"]
    }

    /// Opens the first loadable candidate, resolves every symbol and initializes the driver (`cuInit(0)`).
    static func open(candidates: [String] = defaultCandidates) throws(CUDAError) -> DriverLibrary {
        let (handle, path) = try openLibrary(candidates)
        let library: DriverLibrary
        do {
            library = try DriverLibrary(handle: handle, path: path)
        } catch {
            dlclose(handle)
            throw error
        }
        let status = library.cuInit(0)
        if status != 0 { throw library.error(status, "cuInit") }
        return library
    }

    /// `dlopen`s the first candidate that loads; the error quotes the loader's reason for the first one.
    private static func openLibrary(_ candidates: [String]) throws(CUDAError) -> (UnsafeMutableRawPointer, String) {
        var firstFailure: String?
        for candidate in candidates {
            if let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) { return (handle, candidate) }
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            if firstFailure == nil { firstFailure = "\(candidate) could not be loaded: \(reason)" }
        }
        throw .driverNotFound(firstFailure ?? "no driver library named")
    }

    /// Resolves each entry point; the first missing one throws ``CUDAError/missingSymbol(_:)``.
    private init(handle: UnsafeMutableRawPointer, path: String) throws(CUDAError) {
        func sym<F>(_ names: String..., as type: F.Type = F.self) throws(CUDAError) -> F {
            for name in names {
                if let pointer = dlsym(handle, name) { return unsafeBitCast(pointer, to: F.self) }
            }
            throw .missingSymbol(names[0])
        }
        libraryPath = path
        cuInit = try sym("cuInit")
        cuDriverGetVersion = try sym("cuDriverGetVersion")
        cuGetErrorName = try sym("cuGetErrorName")
        cuGetErrorString = try sym("cuGetErrorString")
        cuDeviceGetCount = try sym("cuDeviceGetCount")
        cuDeviceGet = try sym("cuDeviceGet")
        cuDeviceGetName = try sym("cuDeviceGetName")
        cuDeviceGetAttribute = try sym("cuDeviceGetAttribute")
        cuDeviceTotalMem = try sym("cuDeviceTotalMem_v2")
        cuDevicePrimaryCtxRetain = try sym("cuDevicePrimaryCtxRetain")
        cuDevicePrimaryCtxRelease = try sym("cuDevicePrimaryCtxRelease_v2")
        cuCtxSetCurrent = try sym("cuCtxSetCurrent")
        cuCtxSynchronize = try sym("cuCtxSynchronize")
        cuCtxPushCurrent = try sym("cuCtxPushCurrent_v2")
        cuCtxPopCurrent = try sym("cuCtxPopCurrent_v2")
        cuMemGetInfo = try sym("cuMemGetInfo_v2")
        cuModuleLoadDataEx = try sym("cuModuleLoadDataEx")
        cuModuleUnload = try sym("cuModuleUnload")
        cuModuleGetFunction = try sym("cuModuleGetFunction")
        cuFuncGetAttribute = try sym("cuFuncGetAttribute")
        cuFuncSetAttribute = try sym("cuFuncSetAttribute")
        cuLaunchKernel = try sym("cuLaunchKernel")
        cuMemAlloc = try sym("cuMemAlloc_v2")
        cuMemFree = try sym("cuMemFree_v2")
        cuMemcpyHtoD = try sym("cuMemcpyHtoD_v2")
        cuMemcpyDtoH = try sym("cuMemcpyDtoH_v2")
        cuMemcpyDtoD = try sym("cuMemcpyDtoD_v2")
        cuMemcpyDtoDAsync = try sym("cuMemcpyDtoDAsync_v2")
        cuMemsetD32 = try sym("cuMemsetD32_v2")
        cuMemsetD32Async = try sym("cuMemsetD32Async")
        cuStreamCreate = try sym("cuStreamCreate")
        cuStreamDestroy = try sym("cuStreamDestroy_v2")
        cuStreamSynchronize = try sym("cuStreamSynchronize")
        cuEventCreate = try sym("cuEventCreate")
        cuEventDestroy = try sym("cuEventDestroy_v2")
        cuEventRecord = try sym("cuEventRecord")
        cuEventSynchronize = try sym("cuEventSynchronize")
        // CUDA 12.8+ headers map cuEventElapsedTime to _v2; older drivers export only the plain name.
        cuEventElapsedTime = try sym("cuEventElapsedTime_v2", "cuEventElapsedTime")
        cuStreamBeginCapture = try sym("cuStreamBeginCapture_v2")
        cuStreamEndCapture = try sym("cuStreamEndCapture")
        cuGraphInstantiateWithFlags = try sym("cuGraphInstantiateWithFlags")
        cuGraphLaunch = try sym("cuGraphLaunch")
        cuGraphExecDestroy = try sym("cuGraphExecDestroy")
        cuGraphDestroy = try sym("cuGraphDestroy")
    }

    /// The symbolic name (`CUDA_ERROR_OUT_OF_MEMORY`) and description the driver gives for a result code.
    func describe(_ code: CUResult) -> (name: String, message: String) {
        var pointer: UnsafePointer<CChar>?
        let name = cuGetErrorName(code, &pointer) == 0 && pointer != nil ? String(cString: pointer!) : "CUDA_ERROR_\(code)"
        pointer = nil
        let message = cuGetErrorString(code, &pointer) == 0 && pointer != nil ? String(cString: pointer!) : "unknown error"
        return (name, message)
    }

    /// The ``CUDAError/call(function:code:name:message:)`` error for a failed call.
    func error(_ code: CUResult, _ function: String) -> CUDAError {
        let (name, message) = describe(code)
        return .call(function: function, code: code, name: name, message: message)
    }
}
