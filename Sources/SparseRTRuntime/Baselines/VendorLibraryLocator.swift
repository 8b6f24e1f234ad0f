#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Finds and opens a vendor library (cuBLAS, cuSPARSE, cuDNN) without CUDA at build time.
///
/// Search order: the library's environment variable (a full path; when set, nothing else is tried), then each
/// folder of `LD_LIBRARY_PATH`, `/usr/local/cuda/lib64`, `/usr/local/cuda/targets/<arch>-linux/lib`,
/// `/usr/local/cuda-*/targets/<arch>-linux/lib` (newest version first), PyTorch's wheels
/// (`nvidia/*/lib` under `/opt/torch/.venv/lib/python3*/site-packages` and the system Python's package folders),
/// `/usr/lib/<arch>-linux-gnu`, and last the bare sonames (the loader's own search: its cache, RUNPATHs).
/// In each folder the sonames are tried in the library's order of preference. The path logic is pure
/// (``plan(for:)``) so it is testable without the libraries.
public struct VendorLibraryLocator: Sendable {
    /// One step of a search: a folder that does not hold the library, or a path (or bare soname) to `dlopen`.
    enum Step: Equatable, Sendable {
        case absent(folder: String)
        case open(String)
    }

    /// The environment the search reads (`LD_LIBRARY_PATH` and the libraries' override variables).
    public var environment: [String: String]
    let fileSystem: any LibrarySearchFileSystem
    let architecture: String

