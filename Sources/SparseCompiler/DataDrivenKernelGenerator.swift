import KernelIR
import SparseReference

/// Generates the data-driven SpMM kernel: the weights stay in device memory in the layout of
/// ``DataDrivenLayout``, and the code, the same size for any matrix, is specialized only to M, K, N, the
/// layout's section size and the ``DataDrivenConfig``.
///
/// What one thread does (T = subwarp width, W = vector width, V = vectors per thread):
/// 1. Reads its subwarp's 16-byte segment record (the same address across the subwarp: one broadcast),
///    and with a head, the part's first H entries beside it, used where their offset is not the sentinel.
/// 2. Loops over the part's nonzeros, `4 * unroll` per iteration: one 16-byte load of 4 weights and one of
///    their 4 B byte offsets per group of 4 (broadcast across the subwarp), then per nonzero and vector one
///    W-wide load of B (contiguous across the subwarp: coalesced) and W FMAs into register accumulators.
///    With `prefetch` the next iteration's weights and offsets load during this one. A guarded tail of up
///    to `unroll - 1` groups of 4 and 3 single nonzeros, all loads issued at once, finishes the part (an
///    empty tail is jumped over). With fanned parts the subwarp walks every P-th group of 4 of its row
///    instead, each entry checked against the row's end. For a convolution each B load is also guarded by
///    the tap's padding bit from a per-thread mask built once. Staged, this walk runs once per K chunk, over the chunk's piece of
///    the part, reading B from shared memory; the next chunk's copy is in flight meanwhile.
/// 3. With a K split, the other parts leave their partial sums in shared memory; after one barrier the
///    leading subwarp adds them (with parts by row length, the leader's record says how many follow;
///    fanned parts of a row within one warp add theirs by shuffles instead). C is
///    written once, by vector stores guarded by the column being below N and the row slot being real.
///    Threads whose columns are past N load from a clamped column (or, with one address per nonzero, skip
///    those loads). With a cluster split, each block's leaders leave their row sums in shared memory and,
///    after a cluster barrier, block 0's leaders add the other blocks' through distributed shared memory
///    and store; a last cluster barrier keeps every block alive until then.
public enum DataDrivenKernelGenerator {
    /// Parameters: the layout's two buffers, then B (input) and C (output).
    public static let parameters = [
        KernelParameter(name: "param_segments", type: .u64),
        KernelParameter(name: "param_entries", type: .u64),
        KernelParameter(name: "param_b", type: .u64),
        KernelParameter(name: "param_c", type: .u64),
    ]

    /// One vector of a thread's columns: where its B elements are (and, for a convolution, its C elements
    /// and which taps are inside the input).
    struct VectorAccess {
        /// B base (u64) and the byte offset added to it in every load.
        var b: (base: Register, offset: Int64)
        /// Convolution only: C address of the thread's pixel in output channel 0 (u64). The stores use one
        /// decoded again after the loop (and a matrix's C address is formed there from the column and the
        /// record's row offset), so fewer 64-bit values stay live through it.
        let cBase: Register?
        /// Convolution only: bit t set when tap t is inside the input for this thread's pixel (u64).
        let tapMask: Register?
        /// Where the vector's columns may pass N and its base is not clamped: true when they do not.
        var inside: Register? = nil
    }

    /// The row sums after the problem's epilogue: the bias of the record's row (its low 24 bits; padding
    /// records' rows fall past M and take none) loaded once from the entries buffer and added, then ReLU.
    static func emitEpilogue(
        problem: SpMMProblem, layout: DataDrivenLayout, row: Register, entryPointer: Register,
        accumulators: [[Register]], builder b: inout KernelBuilder
    ) -> [[Register]] {
        var bias = Operand.f32(0)
        if let biasWord = layout.biasWord {
            let biasRow = b.binary(.and, .u32, .register(row), .u32(0x00FF_FFFF))
            let real = b.compare(.lt, .u32, .register(biasRow), .u32(UInt32(problem.m)))
            let bytes = b.register(.u64)
            b.emit(.multiplyWide(bytes, .register(biasRow), .u32(4)))
            let base = b.binary(.add, .u64, .register(entryPointer), .u64(UInt64(biasWord) * 4))
            let address = b.binary(.add, .u64, .register(base), .register(bytes))
            let loaded = b.register(.f32)
            b.emit(.move(loaded, .f32(0)))
            b.emit(.load(.globalReadOnly, [loaded], address: address, offset: 0), guard: real)
            bias = .register(loaded)
        }
        return accumulators.map { problem.epilogue.emit(on: $0, bias: bias, builder: &b) }
    }

