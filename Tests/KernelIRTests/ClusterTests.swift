import KernelIR
import SparseRT
import SparseRTTestSupport
import Testing

/// Thread-block clusters: `.reqnctapercluster`, `barrier.cluster` and `ld.shared::cluster` in the IR, the
/// renderer and the interpreter.
@Suite("Thread-block clusters")
struct ClusterTests {
    static let threads = 32

    /// The value block `(x, y)` thread `t` publishes in its shared memory.
    static func published(x: Int, y: Int, t: Int) -> UInt32 { UInt32(100_000 * y + 1000 * x + t) }

    /// A kernel whose blocks each publish ``published(x:y:t:)`` in shared word `t`, cluster-barrier, read
    /// `width` words of the next block of their cluster (rank `(ctaid.x + 1) % clusterSize`; threads whose
    /// `t % width == 0` load, guarded) and store them to `out[(y * gridX + x) * threads + t ...]`, then
    /// cluster-barrier again before exiting.
    static func neighbourKernel(clusterSize: Int, width: Int, gridX: Int) -> Kernel {
        var b = KernelBuilder()
        let out = b.register(.u64)
        b.emit(.loadParameter(out, index: 0))
        let (t, x, y) = b.threadAndBlockIndices()
        let base = b.register(.u32)
        b.emit(.sharedBase(base))
        let slot = b.binary(.add, .u32, .register(base), .register(b.binary(.mul, .u32, .register(t), .u32(4))))
        let row = b.binary(.add, .u32, .register(b.binary(.mul, .u32, .register(y), .u32(100))), .register(x))
        let value = b.binary(.add, .u32, .register(b.binary(.mul, .u32, .register(row), .u32(1000))), .register(t))
        b.emit(.store(.shared, [.register(value)], address: slot, offset: 0))
        b.emit(.clusterBarrier)
        let rank = b.binary(.rem, .u32, .register(b.binary(.add, .u32, .register(x), .u32(1))), .u32(UInt32(clusterSize)))
        let loads = b.compare(.eq, .u32, .register(b.binary(.rem, .u32, .register(t), .u32(UInt32(width)))), .u32(0))
        // Address 8 bytes past the slot and offset -8: both parts of the address take effect.
        let shifted = b.binary(.add, .u32, .register(slot), .u32(8))
        let words = (0..<width).map { _ in b.register(width == 2 ? .f32 : .u32) }
        b.emit(.loadClusterShared(words, address: shifted, offset: -8, rank: .register(rank)), guard: loads)
        b.emit(.clusterBarrier)
        let block = b.binary(.add, .u32, .register(b.binary(.mul, .u32, .register(y), .u32(UInt32(gridX)))), .register(x))
        let index = b.binary(.add, .u32, .register(b.binary(.mul, .u32, .register(block), .u32(UInt32(threads)))), .register(t))
        let bytes = b.register(.u64)
        b.emit(.multiplyWide(bytes, .register(index), .u32(4)))
        let address = b.binary(.add, .u64, .register(out), .register(bytes))
        b.emit(.store(.global, words.map(Operand.register), address: address, offset: 0), guard: loads)
        b.emit(.exit)
        return b.build(name: "neighbour", parameters: [KernelParameter(name: "out", type: .u64)],
                       threadsPerBlock: threads, sharedMemoryBytes: 4 * threads, clusterSize: clusterSize)
    }

    /// Runs `kernel` over `grid` with one output buffer of a word per thread; returns its words.
    static func run(_ kernel: Kernel, grid: (x: Int, y: Int, z: Int)) throws -> [UInt32] {
        var memory = SimulatedMemory()
        let out = memory.allocate(words: grid.x * grid.y * grid.z * kernel.threadsPerBlock, fill: Float.nan.bitPattern)
        try Interpreter(kernel).run(SimulatedLaunch(grid: grid, arguments: [out]), memory: &memory)
        return memory.floats(at: out).map(\.bitPattern)
    }

