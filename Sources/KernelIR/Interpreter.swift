import Float16Bits

/// Why the interpreter stopped a kernel: each case names the block, thread and instruction.
public struct InterpreterError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "kernel IR execution failed: \(message)" }
}

/// A launch to interpret: grid, arguments (pointers from ``SimulatedMemory`` or raw 32-bit values).
public struct SimulatedLaunch: Sendable {
    public var grid: (x: Int, y: Int, z: Int)
    public var arguments: [UInt64]
    public init(grid: (x: Int, y: Int, z: Int), arguments: [UInt64]) {
        self.grid = grid
        self.arguments = arguments
    }
}

/// Executes a ``Kernel`` on the CPU for every thread of every block, with PTX semantics: registers per
/// thread, shared memory per block, `bar.sync` as a block-wide rendezvous, `shfl.sync` as a rendezvous of
/// the warp's 32 threads, `cp.async` copies that land only at the thread's `cp.async.wait_all` (reading or
/// overwriting their target before that is an error), bounds-checked memory. The blocks of a thread-block
/// cluster run together: `barrier.cluster` is a rendezvous of all their threads, and `ld.shared::cluster`
/// reads another block's shared memory, which must come between two cluster barriers (after one, so the
/// target has started; before one, so it has not exited). Other data races are not detected.
///
/// This is the oracle that lets CI check the generator's real output without a GPU. Cost is one
/// interpreted step per executed instruction per thread; blocks run one after another, those of one
/// cluster round-robin from one cluster barrier to the next.
public struct Interpreter {
    let kernel: Kernel
    let code: [Decoded]
    let registerCounts: [Int]  // per ValueType case order f32, u32, u64, pred, f16
    let labelTargets: [Int: Int]  // label index -> instruction index

    public init(_ kernel: Kernel) throws {
        self.kernel = kernel
        var labels: [Label: Int] = [:]
        for (i, inst) in kernel.instructions.enumerated() {
            if case .label(let l) = inst.operation { labels[l] = i }
        }
        var code: [Decoded] = []
        code.reserveCapacity(kernel.instructions.count)
        for inst in kernel.instructions {
            code.append(try Decoded(inst, labels: labels))
        }
        self.code = code
        self.labelTargets = Dictionary(uniqueKeysWithValues: labels.map { ($0.key.index, $0.value) })
        self.registerCounts = ValueType.allCases.map { kernel.registerCounts[$0, default: 0] }
    }

    /// Runs the launch against `memory`; throws on any invalid access, bad branch or barrier misuse.
    /// `progress`, if given, hears (blocks done, blocks in the grid) after every cluster of blocks.
    public func run(
        _ launch: SimulatedLaunch, memory: inout SimulatedMemory, progress: ((Int, Int) -> Void)? = nil
    ) throws {
        guard launch.arguments.count == kernel.parameters.count else {
            throw InterpreterError(message: "\(launch.arguments.count) arguments for \(kernel.parameters.count) parameters")
        }
        let clusterSize = kernel.clusterSize
        guard clusterSize >= 1 else { throw InterpreterError(message: "cluster size \(clusterSize)") }
        guard launch.grid.x % clusterSize == 0 else {
            throw InterpreterError(
                message: "grid x \(launch.grid.x) is not a multiple of the cluster size \(clusterSize)")
        }
        let blocks = launch.grid.x * launch.grid.y * launch.grid.z
        var done = 0
        for bz in 0..<launch.grid.z {
            for by in 0..<launch.grid.y {
                for first in stride(from: 0, to: launch.grid.x, by: clusterSize) {
                    try runCluster(firstBlock: (first, by, bz), launch: launch, memory: &memory)
                    done += clusterSize
                    progress?(done, blocks)
                }
            }
        }
    }