    public static func generate(
        problem: SpMMProblem, config: DataDrivenConfig, layout: DataDrivenLayout, name: String
    ) -> Kernel {
        var b = KernelBuilder()
        let w = config.vectorWidth, v = config.vectorsPerThread

        // 1. Thread coordinates and the segment record: first entry, end entry, C row offset.
        let entryPointer = b.register(.u64)
        b.emit(.loadParameter(entryPointer, index: 1))
        let bPointer = b.register(.u64)
        b.emit(.loadParameter(bPointer, index: 2))
        let here = emitCoordinates(
            config: config, recordWords: layout.recordWords, recordsPerSlice: layout.recordsPerSlice, builder: &b)
        let fields = (0..<4).map { _ in b.register(.u32) }
        b.emit(.load(.globalReadOnly, fields, address: here.record, offset: 0))
        let (start, end, cRowOffset, row) = (fields[0], fields[1], fields[2], fields[3])
        let columnBase = here.columnBase
        let vectors: [VectorAccess]
        if config.stageRows != nil {
            vectors = emitStagedVectorAccess(config: config, lane: here.lane, builder: &b)
        } else {
            vectors = emitVectorAccess(
                problem: problem, config: config, layout: layout, columnBase: columnBase, bPointer: bPointer,
                cPointer: here.cPointer, builder: &b)
        }

        // 2. The nonzeros: of the whole part, or chunk by chunk with B staged in shared memory.
        let accumulators = (0..<v).map { _ in (0..<w).map { _ in b.register(.f32) } }
        for acc in accumulators.joined() { b.emit(.move(acc, .f32(0))) }
        var body = LoopBody(
            sectionBytes: Int64(layout.capacity) * 4, hasTaps: layout.sections == 3, vectors: vectors,
            accumulators: accumulators, bSpace: config.stageRows == nil ? .globalReadOnly : .shared,
            // Staged B is held as f32 in shared memory (halves are widened as they are copied).
            precision: config.stageRows == nil ? problem.precision : .fp32)
        body.entryFormat = layout.entryFormat
        // Staged, a column's row of the chunk in shared memory (the layout stores k mod S).
        body.narrowIndexRowBytes = UInt32(config.stageRows == nil ? problem.bRowStride * problem.elementBytes : config.tileColumns * 4)
        // Fanned parts: part p of the row starts at its group p (of the row, or of each staged chunk's piece).
        var partBytes: Register?
        if config.fannedParts {
            let part = b.binary(.rem, .u32, .register(here.subwarp), .u32(UInt32(config.kSplit)))
            partBytes = b.binary(.mul, .u32, .register(part), .u32(16))
        }
        if config.stageRows != nil {
            emitStagedChunks(
                problem: problem, config: config, layout: layout, coordinates: here, bPointer: bPointer,
                entryPointer: entryPointer, body: body, partBytes: partBytes, builder: &b)
        } else {
            var deferredHead: [(LoopBody.Entries, [[[Register]]])] = []
            if let head = config.headEntries {
                let headBytes = b.register(.u64)
                b.emit(.multiplyWide(headBytes, .register(here.recordIndex), .u32(UInt32(head * 4))))
                let headAddress = b.binary(.add, .u64, .register(entryPointer), .register(headBytes))
                if config.sharedHead {
                    body.emitSharedHead(
                        head, at: headAddress, lane: here.lane, subwarpWidth: config.subwarpWidth,
                        group: 4 * config.unroll * config.sharedHeadGroups, builder: &b)
                } else {
                    let loaded = body.loadHead(head, at: headAddress, builder: &b)
                    if config.deferredHead {
                        deferredHead = loaded
                    } else {
                        for (entry, values) in loaded { body.accumulate(entry, values, builder: &b) }
                    }
                }
            }
            emitWalk(body, start: start, end: end, partBytes: partBytes, config: config, entryPointer: entryPointer, builder: &b)
            // Deferred, the head's sums come last: its B loads stay in flight while the rest of the part's
            // entries and B rows load.
            for (entry, values) in deferredHead { body.accumulate(entry, values, builder: &b) }
        }

        // 3. K-split reduction, the cluster's sums, then the stores.
        let finish = b.label()
        // With a cluster split, subwarps that do not lead still meet the cluster's barriers.
        let clustered = here.clusterRank != nil
        let gathered = clustered ? b.label() : finish
        var leading: Register?
        if config.warpReduction {
            leading = emitWarpReduction(config: config, subwarp: here.subwarp, accumulators: accumulators,
                                        finish: gathered, builder: &b)
        } else if config.kSplit > 1 {
            leading = emitReduction(config: config, subwarp: here.subwarp, lane: here.lane, accumulators: accumulators,
                                    sharedOffset: config.stageBytes(k: problem.k), leaderWord: config.adaptiveSplit ? row : nil,
                                    finish: gathered, builder: &b)
        }
        if let rank = here.clusterRank {
            emitClusterSum(config: config, k: problem.k, subwarp: here.subwarp, lane: here.lane, rank: rank,
                           leading: leading, accumulators: accumulators, gathered: gathered, finish: finish, builder: &b)
        }
        // C's byte offset: the record's row offset, plus colBase * E for a matrix (whose per-vector C bases
        // are not kept through the loop). Vector j's columns start at colBase + j * T * W.
        // (With parts by row length only leaders get here, and every leader's row is real.)
        let realRow: Register? = layout.slots > problem.m && !config.adaptiveSplit
            ? b.compare(.lt, .u32, .register(row), .u32(UInt32(problem.m))) : nil
        let stride = config.subwarpWidth * w
        let partialTile = problem.n % config.tileColumns != 0
        let isMatrix = problem.operand == .matrix(n: problem.n)
        let e = problem.elementBytes
        let cOffset = isMatrix ? b.binary(.add, .u32, .register(cRowOffset),
                                          .register(b.binary(.mul, .u32, .register(columnBase), .u32(UInt32(e))))) : cRowOffset
        var matrixRow: Register?
        var cBases: [Register?] = []
        let cOffsetWide = b.register(.u64)
        b.emit(.extend(cOffsetWide, cOffset))
        if isMatrix {
            matrixRow = b.binary(.add, .u64, .register(here.cPointer), .register(cOffsetWide))
        } else {
            // A convolution's per-pixel C bases, decoded again rather than kept through the loop (its B side
            // here is dead code ptxas drops).
            cBases = emitVectorAccess(
                problem: problem, config: config, layout: layout, columnBase: columnBase, bPointer: bPointer,
                cPointer: here.cPointer, builder: &b).map(\.cBase)
        }
        let outputs = emitEpilogue(problem: problem, layout: layout, row: row, entryPointer: entryPointer,
                                   accumulators: accumulators, builder: &b)
        for (j, acc) in outputs.enumerated() where problem.n > j * stride {
            var guardPredicate: Register?
            if partialTile {
                guardPredicate = b.compare(.lt, .u32, .register(columnBase), .u32(UInt32(problem.n - j * stride)))
            }
            guardPredicate = b.conjunction(guardPredicate, realRow)
            let (address, offset): (Register, Int64)
            if let matrixRow {
                (address, offset) = (matrixRow, Int64(j * stride * e))
            } else {
                (address, offset) = (b.binary(.add, .u64, .register(cBases[j]!), .register(cOffsetWide)), 0)
            }
            if problem.n % w != 0 {
                // Vectors of W do not tile N (its rows are padded): one store per column, each below N.
                for (i, value) in acc.enumerated() where problem.n > j * stride + i {
                    let inside = b.compare(.lt, .u32, .register(columnBase), .u32(UInt32(problem.n - j * stride - i)))
                    b.storeElements(problem.precision, [value], address: address, offset: offset + Int64(i * e),
                                    guard: b.conjunction(inside, realRow))
                }
            } else {
                b.storeElements(problem.precision, acc, address: address, offset: offset, guard: guardPredicate)
            }
        }
        b.emit(.label(finish))
        // No block of a cluster leaves while block 0 may still read its shared memory.
        if clustered { b.emit(.clusterBarrier) }
        b.emit(.exit)
        var kernel = b.build(
            name: name, parameters: parameters, threadsPerBlock: config.threadsPerBlock,
            sharedMemoryBytes: config.sharedMemoryBytes(k: problem.k))
        kernel.maxRegistersPerThread = config.maxRegisters
        kernel.clusterSize = config.clusterSplit
        return kernel
    }

