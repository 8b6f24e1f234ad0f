import Dispatch
import Foundation

/// Runs independent jobs on several threads: kernel generation, ptxas processes, CPU verification.
public enum ParallelWork {
    /// `transform(i)` for i in 0..<count on up to `width` threads; results in index order.
    public static func map<T>(_ count: Int, width: Int, _ transform: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = ParallelSlots<T>(count)
        withoutActuallyEscaping(transform) { transform in
            nonisolated(unsafe) let work = transform
            DispatchQueue.concurrentPerform(iterations: max(1, min(width, count))) { _ in
                while true {
                    let i = slots.take()
                    if i >= count { return }
                    slots.put(i, work(i))
                }
            }
        }
        return slots.values.map { $0! }
    }
}

/// Result slots and a shared job counter, guarded by one lock.
final class ParallelSlots<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var values: [T?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func take() -> Int { lock.withLock { defer { next += 1 }; return next } }
    func put(_ i: Int, _ value: T) { lock.withLock { values[i] = value } }
}