    /// Runs the `clusterSize` blocks from `firstBlock` along x together: round-robin, each until all its
    /// live threads wait at the cluster barrier (or all exited), then releases the barrier once every
    /// thread of every block waits there. With one block per cluster this is the plain block loop.
    func runCluster(
        firstBlock: (x: Int, y: Int, z: Int), launch: SimulatedLaunch, memory: inout SimulatedMemory
    ) throws {
        let size = kernel.clusterSize
        let threads = kernel.threadsPerBlock
        let sharedWords = (kernel.sharedMemoryBytes + 3) / 4
        var blocks = (0..<size).map {
            BlockState(threads: threads, counts: registerCounts, sharedWords: sharedWords,
                       block: (firstBlock.x + $0, firstBlock.y, firstBlock.z))
        }
        var pcs = [[Int]](repeating: [Int](repeating: 0, count: threads), count: size)
        // Per thread: nil, runnable; otherwise where it stopped.
        var stops = [[Stop?]](repeating: [Stop?](repeating: nil, count: threads), count: size)
        var phase = 0
        while true {
            for rank in 0..<size {
                // The other blocks stand still while this one runs, so it reads their memory as it is now.
                // Its own entry stays empty: holding its arrays would copy them on its next store.
                let view = ClusterView(
                    rank: rank, size: size, phase: phase,
                    shared: size == 1 ? [] : blocks.indices.map { $0 == rank ? [] : blocks[$0].shared },
                    pendingCopyOwner: size == 1 ? [] : blocks.indices.map { $0 == rank ? [] : blocks[$0].pendingCopyOwner })
                try runBlock(&blocks[rank], pcs: &pcs[rank], stops: &stops[rank], cluster: view,
                             launch: launch, memory: &memory)
            }
            let waiting = stops.indices.filter { stops[$0].contains(.clusterBarrier) }
            if waiting.isEmpty {
                if let block = blocks.first(where: { $0.remoteLoad != nil }), let (t, pc) = block.remoteLoad {
                    throw InterpreterError(
                        message: "block \(block.block) thread \(t), instruction \(pc): reads another block's shared memory after the last cluster barrier, so that block may have exited")
                }
                return
            }
            for rank in 0..<size where stops[rank].contains(where: { $0 != .clusterBarrier }) {
                let exited = stops[rank].filter { $0 == .exit }.count
                throw InterpreterError(
                    message: "block \(blocks[rank].block): \(exited) threads exited while threads of block \(blocks[waiting[0]].block) wait at a cluster barrier that they never reach")
            }
            for rank in 0..<size {
                for t in 0..<threads { stops[rank][t] = nil }
                blocks[rank].remoteLoad = nil
            }
            phase += 1
        }
    }