    /// Walks the entries at byte offsets [start, end): all of them, or with fanned parts (`partBytes`, the
    /// part's first group) every P-th group of 4 from the part's own.
    static func emitWalk(
        _ body: LoopBody, start: Register, end: Register, partBytes: Register?, config: DataDrivenConfig,
        entryPointer: Register, builder b: inout KernelBuilder
    ) {
        if let partBytes {
            let partStart = b.binary(.add, .u32, .register(start), .register(partBytes))
            body.emitFannedNonzeros(start: partStart, end: end, entryPointer: entryPointer,
                                    stride: 16 * config.kSplit, unroll: config.unroll, prefetch: config.prefetch, builder: &b)
        } else {
            body.emitNonzeros(start: start, end: end, entryPointer: entryPointer, unroll: config.unroll,
                              prefetch: config.prefetch, builder: &b)
        }
    }

    /// A thread's place: lane and subwarp, first column, its segment record's address, C's pointer.
    struct Coordinates {
        let lane: Register
        let subwarp: Register
        let columnBase: Register
        let record: Register
        let cPointer: Register
        /// The (slot, part) index of the subwarp's record.
        let recordIndex: Register
        /// Thread index in the block, and the N tile's first column.
        let thread: Register
        let tileStart: Register
        /// With a cluster split: the block's rank in its cluster, which is its column slice (u32).
        var clusterRank: Register? = nil
    }

