import Foundation
import SparseRT
import Testing

@Suite("Parallel work")
struct ParallelWorkTests {
    @Test("results come back in index order; with costs the costliest jobs are taken first, ties in index order", arguments: [
        // (costs, the order one thread takes the jobs in)
        (nil, [0, 1, 2, 3, 4]),
        ([1.0, 5.0, 0.0, 5.0, 2.0], [1, 3, 4, 0, 2]),
        ([0.0, 0.0, 0.0, 0.0, 0.0], [0, 1, 2, 3, 4]),
    ] as [([Double]?, [Int])])
    func order(costs: [Double]?, expected: [Int]) {
        let taken = LockedList()
        let results = ParallelWork.map(5, width: 1, costs: costs) { i -> Int in
            taken.append(i)
            return i * 10
        }
        #expect(results == [0, 10, 20, 30, 40])
        #expect(taken.items == expected)
    }

    @Test("every job runs once on several threads")
    func manyThreads() {
        let taken = LockedList()
        let results = ParallelWork.map(100, width: 8, costs: (0..<100).map { Double($0 % 7) }) { i -> Int in
            taken.append(i)
            return i
        }
        #expect(results == Array(0..<100))
        #expect(taken.items.sorted() == Array(0..<100))
    }
}

/// Job indices in the order they ran.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ i: Int) { lock.withLock { list.append(i) } }
    var items: [Int] { lock.withLock { list } }
}