    /// Runs the block's runnable threads, releasing its `bar.sync`s and shuffles, until every thread has
    /// exited or waits at the cluster barrier (some may have exited; ``runCluster`` judges that).
    func runBlock(
        _ block: inout BlockState, pcs: inout [Int], stops: inout [Stop?], cluster: ClusterView,
        launch: SimulatedLaunch, memory: inout SimulatedMemory
    ) throws {
        while true {
            for t in 0..<block.threads where stops[t] == nil {
                stops[t] = try runThread(t, pc: &pcs[t], block: &block, cluster: cluster, launch: launch, memory: &memory)
            }
            // Shuffles first: a warp whose threads all wait at the same shuffle exchanges and runs on.
            var exchanged = false
            for warp in stride(from: 0, to: block.threads, by: 32) {
                let lanes = warp..<min(warp + 32, block.threads)
                guard lanes.contains(where: { stops[$0] == .shuffle }) else { continue }
                let pc = pcs[warp]
                guard lanes.count == 32, lanes.allSatisfy({ stops[$0] == .shuffle && pcs[$0] == pc }) else {
                    throw InterpreterError(
                        message: "block \(block.block): the threads of warp \(warp / 32) do not all reach the shuffle at instruction \(pc) together")
                }
                // Each lane's source lane within the warp.
                let dst: Register, src: Register, sourceOf: (Int) -> Int
                switch kernel.instructions[pc].operation {
                case .shuffle(let d, let s, let sourceLane, let width):
                    (dst, src, sourceOf) = (d, s, { ($0 & ~(width - 1)) | (sourceLane & (width - 1)) })
                case .shuffleXor(let d, let s, let laneMask):
                    (dst, src, sourceOf) = (d, s, { $0 ^ laneMask })
                default:
                    throw InterpreterError(message: "block \(block.block): instruction \(pc) is not a shuffle")
                }
                let values = lanes.map { t -> UInt32 in
                    let source = warp + sourceOf(t - warp)
                    return src.type == .f32 ? block.f[source * registerCounts[0] + src.index].bitPattern
                        : block.r[source * registerCounts[1] + src.index]
                }
                for (t, value) in zip(lanes, values) {
                    store(value, into: dst, &block, t * registerCounts[0], t * registerCounts[1])
                    pcs[t] += 1
                    stops[t] = nil
                }
                exchanged = true
            }
            if exchanged { continue }
            let atBarrier = stops.filter { $0 == .barrier }.count
            if atBarrier == 0 { return }
            if stops.contains(.exit) {
                throw InterpreterError(
                    message: "block \(block.block): \(atBarrier) threads wait at a barrier that exited threads never reach")
            }
            if stops.contains(.clusterBarrier) {
                throw InterpreterError(
                    message: "block \(block.block): \(atBarrier) threads wait at a block barrier while others wait at a cluster barrier")
            }
            for t in 0..<block.threads { stops[t] = nil }
        }
    }

    enum Stop { case barrier, clusterBarrier, shuffle, exit }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func runThread(
        _ t: Int, pc: inout Int, block: inout BlockState, cluster: ClusterView, launch: SimulatedLaunch,
        memory: inout SimulatedMemory
    ) throws -> Stop {
        let fBase = t * registerCounts[0]
        let rBase = t * registerCounts[1]
        let dBase = t * registerCounts[2]
        let pBase = t * registerCounts[3]
        var steps = 0
        let fail = { (what: String) in Fault(message: what) }
        do {
            return try runThreadBody(t, pc: &pc, block: &block, cluster: cluster, launch: launch, memory: &memory,
                                     bases: (fBase, rBase, dBase, pBase), steps: &steps, fail: fail)
        } catch let fault as Fault {
            let where_ = pc < kernel.instructions.count ? "\(kernel.instructions[pc].operation)" : "end"
            throw InterpreterError(message: "block \(block.block) thread \(t), instruction \(pc) (\(where_)): \(fault.message)")
        }
    }

    /// An error raised while executing one instruction; ``runThread`` adds where it happened.
    struct Fault: Error { let message: String }

    func runThreadBody(
        _ t: Int, pc: inout Int, block: inout BlockState, cluster: ClusterView, launch: SimulatedLaunch,
        memory: inout SimulatedMemory, bases: (Int, Int, Int, Int), steps: inout Int, fail: (String) -> Fault
    ) throws -> Stop {
        let (fBase, rBase, dBase, pBase) = bases
        while pc < code.count {
            steps += 1
            if steps > 200_000_000 { throw fail("step limit exceeded (infinite loop?)") }
            let d = code[pc]
            if d.guardIndex >= 0 {
                if block.p[pBase + d.guardIndex] == d.guardNegated {
                    pc += 1
                    continue
                }
            }
            switch d.op {
            case .fmaImm(let dst, let a, let imm):
                block.f[fBase + dst] = fusedMultiplyAdd(block.f[fBase + a], imm, block.f[fBase + dst])
            case .generic(let op):
                try execute(op, t: t, pc: &pc, block: &block, cluster: cluster, launch: launch, memory: &memory,
                            bases: (fBase, rBase, dBase, pBase), fail: fail)
                switch op {
                case .barrier: pc += 1; return .barrier
                case .clusterBarrier: pc += 1; return .clusterBarrier
                case .shuffle, .shuffleXor: return .shuffle
                case .exit: return .exit
                case .branch, .branchIndexed: continue
                default: break
                }
            }
            pc += 1
        }
        return .exit
    }