    /// Reads the parameters, thread and block indices and derives ``Coordinates``: lane = tid % T, subwarp = tid / T,
    /// record = blockIdx.x * R * P + subwarp (fanned parts: blockIdx.x * R + subwarp / P),
    /// colBase = blockIdx.y * tile + lane * W. With a cluster split
    /// of Q, blockIdx.x is cluster * Q + rank, and record = rank * recordsPerSlice + cluster * R * P + subwarp.
    static func emitCoordinates(
        config: DataDrivenConfig, recordWords: Int, recordsPerSlice: Int, builder b: inout KernelBuilder
    ) -> Coordinates {
        let t = config.subwarpWidth
        let segmentPointer = b.register(.u64)
        b.emit(.loadParameter(segmentPointer, index: 0))
        let cPointer = b.register(.u64)
        b.emit(.loadParameter(cPointer, index: 3))
        let (thread, blockX, blockN) = b.threadAndBlockIndices()
        let lane = b.binary(.and, .u32, .register(thread), .u32(UInt32(t - 1)))
        let subwarp = b.binary(.shr, .u32, .register(thread), .u32(UInt32(t.trailingZeroBitCount)))
        var blockM = blockX, rank: Register?
        let q = config.clusterSplit
        if q > 1 {
            blockM = b.binary(.shr, .u32, .register(blockX), .u32(UInt32(q.trailingZeroBitCount)))
            rank = b.binary(.and, .u32, .register(blockX), .u32(UInt32(q - 1)))
        }
        // Fanned parts: one record per row, read by the row's P subwarps.
        let firstRecord = b.binary(.mul, .u32, .register(blockM), .u32(UInt32(config.rowsPerBlock * config.recordsPerRow)))
        let slot = config.fannedParts ? b.binary(.div, .u32, .register(subwarp), .u32(UInt32(config.kSplit))) : subwarp
        let record = b.binary(.add, .u32, .register(firstRecord), .register(slot))
        if let rank {
            let sliceFirst = b.binary(.mul, .u32, .register(rank), .u32(UInt32(recordsPerSlice)))
            b.emit(.binary(.add, record, .register(record), .register(sliceFirst)))
        }
        let recordBytes = b.register(.u64)
        b.emit(.multiplyWide(recordBytes, .register(record), .u32(UInt32(recordWords * 4))))
        let recordAddress = b.binary(.add, .u64, .register(segmentPointer), .register(recordBytes))
        let tileStart = b.binary(.mul, .u32, .register(blockN), .u32(UInt32(config.tileColumns)))
        let laneColumn = b.binary(.mul, .u32, .register(lane), .u32(UInt32(config.vectorWidth)))
        let columnBase = b.binary(.add, .u32, .register(tileStart), .register(laneColumn))
        return Coordinates(
            lane: lane, subwarp: subwarp, columnBase: columnBase, record: recordAddress, cPointer: cPointer,
            recordIndex: record, thread: thread, tileStart: tileStart, clusterRank: rank)
    }