    @Test("each block reads the next block of its cluster's shared memory",
          arguments: [(1, 1), (2, 1), (4, 1), (2, 4), (4, 2)])
    func neighbour(clusterSize: Int, width: Int) throws {
        let gridX = 2 * clusterSize, gridY = 2
        let out = try Self.run(Self.neighbourKernel(clusterSize: clusterSize, width: width, gridX: gridX),
                               grid: (gridX, gridY, 1))
        var expected: [UInt32] = []
        for y in 0..<gridY {
            for x in 0..<gridX {
                let next = x / clusterSize * clusterSize + (x % clusterSize + 1) % clusterSize
                expected += (0..<Self.threads).map { Self.published(x: next, y: y, t: $0) }
            }
        }
        #expect(out == expected)
    }

    /// Ways to misuse clusters, each with the words its error names.
    enum Misuse: String, CaseIterable {
        case gridNotMultiple, rankOutOfRange, threadExits, blockExits, blockBarrierWhileClusterWaits
        case loadBeforeFirstBarrier, loadAfterLastBarrier, guardedBarrier

        var message: String {
            switch self {
            case .gridNotMultiple: return "not a multiple of the cluster size 2"
            case .rankOutOfRange: return "cluster rank 2 outside 0..<2"
            case .threadExits, .blockExits: return "exited while threads of block"
            case .blockBarrierWhileClusterWaits: return "wait at a block barrier while others wait at a cluster barrier"
            case .loadBeforeFirstBarrier: return "before the first cluster barrier"
            case .loadAfterLastBarrier: return "after the last cluster barrier"
            case .guardedBarrier: return "a guarded cluster barrier"
            }
        }

        /// A 2-block-cluster kernel with this misuse, and its grid x.
        func kernel() -> (Kernel, gridX: Int) {
            var b = KernelBuilder()
            let out = b.register(.u64)
            b.emit(.loadParameter(out, index: 0))
            let (t, x, _) = b.threadAndBlockIndices()
            let base = b.register(.u32)
            b.emit(.sharedBase(base))
            b.emit(.store(.shared, [.register(t)], address: base, offset: 0))
            let other = b.binary(.rem, .u32, .register(b.binary(.add, .u32, .register(x), .u32(1))), .u32(2))
            let v = b.register(.u32)
            let end = b.label()
            switch self {
            case .gridNotMultiple, .rankOutOfRange:
                b.emit(.clusterBarrier)
                b.emit(.loadClusterShared([v], address: base, offset: 0, rank: self == .rankOutOfRange ? .u32(2) : .register(other)))
                b.emit(.clusterBarrier)
            case .threadExits, .blockExits:
                // Thread 1 of every block, or every thread of block 1, skips the barrier.
                let skips = b.compare(.eq, .u32, .register(self == .threadExits ? t : x), .u32(1))
                b.emit(.branch(end), guard: skips)
                b.emit(.clusterBarrier)
            case .blockBarrierWhileClusterWaits:
                let first = b.compare(.eq, .u32, .register(t), .u32(0))
                let cluster = b.label()
                b.emit(.branch(cluster), guard: first)
                b.emit(.barrier)
                b.emit(.branch(end))
                b.emit(.label(cluster))
                b.emit(.clusterBarrier)
            case .loadBeforeFirstBarrier:
                b.emit(.loadClusterShared([v], address: base, offset: 0, rank: .register(other)))
                b.emit(.clusterBarrier)
            case .loadAfterLastBarrier:
                b.emit(.clusterBarrier)
                b.emit(.loadClusterShared([v], address: base, offset: 0, rank: .register(other)))
            case .guardedBarrier:
                let first = b.compare(.eq, .u32, .register(t), .u32(0))
                b.emit(.clusterBarrier, guard: first)
            }
            b.emit(.label(end))
            b.emit(.exit)
            let kernel = b.build(name: "misuse", parameters: [KernelParameter(name: "out", type: .u64)],
                                 threadsPerBlock: 32, sharedMemoryBytes: 16, clusterSize: 2)
            return (kernel, self == .gridNotMultiple ? 3 : 4)
        }
    }