    /// `a * b + c` rounded once, as `fma.rn.f32`.
    @inline(__always)
    func fusedMultiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        c.addingProduct(a, b)
    }

    func execute(
        _ op: Operation, t: Int, pc: inout Int, block: inout BlockState, cluster: ClusterView,
        launch: SimulatedLaunch, memory: inout SimulatedMemory, bases: (Int, Int, Int, Int), fail: (String) -> Fault
    ) throws {
        let (fBase, rBase, dBase, pBase) = bases
        let hBase = t * registerCounts[4]
        func u32(_ o: Operand) -> UInt32 {
            switch o {
            case .register(let r): return r.type == .u32 ? block.r[rBase + r.index] : UInt32(truncatingIfNeeded: block.d[dBase + r.index])
            case .u32(let v): return v
            case .u64(let v): return UInt32(truncatingIfNeeded: v)
            case .f32(let v): return v.bitPattern
            }
        }
        func u64(_ o: Operand) -> UInt64 {
            switch o {
            case .register(let r): return r.type == .u64 ? block.d[dBase + r.index] : UInt64(block.r[rBase + r.index])
            case .u32(let v): return UInt64(v)
            case .u64(let v): return v
            case .f32(let v): return UInt64(v.bitPattern)
            }
        }
        func f32(_ o: Operand) -> Float {
            switch o {
            case .register(let r): return block.f[fBase + r.index]
            case .f32(let v): return v
            case .u32(let v): return Float(bitPattern: v)
            case .u64(let v): return Float(bitPattern: UInt32(truncatingIfNeeded: v))
            }
        }
        func set(_ r: Register, u32 v: UInt32) { block.r[rBase + r.index] = v }
        func set(_ r: Register, u64 v: UInt64) { block.d[dBase + r.index] = v }
        func set(_ r: Register, f32 v: Float) { block.f[fBase + r.index] = v }

        switch op {
        case .loadParameter(let dst, let index):
            let v = launch.arguments[index]
            switch dst.type {
            case .u64: set(dst, u64: v)
            case .u32: set(dst, u32: UInt32(truncatingIfNeeded: v))
            case .f32: set(dst, f32: Float(bitPattern: UInt32(truncatingIfNeeded: v)))
            case .pred, .f16: throw fail("\(dst.type) parameter")
            }
        case .readSpecial(let dst, let special):
            let v: Int
            switch special {
            case .threadX: v = t
            case .blockX: v = block.block.x
            case .blockY: v = block.block.y
            case .blockZ: v = block.block.z
            }
            set(dst, u32: UInt32(v))
        case .sharedBase(let dst):
            set(dst, u32: 0)
        case .move(let dst, let src):
            switch dst.type {
            case .f32: set(dst, f32: f32(src))
            case .u32: set(dst, u32: u32(src))
            case .u64: set(dst, u64: u64(src))
            case .pred:
                guard case .register(let r) = src else { throw fail("immediate predicate") }
                block.p[pBase + dst.index] = block.p[pBase + r.index]
            case .f16:
                guard case .register(let r) = src, r.type == .f16 else { throw fail("f16 move from \(src)") }
                block.h[hBase + dst.index] = block.h[hBase + r.index]
            }
        case .binary(let bop, let dst, let a, let b):
            switch dst.type {
            case .f32:
                let x = f32(a), y = f32(b)
                switch bop {
                case .add: set(dst, f32: x + y)
                case .sub: set(dst, f32: x - y)
                case .mul: set(dst, f32: x * y)
                case .min: set(dst, f32: Float.minimum(x, y))
                case .max: set(dst, f32: Float.maximum(x, y))
                default: throw fail("\(bop) on f32")
                }
            case .u32:
                let x = u32(a), y = u32(b)
                set(dst, u32: try integer(bop, x, y, fail: fail))
            case .u64:
                let x = u64(a), y = u64(b)
                set(dst, u64: try integer(bop, x, y, fail: fail))
            case .pred, .f16: throw fail("arithmetic on \(dst.type)")
            }
        case .multiplyWide(let dst, let a, let b):
            set(dst, u64: UInt64(u32(a)) * UInt64(u32(b)))
        case .extend(let dst, let src):
            set(dst, u64: UInt64(block.r[rBase + src.index]))
        case .fma(let dst, let a, let b, let c):
            set(dst, f32: fusedMultiplyAdd(f32(a), f32(b), f32(c)))
        case .convert(let dst, let src):
            switch (dst.type, src.type) {
            case (.f32, .f16): set(dst, f32: HalfPrecision.float(fromHalfBits: block.h[hBase + src.index]))
            case (.f16, .f32): block.h[hBase + dst.index] = HalfPrecision.halfBits(from: block.f[fBase + src.index])
            case (.f16, .u32): block.h[hBase + dst.index] = UInt16(truncatingIfNeeded: block.r[rBase + src.index])
            default: throw fail("conversion from \(src.type) to \(dst.type)")
            }
        case .compare(let cmp, let type, let dst, let a, let b):
            let result: Bool
            switch type {
            case .f32: result = compareValues(cmp, f32(a), f32(b))
            case .u64: result = compareValues(cmp, u64(a), u64(b))
            default: result = compareValues(cmp, u32(a), u32(b))
            }
            block.p[pBase + dst.index] = result
        case .predicateAnd(let dst, let a, let b):
            block.p[pBase + dst.index] = block.p[pBase + a.index] && block.p[pBase + b.index]
        case .load(let space, let values, let address, let offset) where values[0].type == .f16:
            guard space != .shared else { throw fail("f16 load from shared memory") }
            let addr = block.d[dBase + address.index] &+ UInt64(bitPattern: offset)
            guard let (buf, half) = memory.locateHalves(addr, count: values.count) else {
                throw fail("global load of \(values.count) halves at invalid or misaligned address 0x\(String(addr, radix: 16))")
            }
            for (i, v) in values.enumerated() { block.h[hBase + v.index] = memory.half(buf, half + i) }
        case .load(let space, let values, let address, let offset):
            let width = values.count
            if space == .shared {
                let byte = Int64(block.r[rBase + address.index]) + offset
                guard byte >= 0, byte % Int64(4 * width) == 0, Int(byte / 4) + width <= block.shared.count else {
                    throw fail("shared load of \(width) words at byte \(byte) outside \(block.shared.count * 4) bytes or misaligned")
                }
                try block.checkNoPendingCopy(word: Int(byte / 4), width: width, access: "load of", fail: fail)
                for (i, v) in values.enumerated() { store(block.shared[Int(byte / 4) + i], into: v, &block, fBase, rBase) }
            } else {
                let addr = block.d[dBase + address.index] &+ UInt64(bitPattern: offset)
                guard let (buf, word) = memory.locate(addr, width: width) else {
                    throw fail("global load of \(width) words at invalid or misaligned address 0x\(String(addr, radix: 16))")
                }
                for (i, v) in values.enumerated() { store(memory.buffers[buf][word + i], into: v, &block, fBase, rBase) }
            }
        case .loadClusterShared(let values, let address, let offset, let rankOperand):
            let width = values.count
            let rank = Int(u32(rankOperand))
            guard rank < cluster.size else { throw fail("cluster rank \(rank) outside 0..<\(cluster.size)") }
            let byte = Int64(block.r[rBase + address.index]) + offset
            guard byte >= 0, byte % Int64(4 * width) == 0, Int(byte / 4) + width <= block.shared.count else {
                throw fail("cluster shared load of \(width) words at byte \(byte) outside \(block.shared.count * 4) bytes or misaligned")
            }
            let word = Int(byte / 4)
            if rank == cluster.rank {
                try block.checkNoPendingCopy(word: word, width: width, access: "load of", fail: fail)
                for (i, v) in values.enumerated() { store(block.shared[word + i], into: v, &block, fBase, rBase) }
            } else {
                guard cluster.phase > 0 else {
                    throw fail("reads block rank \(rank)'s shared memory before the first cluster barrier, when that block may not have started")
                }
                for i in 0..<width where cluster.pendingCopyOwner[rank][word + i] != 0 {
                    throw fail("cluster shared load of rank \(rank)'s byte \((word + i) * 4) while its async copy (thread \(cluster.pendingCopyOwner[rank][word + i] - 1)) has not been waited for")
                }
                for (i, v) in values.enumerated() { store(cluster.shared[rank][word + i], into: v, &block, fBase, rBase) }
                block.remoteLoad = block.remoteLoad ?? (t, pc)
            }
        case .store(let space, let values, let address, let offset) where values.contains(where: Self.isHalf):
            guard space == .global, values.allSatisfy(Self.isHalf) else { throw fail("f16 store to \(space) or mixed with words") }
            let addr = block.d[dBase + address.index] &+ UInt64(bitPattern: offset)
            guard let (buf, half) = memory.locateHalves(addr, count: values.count) else {
                throw fail("global store of \(values.count) halves at invalid or misaligned address 0x\(String(addr, radix: 16))")
            }
            for (i, v) in values.enumerated() {
                guard case .register(let r) = v else { continue }
                memory.setHalf(buf, half + i, block.h[hBase + r.index])
            }
        case .store(let space, let values, let address, let offset):
            let width = values.count
            let words = values.map { o -> UInt32 in
                if case .register(let r) = o, r.type == .f32 { return block.f[fBase + r.index].bitPattern }
                if case .f32(let v) = o { return v.bitPattern }
                return u32(o)
            }
            if space == .shared {
                let byte = Int64(block.r[rBase + address.index]) + offset
                guard byte >= 0, byte % Int64(4 * width) == 0, Int(byte / 4) + width <= block.shared.count else {
                    throw fail("shared store of \(width) words at byte \(byte) outside \(block.shared.count * 4) bytes or misaligned")
                }
                try block.checkNoPendingCopy(word: Int(byte / 4), width: width, access: "store to", fail: fail)
                for i in 0..<width { block.shared[Int(byte / 4) + i] = words[i] }
            } else {
                guard space == .global else { throw fail("store through the read-only path") }
                let addr = block.d[dBase + address.index] &+ UInt64(bitPattern: offset)
                guard let (buf, word) = memory.locate(addr, width: width) else {
                    throw fail("global store of \(width) words at invalid or misaligned address 0x\(String(addr, radix: 16))")
                }
                for i in 0..<width { memory.buffers[buf][word + i] = words[i] }
            }
        case .copyAsync(let destination, let destinationOffset, let source, let sourceOffset, let words):
            guard [1, 2, 4].contains(words) else { throw fail("async copy of \(words) words") }
            let byte = Int64(block.r[rBase + destination.index]) + destinationOffset
            guard byte >= 0, byte % Int64(4 * words) == 0, Int(byte / 4) + words <= block.shared.count else {
                throw fail("async copy of \(words) words to shared byte \(byte) outside \(block.shared.count * 4) bytes or misaligned")
            }
            let addr = block.d[dBase + source.index] &+ UInt64(bitPattern: sourceOffset)
            guard let (buf, word) = memory.locate(addr, width: words) else {
                throw fail("async copy of \(words) words from invalid or misaligned address 0x\(String(addr, radix: 16))")
            }
            for i in 0..<words {
                let target = Int(byte / 4) + i
                guard block.pendingCopyOwner[target] == 0 else {
                    throw fail("two async copies to shared byte \(target * 4) pending at once")
                }
                block.pendingCopyOwner[target] = Int32(t + 1)
                // The source is read-only during the kernel, so reading it now equals reading it on landing.
                block.pendingCopies[t].append((target, memory.buffers[buf][word + i]))
            }
        case .waitAsyncCopies:
            for (target, value) in block.pendingCopies[t] {
                block.shared[target] = value
                block.pendingCopyOwner[target] = 0
            }
            block.pendingCopies[t].removeAll()
        case .barrier, .clusterBarrier, .exit, .label, .comment, .shuffle, .shuffleXor:
            break
        case .branch(let label):
            pc = labelIndex(label)
        case .branchIndexed(let index, let targets):
            let i = Int(block.r[rBase + index.index])
            guard i < targets.count else { throw fail("brx.idx index \(i) outside \(targets.count) targets") }
            pc = labelIndex(targets[i])
        }
    }

    static func isHalf(_ operand: Operand) -> Bool {
        if case .register(let r) = operand { return r.type == .f16 }
        return false
    }

    func labelIndex(_ label: Label) -> Int {
        labelTargets[label.index] ?? code.count
    }

    @inline(__always)
    func store(_ word: UInt32, into r: Register, _ block: inout BlockState, _ fBase: Int, _ rBase: Int) {
        if r.type == .f32 { block.f[fBase + r.index] = Float(bitPattern: word) } else { block.r[rBase + r.index] = word }
    }

    func integer<T: FixedWidthInteger & UnsignedInteger>(
        _ op: BinaryOperation, _ x: T, _ y: T, fail: (String) -> Fault
    ) throws -> T {
        switch op {
        case .add: return x &+ y
        case .sub: return x &- y
        case .mul: return x &* y
        case .min: return Swift.min(x, y)
        case .max: return Swift.max(x, y)
        case .div:
            guard y != 0 else { throw fail("division by zero") }
            return x / y
        case .rem:
            guard y != 0 else { throw fail("remainder by zero") }
            return x % y
        case .shl: return y >= T.bitWidth ? 0 : x << y
        case .shr: return y >= T.bitWidth ? 0 : x >> y
        case .and: return x & y
        case .or: return x | y
        }
    }

    func compareValues<T: Comparable>(_ cmp: Comparison, _ a: T, _ b: T) -> Bool {
        switch cmp {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }
}