    /// Per-vector B and C bases. A matrix whose N is a multiple of the tile needs no clamping: one base,
    /// vectors at immediate offsets. Otherwise each vector clamps its column into N (and a convolution
    /// decodes its pixel) on its own.
    static func emitVectorAccess(
        problem: SpMMProblem, config: DataDrivenConfig, layout: DataDrivenLayout, columnBase: Register,
        bPointer: Register, cPointer: Register, builder b: inout KernelBuilder
    ) -> [VectorAccess] {
        let n = problem.n, w = config.vectorWidth
        let stride = config.subwarpWidth * w
        if case .matrix = problem.operand, n % config.tileColumns == 0 || config.singleAddress {
            let access = OperandAccess.emit(problem, column: columnBase, bPointer: bPointer, cPointer: cPointer, builder: &b)
            let partial = n % config.tileColumns != 0
            return (0..<config.vectorsPerThread).map { j in
                let offset = Int64(j * stride * problem.elementBytes)
                var inside: Register?
                if partial {
                    let column = j == 0 ? columnBase : b.binary(.add, .u32, .register(columnBase), .u32(UInt32(j * stride)))
                    inside = b.compare(.lt, .u32, .register(column), .u32(UInt32(n)))
                }
                return VectorAccess(b: (access.bBase, offset), cBase: nil, tapMask: nil, inside: inside)
            }
        }
        return (0..<config.vectorsPerThread).map { j in
            let column = j == 0 ? columnBase : b.binary(.add, .u32, .register(columnBase), .u32(UInt32(j * stride)))
            let clamped = b.binary(.min, .u32, .register(column), .u32(UInt32(problem.lastVectorColumn(width: w))))
            let access = OperandAccess.emit(problem, column: clamped, bPointer: bPointer, cPointer: cPointer, builder: &b)
            var bBase = access.bBase
            if layout.bOffsetBias != 0 {
                bBase = b.binary(.sub, .u64, .register(bBase), .u64(UInt64(layout.bOffsetBias)))
            }
            var mask: Register?
            if layout.sections == 3, case .convolution(let g) = problem.operand {
                mask = emitTapMask(g, access: access, builder: &b)
            }
            let isMatrix = problem.operand == .matrix(n: n)
            return VectorAccess(b: (bBase, 0), cBase: isMatrix ? nil : access.cBase, tapMask: mask)
        }
    }

    /// Staged B: vector j of a thread reads the shared chunk at lane * W * 4 + j * T * W * 4 plus the entry's
    /// offset (u32 shared addresses).
    static func emitStagedVectorAccess(config: DataDrivenConfig, lane: Register, builder b: inout KernelBuilder) -> [VectorAccess] {
        let shared = b.register(.u32)
        b.emit(.sharedBase(shared))
        let laneBytes = b.binary(.mul, .u32, .register(lane), .u32(UInt32(config.vectorWidth * 4)))
        let base = b.binary(.add, .u32, .register(shared), .register(laneBytes))
        let stride = config.subwarpWidth * config.vectorWidth * 4
        return (0..<config.vectorsPerThread).map { j in
            VectorAccess(b: (base, Int64(j * stride)), cBase: nil, tapMask: nil)
        }
    }

