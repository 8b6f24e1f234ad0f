import Dispatch
import Foundation

/// Runs independent jobs on several threads: kernel generation, ptxas processes, CPU verification.
public enum ParallelWork {
    /// `transform(i)` for i in 0..<count on up to `width` threads; results in index order. With `costs`
    /// (parallel to the jobs, any unit) the costliest jobs start first, so a long one does not start last and
    /// hold the others' result (longest-processing-time order: within 4/3 of the shortest possible span).
    public static func map<T>(_ count: Int, width: Int, costs: [Double]? = nil, _ transform: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = ParallelSlots<T>(count)
        if let costs, costs.count == count {
            slots.order = (0..<count).sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        }
        withoutActuallyEscaping(transform) { transform in
            nonisolated(unsafe) let work = transform
            DispatchQueue.concurrentPerform(iterations: max(1, min(width, count))) { _ in
                while true {
                    guard let i = slots.take() else { return }
                    slots.put(i, work(i))
                }
            }
        }
        return slots.values.map { $0! }
    }
}

/// Result slots and a shared cursor over the jobs' order, guarded by one lock.
final class ParallelSlots<T>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var values: [T?]
    /// The order jobs are taken in (index order unless set).
    var order: [Int]
    init(_ count: Int) {
        values = Array(repeating: nil, count: count)
        order = Array(0..<count)
    }
    /// The next job to run, nil when all are taken.
    func take() -> Int? {
        lock.withLock {
            guard next < order.count else { return nil }
            defer { next += 1 }
            return order[next]
        }
    }
    func put(_ i: Int, _ value: T) { lock.withLock { values[i] = value } }
}