/// The registers of every thread of one block, and its shared memory.
struct BlockState {
    let threads: Int
    let block: (x: Int, y: Int, z: Int)
    var f: [Float]
    var r: [UInt32]
    var d: [UInt64]
    var p: [Bool]
    var h: [UInt16]
    var shared: [UInt32]
    /// For each shared word, 1 + the thread whose async copy to it has not been waited for, else 0.
    var pendingCopyOwner: [Int32]
    /// Each thread's async copies not yet waited for: (shared word, value).
    var pendingCopies: [[(word: Int, value: UInt32)]]
    /// The first (thread, instruction) that read another block's shared memory since the last cluster
    /// barrier: such a read needs a cluster barrier after it, before its target block may exit.
    var remoteLoad: (thread: Int, pc: Int)?

    init(threads: Int, counts: [Int], sharedWords: Int, block: (Int, Int, Int)) {
        self.threads = threads
        self.block = block
        // Unwritten registers hold poison: NaN floats and wild integers, so a read before a write shows.
        f = [Float](repeating: .nan, count: threads * counts[0])
        r = [UInt32](repeating: 0xDEAD_BEEF, count: threads * counts[1])
        d = [UInt64](repeating: 0xDEAD_0000_0000_0000, count: threads * counts[2])
        p = [Bool](repeating: false, count: threads * counts[3])
        h = [UInt16](repeating: 0x7e00, count: threads * counts[4])
        shared = [UInt32](repeating: Float.nan.bitPattern, count: sharedWords)
        pendingCopyOwner = [Int32](repeating: 0, count: sharedWords)
        pendingCopies = [[(word: Int, value: UInt32)]](repeating: [], count: threads)
    }