    /// The staged walk, unrolled over the K chunks of S rows. The block copies B[chunk, tile] into shared
    /// memory as f32, halves widened (thread t copies vector t % (T*V) of rows t / (T*V) + i * rowsPerPass, W elements each,
    /// coalesced; rows past K are skipped, columns past N clamped) and waits; then, chunk by chunk, it
    /// issues the loads of the next chunk, walks its piece of the current one (the record's pair for the
    /// chunk, all pairs read at the start) from one buffer, stores the next chunk into the other buffer and
    /// waits once. Every load of a copy is issued before its first store, so a copy costs one L2 round trip,
    /// and after the first it overlaps the walk.
    static func emitStagedChunks(
        problem: SpMMProblem, config: DataDrivenConfig, layout: DataDrivenLayout, coordinates here: Coordinates,
        bPointer: Register, entryPointer: Register, body: LoopBody, partBytes: Register?, builder b: inout KernelBuilder
    ) {
        let n = problem.n, k = problem.k, w = config.vectorWidth, e = problem.elementBytes
        let stage = config.stageRows ?? 1
        let perRow = config.copyVectorsPerRow, perPass = config.copyRowsPerPass
        let rowBytes = config.tileColumns * 4
        let copyRow = b.binary(.div, .u32, .register(here.thread), .u32(UInt32(perRow)))
        let copyVector = b.binary(.rem, .u32, .register(here.thread), .u32(UInt32(perRow)))
        let vectorColumn = b.binary(.mul, .u32, .register(copyVector), .u32(UInt32(w)))
        var column = b.binary(.add, .u32, .register(here.tileStart), .register(vectorColumn))
        if n % config.tileColumns != 0 { column = b.binary(.min, .u32, .register(column), .u32(UInt32(n - w))) }
        let rowOffset = b.register(.u64)
        b.emit(.multiplyWide(rowOffset, .register(copyRow), .u32(UInt32(n * e))))
        let columnOffset = b.register(.u64)
        b.emit(.multiplyWide(columnOffset, .register(column), .u32(UInt32(e))))
        let source = b.binary(.add, .u64, .register(bPointer), .register(rowOffset))
        b.emit(.binary(.add, source, .register(source), .register(columnOffset)))
        let shared = b.register(.u32)
        b.emit(.sharedBase(shared))
        let sharedRow = b.binary(.mul, .u32, .register(copyRow), .u32(UInt32(rowBytes)))
        let sharedVector = b.binary(.mul, .u32, .register(copyVector), .u32(UInt32(w * 4)))
        let destination = b.binary(.add, .u32, .register(shared), .register(sharedRow))
        b.emit(.binary(.add, destination, .register(destination), .register(sharedVector)))

        // The chunk pairs (first, end entry) after the record's fixed words, 16 bytes (two chunks) a load.
        var bounds: [Register] = []
        for pair in stride(from: 0, to: layout.chunks, by: 2) {
            let words = (0..<(min(2, layout.chunks - pair) * 2)).map { _ in b.register(.u32) }
            b.emit(.load(.globalReadOnly, words, address: here.record,
                         offset: Int64(DataDrivenLayout.boundsWord(staged: true, chunk: pair) * 4)))
            bounds += words
        }

        // Loads of chunk c's rows into registers (rows past K skipped), then their stores.
        typealias Copy = (values: [Register], inside: Register?)
        func loadChunk(_ c: Int) -> [Copy] {
            (0..<(stage / perPass)).map { pass in
                let first = c * stage + pass * perPass
                var inside: Register?
                if first + perPass > k {
                    inside = b.compare(.lt, .u32, .register(copyRow), .u32(UInt32(max(0, k - first))))
                }
                let values = (0..<w).map { _ in b.register(.f32) }
                b.loadElements(problem.precision, into: values, space: .globalReadOnly, address: source,
                               offset: Int64(first) * Int64(n) * Int64(e), guard: inside)
                return (values, inside)
            }
        }
        func storeChunk(_ copies: [Copy], buffer: Int) {
            for (pass, copy) in copies.enumerated() {
                let offset = Int64(buffer * config.chunkBytes + pass * perPass * rowBytes)
                b.emit(.store(.shared, copy.values.map(Operand.register), address: destination, offset: offset),
                       guard: copy.inside)
            }
        }

        storeChunk(loadChunk(0), buffer: 0)
        b.emit(.barrier)
        for c in 0..<layout.chunks {
            let next = c + 1 < layout.chunks ? loadChunk(c + 1) : nil
            var walk = body
            walk.vectors = body.vectors.map { vector in
                var shifted = vector
                shifted.b.offset += Int64((c % 2) * config.chunkBytes)
                return shifted
            }
            emitWalk(walk, start: bounds[2 * c], end: bounds[2 * c + 1], partBytes: partBytes, config: config,
                     entryPointer: entryPointer, builder: &b)
            if let next {
                storeChunk(next, buffer: (c + 1) % 2)
                b.emit(.barrier)
            }
        }
    }

    /// Bit `kh * KW + kw` set where that tap is inside the input for the thread's pixel, from the tap
    /// predicates ``OperandAccess`` computes (taps inside for every pixel are set at compile time).
    static func emitTapMask(_ g: ConvolutionShape, access: OperandAccess, builder b: inout KernelBuilder) -> Register {
        let taps = g.kernelH * g.kernelW
        var always: UInt64 = 0
        var guarded: [(Int, Register)] = []
        for tap in 0..<taps {
            if let predicate = access.bOffset(tap).predicate { guarded.append((tap, predicate)) } else { always |= 1 << UInt64(tap) }
        }
        let mask = b.register(.u64)
        b.emit(.move(mask, .u64(always)))
        for (tap, predicate) in guarded {
            b.emit(.binary(.or, mask, .register(mask), .u64(1 << UInt64(tap))), guard: predicate)
        }
        return mask
    }