    /// A locator for this process's environment and file system.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(environment: environment, fileSystem: LocalFileSystem(), architecture: Self.hostArchitecture)
    }

    init(environment: [String: String], fileSystem: any LibrarySearchFileSystem, architecture: String) {
        self.environment = environment
        self.fileSystem = fileSystem
        self.architecture = architecture
    }

    /// `x86_64` or `aarch64`, as CUDA's folder names spell the host.
    static var hostArchitecture: String {
        #if arch(arm64)
        return "aarch64"
        #else
        return "x86_64"
        #endif
    }

    /// The standard folders, in order, as patterns (`*` matches any run of characters in one path component).
    var folderPatterns: [String] {
        // CUDA names its Arm server targets folder `sbsa-linux`; the Debian multiarch folder is `aarch64-linux-gnu`.
        let targets = architecture == "aarch64" ? "sbsa-linux" : "\(architecture)-linux"
        return [
            "/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/\(targets)/lib",
            "/usr/local/cuda-*/targets/\(targets)/lib",
            "/opt/torch/.venv/lib/python3*/site-packages/nvidia/*/lib",
            "/usr/lib/python3*/site-packages/nvidia/*/lib",
            "/usr/lib/python3*/dist-packages/nvidia/*/lib",
            "/usr/local/lib/python3*/dist-packages/nvidia/*/lib",
            "/usr/lib/\(architecture)-linux-gnu",
        ]
    }

    /// The folders searched, in order: `LD_LIBRARY_PATH`'s, then ``folderPatterns`` expanded; each once.
    func searchFolders() -> [String] {
        let fromEnvironment = (environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        var seen = Set<String>()
        var folders: [String] = []
        for folder in fromEnvironment + folderPatterns.flatMap(expand) {
            let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
            if !trimmed.isEmpty, seen.insert(trimmed).inserted { folders.append(trimmed) }
        }
        return folders
    }

    /// The search for `library`, in the order it is carried out (see the type's description).
    func plan(for library: VendorLibrary) -> [Step] {
        if let path = environment[library.environmentVariable], !path.isEmpty { return [.open(path)] }
        var steps: [Step] = []
        for folder in searchFolders() {
            let found = library.sonames.map { folder + "/" + $0 }.filter(fileSystem.fileExists)
            steps += found.isEmpty ? [.absent(folder: folder)] : found.map(Step.open)
        }
        return steps + library.sonames.map(Step.open)
    }

    /// Opens `library`: the first step of ``plan(for:)`` that `dlopen` accepts, after that folder's companions.
    /// Throws ``BaselineError/libraryNotFound(_:tried:)`` listing every step and why it failed.
    public func load(_ library: VendorLibrary) throws(BaselineError) -> LoadedVendorLibrary {
        var tried: [String] = []
        for step in plan(for: library) {
            switch step {
            case .absent(let folder):
                tried.append("\(folder) (not there)")
            case .open(let path):
                let slash = path.lastIndex(of: "/")
                let (companions, notes) = slash.map {
                    loadCompanions(library, folder: String(path[..<$0]), soname: String(path[path.index(after: $0)...]))
                } ?? ([], [])
                if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) {
                    return LoadedVendorLibrary(
                        library: library, path: path, handle: handle, companionHandles: companions,
                        companionNotes: notes)
                }
                let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
                tried.append(slash == nil ? "\(path) (loader search): \(reason)" : "\(path): \(reason)")
            }
        }
        throw .libraryNotFound(library.name, tried: tried)
    }

    /// The companion files for a library found as `soname` in `folder`, in load order; `<major>` patterns are
    /// skipped for an unversioned soname, and a pattern matching nothing is skipped.
    func companionPaths(_ library: VendorLibrary, folder: String, soname: String) -> [String] {
        let major = soname.range(of: ".so.").map { String(soname[$0.upperBound...]) }
        return library.companions.compactMap { pattern -> String? in
            if pattern.contains("<major>") {
                guard let major, !major.isEmpty else { return nil }
                let name = pattern.replacingOccurrences(of: "<major>", with: major)
                return fileSystem.fileExists(folder + "/" + name) ? folder + "/" + name : nil
            }
            if pattern.contains("*") {
                let names = fileSystem.entries(of: folder).filter { Self.wildcardMatches($0, pattern) }
                return names.sorted(by: Self.naturalDescending).first.map { folder + "/" + $0 }
            }
            return fileSystem.fileExists(folder + "/" + pattern) ? folder + "/" + pattern : nil
        }
    }

    /// `dlopen`s the companions; returns the handles and a note for each (loaded, or why not).
    private func loadCompanions(_ library: VendorLibrary, folder: String, soname: String)
        -> ([UnsafeMutableRawPointer], [String])
    {
        var handles: [UnsafeMutableRawPointer] = []
        var notes: [String] = []
        for path in companionPaths(library, folder: folder, soname: soname) {
            if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) {
                handles.append(handle)
                notes.append("\(path) loaded")
            } else {
                notes.append("\(path): " + (dlerror().map { String(cString: $0) } ?? "unknown dlopen error"))
            }
        }
        return (handles, notes)
    }

    /// Expands `*` in the components of an absolute path pattern against the file system; matches in each
    /// component are ordered newest first (natural descending: `cuda-13.0` before `cuda-12.8` before `cuda-9.2`).
    func expand(_ pattern: String) -> [String] {
        guard pattern.contains("*") else { return [pattern] }
        var paths = [""]
        for component in pattern.split(separator: "/").map(String.init) {
            if component.contains("*") {
                paths = paths.flatMap { base in
                    fileSystem.entries(of: base.isEmpty ? "/" : base)
                        .filter { Self.wildcardMatches($0, component) }
                        .sorted(by: Self.naturalDescending)
                        .map { base + "/" + $0 }
                }
            } else {
                paths = paths.map { $0 + "/" + component }
            }
        }
        return paths
    }

    /// Whether `name` matches `pattern`, where `*` matches any run of characters (possibly empty) and every other
    /// character only itself.
    static func wildcardMatches(_ name: String, _ pattern: String) -> Bool {
        let text = Array(name), wanted = Array(pattern)
        // matched[j]: the text read so far matches wanted[0..<j].
        var matched = [Bool](repeating: false, count: wanted.count + 1)
        matched[0] = true
        for j in wanted.indices where wanted[j] == "*" && matched[j] { matched[j + 1] = true }
        for character in text {
            var next = [Bool](repeating: false, count: wanted.count + 1)
            for j in wanted.indices {
                if wanted[j] == "*" {
                    next[j + 1] = matched[j + 1] || next[j]
                } else if wanted[j] == character && matched[j] {
                    next[j + 1] = true
                }
            }
            matched = next
        }
        return matched[wanted.count]
    }

    /// Natural descending order: runs of digits compare as numbers, everything else character by character.
    static func naturalDescending(_ a: String, _ b: String) -> Bool { naturalAscending(b, a) }

    /// Natural ascending order (`cuda-9.2` < `cuda-12.8` < `cuda-13.0`).
    static func naturalAscending(_ a: String, _ b: String) -> Bool {
        let left = chunks(a), right = chunks(b)
        for (x, y) in zip(left, right) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case let (p?, q?) where p != q: return p < q
            default: return x < y
            }
        }
        return left.count < right.count
    }

    /// `a` split into maximal runs of digits and of non-digits.
    private static func chunks(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var inDigits = false
        for character in text {
            let digit = character.isASCII && character.isNumber
            if !current.isEmpty && digit != inDigits {
                result.append(current)
                current = ""
            }
            current.append(character)
            inDigits = digit
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

/// What the locator asks of the file system; a protocol so tests can give it a made-up tree.
protocol LibrarySearchFileSystem: Sendable {
    /// Whether a file (or a link to one) exists at `path`.
    func fileExists(_ path: String) -> Bool
    /// The names in `folder`, or none when it is absent or unreadable.
    func entries(of folder: String) -> [String]
}

/// The real file system.
struct LocalFileSystem: LibrarySearchFileSystem {
    func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func entries(of folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    }
}