    /// Throws when any of the `width` shared words from `word` is the target of an async copy not yet
    /// waited for (`access`: "load of" or "store to").
    func checkNoPendingCopy(
        word: Int, width: Int, access: String, fail: (String) -> Interpreter.Fault
    ) throws {
        for i in 0..<width where pendingCopyOwner[word + i] != 0 {
            throw fail("shared \(access) byte \((word + i) * 4) while an async copy to it (thread \(pendingCopyOwner[word + i] - 1)) has not been waited for")
        }
    }
}

/// What a block of a cluster sees of the others while it runs: they stand still meanwhile.
struct ClusterView {
    /// The running block's rank in its cluster.
    let rank: Int
    /// Blocks per cluster.
    let size: Int
    /// Cluster barriers passed so far.
    let phase: Int
    /// Each block's shared memory and async-copy owners by rank; the running block's entries are empty
    /// (it reads its own state). Empty when the cluster is a single block.
    let shared: [[UInt32]]
    let pendingCopyOwner: [[Int32]]
}

/// An instruction pre-decoded for the interpreter's hot loop.
struct Decoded {
    enum Op {
        /// `dst = a * imm + dst`: the unrolled kernels' inner instruction, kept on a fast path.
        case fmaImm(dst: Int, a: Int, imm: Float)
        case generic(Operation)
    }
    let op: Op
    let guardIndex: Int
    let guardNegated: Bool