    /// Fanned parts whose row lies in one warp (``DataDrivenConfig/warpReduction``): the P subwarps' partial
    /// sums meet by a butterfly of shuffles (lane masks T, 2T, ..., PT / 2), every lane of a row ending with
    /// the row's sum, without shared memory or a barrier; subwarps other than part 0 then go to `finish`.
    static func emitWarpReduction(
        config: DataDrivenConfig, subwarp: Register, accumulators: [[Register]], finish: Label, builder b: inout KernelBuilder
    ) -> Register {
        var mask = config.subwarpWidth
        while mask < config.subwarpWidth * config.kSplit {
            for sum in accumulators.joined() {
                let other = b.register(.f32)
                b.emit(.shuffleXor(other, sum, laneMask: mask))
                b.emit(.binary(.add, sum, .register(sum), .register(other)))
            }
            mask *= 2
        }
        let part = b.binary(.rem, .u32, .register(subwarp), .u32(UInt32(config.kSplit)))
        let leading = b.compare(.eq, .u32, .register(part), .u32(0))
        b.emit(.branch(finish), guard: leading, negated: true)
        return leading
    }

    /// The K-split reduction. Fixed parts (`leaderWord` nil): the partial sums of parts 1..<P go to shared
    /// memory, slot `(row in block * (P - 1) + part - 1)`; after the barrier part 0 adds them in part order.
    /// Parts by row length (`leaderWord`: record word 3): every subwarp that is not a leader (word 3 =
    /// 0xFFFF_FFFF) leaves its sums in its own slot (the subwarp index), and a leader adds the slots of the
    /// `word3 >> 24` subwarps after it. Slots are `T * V * W` words in lane-major order; subwarps that do not
    /// lead jump to `finish` after the barrier.
    @discardableResult
    static func emitReduction(
        config: DataDrivenConfig, subwarp: Register, lane: Register, accumulators: [[Register]], sharedOffset: Int,
        leaderWord: Register? = nil, finish: Label, builder b: inout KernelBuilder
    ) -> Register {
        let p = config.kSplit, w = config.vectorWidth
        let laneWords = config.vectorsPerThread * w
        let slotBytes = config.subwarpWidth * laneWords * 4
        let shared = b.register(.u32)
        b.emit(.sharedBase(shared))
        if sharedOffset != 0 { b.emit(.binary(.add, shared, .register(shared), .u32(UInt32(sharedOffset)))) }
        // The leader reads slot q at readBase + (q - firstSlot) * slotBytes (its lane's words), where it
        // exists (count: how many do, when not all P - 1).
        let readBase: Register, leading: Register, firstSlot: Int
        var count: Register?, part: Register?
        let laneBytes = b.binary(.mul, .u32, .register(lane), .u32(UInt32(laneWords * 4)))
        if let word = leaderWord {
            let slot = b.binary(.mul, .u32, .register(subwarp), .u32(UInt32(slotBytes)))
            readBase = b.binary(.add, .u32, .register(shared), .register(slot))
            b.emit(.binary(.add, readBase, .register(readBase), .register(laneBytes)))
            leading = b.compare(.ne, .u32, .register(word), .u32(UInt32.max))
            count = b.binary(.shr, .u32, .register(word), .u32(24))
            firstSlot = 0
        } else {
            let fixedPart = b.binary(.rem, .u32, .register(subwarp), .u32(UInt32(p)))
            part = fixedPart
            let rowInBlock = b.binary(.div, .u32, .register(subwarp), .u32(UInt32(p)))
            let rowSlots = b.binary(.mul, .u32, .register(rowInBlock), .u32(UInt32((p - 1) * slotBytes)))
            let rowBase = b.binary(.add, .u32, .register(shared), .register(rowSlots))
            readBase = b.binary(.add, .u32, .register(rowBase), .register(laneBytes))
            leading = b.compare(.eq, .u32, .register(fixedPart), .u32(0))
            firstSlot = 1
        }
        let barrier = b.label()
        b.emit(.branch(barrier), guard: leading)
        var mine = readBase
        if let part {
            // part >= 1 here: its slot is part - 1.
            let slot = b.binary(.sub, .u32, .register(part), .u32(1))
            let slotOffset = b.binary(.mul, .u32, .register(slot), .u32(UInt32(slotBytes)))
            mine = b.binary(.add, .u32, .register(readBase), .register(slotOffset))
        }
        for (j, acc) in accumulators.enumerated() {
            b.emit(.store(.shared, acc.map(Operand.register), address: mine, offset: Int64(j * w * 4)))
        }
        b.emit(.label(barrier))
        b.emit(.barrier)
        b.emit(.branch(finish), guard: leading, negated: true)
        for q in 1..<p {
            let exists = count.map { b.compare(.ge, .u32, .register($0), .u32(UInt32(q))) }
            for (j, acc) in accumulators.enumerated() {
                let partial = (0..<w).map { _ in b.register(.f32) }
                b.emit(.load(.shared, partial, address: readBase, offset: Int64((q - firstSlot) * slotBytes + j * w * 4)),
                       guard: exists)
                for (sum, value) in zip(acc, partial) {
                    b.emit(.binary(.add, sum, .register(sum), .register(value)), guard: exists)
                }
            }
        }
        return leading
    }