    @Test("cluster misuse is reported", arguments: Misuse.allCases)
    func misuse(_ misuse: Misuse) {
        let (kernel, gridX) = misuse.kernel()
        #expect { _ = try Self.run(kernel, grid: (gridX, 1, 1)) } throws: { error in
            error is InterpreterError && "\(error)".contains(misuse.message)
        }
    }

    /// A 4-block-cluster kernel with a register cap, a guarded vector and an immediate-rank remote load.
    static func renderedKernel() -> Kernel {
        var b = KernelBuilder()
        let address = b.register(.u32), rank = b.register(.u32)
        b.emit(.sharedBase(address))
        b.emit(.readSpecial(rank, .threadX))
        let p = b.compare(.lt, .u32, .register(rank), .u32(4))
        let v = (0..<4).map { _ in b.register(.f32) }
        let w = b.register(.u32)
        b.emit(.clusterBarrier)
        b.emit(.loadClusterShared(v, address: address, offset: 32, rank: .register(rank)), guard: p)
        b.emit(.loadClusterShared([w], address: address, offset: 0, rank: .u32(3)))
        b.emit(.clusterBarrier)
        b.emit(.exit)
        var kernel = b.build(name: "k", parameters: [], threadsPerBlock: 64, sharedMemoryBytes: 256, clusterSize: 4)
        kernel.maxRegistersPerThread = 128
        return kernel
    }

    @Test("a cluster kernel renders .reqnctapercluster, mapa with ld.shared::cluster, and barrier.cluster")
    func render() {
        let ptx = PTXRenderer.render(Self.renderedKernel())
        #expect(ptx.contains(".maxntid 64, 1, 1\n.reqnctapercluster 4, 1, 1\n.maxnreg 128\n"))
        #expect(ptx.contains("\t.reg .u32 %cl<1>;\n"))
        #expect(ptx.contains("\tbarrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;\n"))
        #expect(ptx.contains(
            "\t@%p0 mapa.shared::cluster.u32 %cl0, %r0, %r1;\n\t@%p0 ld.shared::cluster.v4.f32 {%f0, %f1, %f2, %f3}, [%cl0+32];\n"))
        #expect(ptx.contains("\tmapa.shared::cluster.u32 %cl0, %r0, 3;\n\tld.shared::cluster.u32 %r2, [%cl0];\n"))
    }

    @Test("a kernel without clusters renders no cluster directive or scratch register")
    func renderWithoutClusters() {
        var b = KernelBuilder()
        let base = b.register(.u32), v = b.register(.f32)
        b.emit(.sharedBase(base))
        b.emit(.barrier)
        b.emit(.load(.shared, [v], address: base, offset: 0))
        b.emit(.exit)
        let kernel = b.build(name: "k", parameters: [], threadsPerBlock: 32, sharedMemoryBytes: 4)
        #expect(kernel.clusterSize == 1)
        let ptx = PTXRenderer.render(kernel)
        #expect(ptx.contains(".maxntid 32, 1, 1\n{\n"))
        #expect(!ptx.contains("cluster"))
        #expect(!ptx.contains("%cl"))
    }

    @Test("ptxas assembles the neighbour kernels for sm_90",
          .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: [(2, 1), (4, 4), (8, 2)])
    func assembles(clusterSize: Int, width: Int) throws {
        let ptx = PTXRenderer.render(Self.neighbourKernel(clusterSize: clusterSize, width: width, gridX: clusterSize))
        #expect(try #require(TestMatrices.ptxas).assemble(ptx).spillStoreBytes == 0)
    }

    @Test("ptxas assembles guarded vector and immediate-rank cluster loads under a register cap",
          .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"))
    func assemblesRendered() throws {
        _ = try #require(TestMatrices.ptxas).assemble(PTXRenderer.render(Self.renderedKernel()))
    }
}