    init(_ instruction: Instruction, labels: [Label: Int]) throws {
        guardIndex = instruction.guardPredicate?.index ?? -1
        guardNegated = instruction.guardNegated
        switch instruction.operation {
        case .fma(let dst, .register(let a), .f32(let imm), .register(let c)) where c == dst && a.type == .f32:
            op = .fmaImm(dst: dst.index, a: a.index, imm: imm)
        case .shuffle(let dst, let src, let lane, let width):
            guard instruction.guardPredicate == nil else { throw InterpreterError(message: "a guarded shuffle") }
            guard [1, 2, 4, 8, 16, 32].contains(width), (0..<width).contains(lane), dst.type == src.type,
                dst.type == .f32 || dst.type == .u32
            else { throw InterpreterError(message: "shuffle of \(src) from lane \(lane) of \(width): bad operands") }
            op = .generic(instruction.operation)
        case .shuffleXor(let dst, let src, let laneMask):
            guard instruction.guardPredicate == nil else { throw InterpreterError(message: "a guarded shuffle") }
            guard (1..<32).contains(laneMask), dst.type == src.type, dst.type == .f32 || dst.type == .u32
            else { throw InterpreterError(message: "shuffle of \(src) across lane mask \(laneMask): bad operands") }
            op = .generic(instruction.operation)
        case .clusterBarrier where instruction.guardPredicate != nil:
            throw InterpreterError(message: "a guarded cluster barrier")
        case .loadClusterShared(let values, let address, _, let rank):
            let rankIsU32: Bool
            switch rank {
            case .register(let r): rankIsU32 = r.type == .u32
            case .u32: rankIsU32 = true
            default: rankIsU32 = false
            }
            guard [1, 2, 4].contains(values.count), address.type == .u32, rankIsU32,
                values.allSatisfy({ $0.type == values[0].type }), values[0].type == .f32 || values[0].type == .u32
            else { throw InterpreterError(message: "cluster shared load of \(values) from \(address), rank \(rank): bad operands") }
            op = .generic(instruction.operation)
        case .branch(let l) where labels[l] == nil:
            throw InterpreterError(message: "branch to unplaced label \(l.name)")
        case .branchIndexed(_, let targets) where targets.contains { labels[$0] == nil }:
            throw InterpreterError(message: "indexed branch to an unplaced label")
        default:
            op = .generic(instruction.operation)
        }
    }
}
