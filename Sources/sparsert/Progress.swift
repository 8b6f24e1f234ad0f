import Foundation

/// Progress of a tuning run: a redrawn bar on a terminal; otherwise plain lines, one per tenth of the
/// candidates done and one when all are (later passes add candidates), so a log holds about ten lines per
/// tuning run instead of one per candidate.
enum TuningProgress {
    static func reporter(label: String) -> @Sendable (Int, Int, Double?) -> Void {
        let start = Date()
        let terminal = isatty(STDERR_FILENO) != 0
        let lastTenth = LockedCounter(-1)
        return { done, total, best in
            let elapsed = Date().timeIntervalSince(start)
            let bestText = best.map { String(format: "best %.2f us", $0) } ?? "best -"
            if terminal {
                let width = 24
                let filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                let line = String(format: "%@ [%@] %d/%d  %@  %.1f s", label, bar, done, total, bestText, elapsed)
                FileHandle.standardError.write(Data("\r\(line)".utf8))
            } else {
                let tenth = total == 0 ? 10 : done * 10 / total
                guard lastTenth.raise(to: tenth) || done == total else { return }
                let line = String(format: "%@: %d/%d candidates, %@, %.1f s", label, done, total, bestText, elapsed)
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            }
        }
    }
}

/// An integer that only grows, shared by the tuner's worker threads.
private final class LockedCounter: @unchecked Sendable {
    private var value: Int
    private let lock = NSLock()
    init(_ value: Int) { self.value = value }
    /// Sets the value to `newValue` if that is larger; returns whether it did.
    func raise(to newValue: Int) -> Bool {
        lock.withLock {
            guard newValue > value else { return false }
            value = newValue
            return true
        }
    }
}

/// Progress of a CPU check through the IR interpreter, which takes minutes on a large layer: after the first
/// few seconds, a line on standard error every few seconds with blocks done and the time left at that rate.
enum InterpreterProgress {
    static func reporter(every interval: TimeInterval = 5) -> (Int, Int) -> Void {
        var start: (time: Date, done: Int)?
        var next = interval
        return { done, total in
            // Timed from the first block on: drawing the inputs and the reference comes before it.
            guard let first = start else { start = (Date(), done); return }
            let elapsed = Date().timeIntervalSince(first.time)
            guard elapsed >= next, done < total, done > first.done else { return }
            next = elapsed + interval
            let left = elapsed / Double(done - first.done) * Double(total - done)
            printNote(String(format: "cpu-ir: %d of %d blocks, %.0f s, about %.0f s left", done, total, elapsed, left))
        }
    }
}
