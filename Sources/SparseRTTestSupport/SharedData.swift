import Foundation

/// Locates the read-only data set that sits beside every checkout and CI clone (`../shared/data`).
///
/// Tests that need it call ``SharedData/root`` and skip with a reason when it is nil.
public enum SharedData {
    /// The `shared/data` folder: `$SPARSERT_SHARED_DATA` if set, else the first `shared/data` found walking
    /// up from the package root (this file's location). Nil when absent (a user's fresh clone).
    public static let root: URL? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SPARSERT_SHARED_DATA"], fm.fileExists(atPath: env) {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("shared/data")
            if fm.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// All files under `relativeFolder` of the shared data whose name ends with `suffix`, sorted by path.
    public static func files(under relativeFolder: String, suffix: String) -> [URL] {
        guard let root else { return [] }
        let base = root.appendingPathComponent(relativeFolder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var found: [URL] = []
        for case let url as URL in walker where url.lastPathComponent.hasSuffix(suffix) { found.append(url) }
        return found.sorted { $0.path < $1.path }
    }
}