    /// The cluster split's sums. Each subwarp that gets here leads its row (without a K split, every one
    /// does) and leaves its row sums in its own slot of the block's shared memory (slot = subwarp index,
    /// `T * V * W` words in lane-major order, after the reduction's). Subwarps that do not lead join at
    /// `gathered`, for the cluster barrier. Then the leading subwarps of block 0 add the same slot of blocks
    /// 1..<Q, in order, through distributed shared memory and go on to the stores; every other thread jumps
    /// to `finish`, where the kernel's last cluster barrier keeps each block's shared memory alive until
    /// block 0 has read it.
    static func emitClusterSum(
        config: DataDrivenConfig, k: Int, subwarp: Register, lane: Register, rank: Register, leading: Register?,
        accumulators: [[Register]], gathered: Label, finish: Label, builder b: inout KernelBuilder
    ) {
        let w = config.vectorWidth
        let laneWords = config.vectorsPerThread * w
        let slotBytes = config.subwarpWidth * laneWords * 4
        let mine = b.register(.u32)
        b.emit(.sharedBase(mine))
        b.emit(.binary(.add, mine, .register(mine), .u32(UInt32(config.clusterSlotsOffset(k: k)))))
        let slot = b.binary(.mul, .u32, .register(subwarp), .u32(UInt32(slotBytes)))
        b.emit(.binary(.add, mine, .register(mine), .register(slot)))
        let laneBytes = b.binary(.mul, .u32, .register(lane), .u32(UInt32(laneWords * 4)))
        b.emit(.binary(.add, mine, .register(mine), .register(laneBytes)))
        for (j, acc) in accumulators.enumerated() {
            b.emit(.store(.shared, acc.map(Operand.register), address: mine, offset: Int64(j * w * 4)))
        }
        b.emit(.label(gathered))
        b.emit(.clusterBarrier)
        let owner = b.conjunction(b.compare(.eq, .u32, .register(rank), .u32(0)), leading)
        b.emit(.branch(finish), guard: owner, negated: true)
        for q in 1..<config.clusterSplit {
            for (j, acc) in accumulators.enumerated() {
                let partial = (0..<w).map { _ in b.register(.f32) }
                b.emit(.loadClusterShared(partial, address: mine, offset: Int64(j * w * 4), rank: .u32(UInt32(q))))
                for (sum, value) in zip(acc, partial) {
                    b.emit(.binary(.add, sum, .register(sum), .register(value)))
                }
            }
        }
    }
}

extension SparseKernelCompiler {
    /// Lays out the weights and generates the data-driven kernel; throws ``PlanError`` when the config
    /// does not fit the problem or `limits`.
    public static func compile(
        _ problem: SpMMProblem, dataDriven config: DataDrivenConfig, limits: DeviceLimits = .hopper
    ) throws -> CompiledKernel {
        try config.validate(for: problem, limits: limits)
        let layout = try DataDrivenLayout(problem: problem, config: config)
        let kernel = DataDrivenKernelGenerator.generate(
            problem: problem, config: config, layout: layout, name: kernelName(problem: problem, dataDriven: config))
        let tiles = (problem.n + config.tileColumns - 1) / config.tileColumns
        return CompiledKernel(
            problem: problem, kernel: kernel, family: .dataDriven, configDescription: config.description,
            grid: (layout.slots / config.rowsPerBlock * config.clusterSplit, tiles, 1), weightBuffers: layout.buffers)
    }

    /// A deterministic entry name: `sparsert_dd_<spmm|conv>_m.._k.._n.._<config>_<hash8>`.
    public static func kernelName(problem: SpMMProblem, dataDriven config: DataDrivenConfig) -> String {
        let kind: String
        switch problem.operand {
        case .matrix: kind = "spmm"
        case .convolution: kind = "conv"
        }
        let hash = WeightsHash.hex(problem.weights)
        return "sparsert_dd_\(kind)_\(problem.nameFragment)_\(config.identifier)_\(hash.prefix(8))"
    }
}
