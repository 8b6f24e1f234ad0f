#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A vendor library a baseline is bound to at run time: its name, the environment variable that names its full
/// path, the sonames to look for, and the libraries of the same folder to load before it.
public struct VendorLibrary: Sendable, Equatable {
    /// Display name ("cuBLAS").
    public let name: String
    /// Environment variable holding the library's full path; when set, only that path is tried.
    public let environmentVariable: String
    /// File names to look for, preferred first (newest major version first, the unversioned name last).
    public let sonames: [String]
    /// Libraries loaded from the folder the library was found in, before it, so that its by-soname dependencies
    /// and lazy loads find them even where that folder is not on the loader's path (PyTorch's wheels). `<major>`
    /// stands for the found soname's version suffix (`13` for `libcublas.so.13`); `*` matches any run of
    /// characters (the first match in natural descending order is loaded). Failures are recorded, not fatal.
    public let companions: [String]

    public init(name: String, environmentVariable: String, sonames: [String], companions: [String] = []) {
        self.name = name
        self.environmentVariable = environmentVariable
        self.sonames = sonames
        self.companions = companions
    }

    /// cuBLAS: CUDA 13 ships `libcublas.so.13`, CUDA 12 `.so.12`; it needs the matching cuBLASLt.
    public static let cublas = VendorLibrary(
        name: "cuBLAS", environmentVariable: "SPARSERT_CUBLAS",
        sonames: ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
        companions: ["libcublasLt.so.<major>"])

    /// cuSPARSE: both CUDA 12 and CUDA 13 ship `libcusparse.so.12`; it needs nvJitLink (whose major follows CUDA's).
    public static let cusparse = VendorLibrary(
        name: "cuSPARSE", environmentVariable: "SPARSERT_CUSPARSE",
        sonames: ["libcusparse.so.12", "libcusparse.so.13", "libcusparse.so.11", "libcusparse.so"],
        companions: ["libnvJitLink.so.*"])

    /// cuDNN 9: `libcudnn.so.9` is a shim that loads its sub-libraries (graph, ops, cnn, engines) on demand.
    public static let cudnn = VendorLibrary(
        name: "cuDNN", environmentVariable: "SPARSERT_CUDNN",
        sonames: ["libcudnn.so.9", "libcudnn.so.8", "libcudnn.so"],
        companions: ["libcudnn_graph.so.<major>", "libcudnn_ops.so.<major>", "libcudnn_cnn.so.<major>"])

    /// The three libraries the baselines use.
    public static let all: [VendorLibrary] = [.cublas, .cusparse, .cudnn]
}

/// A vendor library opened with `dlopen`, never closed (its handles live as long as the process), and where it
/// came from. Symbols are looked up in the library first, then in the companions loaded with it.
public final class LoadedVendorLibrary: @unchecked Sendable {
    /// Which library this is.
    public let library: VendorLibrary
    /// The path (or bare soname) `dlopen` accepted.
    public let path: String
    /// Companion libraries loaded before it: each path, or why it could not be loaded.
    public let companionNotes: [String]
    let handle: UnsafeMutableRawPointer
    let companionHandles: [UnsafeMutableRawPointer]

    init(library: VendorLibrary, path: String, handle: UnsafeMutableRawPointer,
         companionHandles: [UnsafeMutableRawPointer], companionNotes: [String]) {
        self.library = library
        self.path = path
        self.handle = handle
        self.companionHandles = companionHandles
        self.companionNotes = companionNotes
    }

    /// The first of `names` the library (or a companion) exports, as the C function type `F`; nil when none is.
    func optionalSymbol<F>(_ names: String..., as type: F.Type = F.self) -> F? {
        find(names)
    }

    /// The first of `names` the library (or a companion) exports, as the C function type `F`.
    func symbol<F>(_ names: String..., as type: F.Type = F.self) throws(BaselineError) -> F {
        guard let function: F = find(names) else {
            throw .missingSymbol(library: library.name, symbol: names[0], path: path)
        }
        return function
    }

    private func find<F>(_ names: [String]) -> F? {
        precondition(MemoryLayout<F>.size == MemoryLayout<UnsafeMutableRawPointer>.size, "\(F.self) is not a C function type")
        for name in names {
            for object in [handle] + companionHandles {
                if let pointer = dlsym(object, name) { return unsafeBitCast(pointer, to: F.self) }
            }
        }
        return nil
    }
}
