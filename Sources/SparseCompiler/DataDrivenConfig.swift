import Foundation

/// The tunable parameters of a data-driven sparse kernel: weights read from device memory in the layout
/// of ``DataDrivenLayout``, one row of A per subwarp.
///
/// A subwarp of `subwarpWidth` (T) threads computes one row of C over an N tile of
/// `T * vectorWidth * vectorsPerThread` columns. Each thread owns `vectorsPerThread` (V) vectors of
/// `vectorWidth` (W) adjacent columns, the vectors strided by `T * W` columns so every load of the subwarp is
/// contiguous. `kSplit` (P) subwarps share a row, each summing a contiguous part of its nonzeros; their
/// partials meet in shared memory. A block holds `rowsPerBlock` (R) rows, so `R * P * T` threads; the grid
/// is `ceil(M / R)` blocks along x by `ceil(N / tile)` along y. The nonzero loop handles `4 * unroll`
/// nonzeros per iteration (`unroll` 16-byte vector loads of values and as many of B offsets).
public struct DataDrivenConfig: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Threads sharing one row (T): 1, 2, 4, 8, 16 or 32, so a subwarp never straddles a warp.
    public var subwarpWidth: Int
    /// Adjacent output columns per vector (W): 1, 2 or 4; above 1 needs a matrix product whose row strides
    /// it divides and, where it does not divide N, B's rows padded to hold the last vector
    /// (``SpMMProblem/vectorWidthProblem(_:)``).
    public var vectorWidth: Int
    /// Vectors per thread (V), 1 to 8: more columns per loaded nonzero, fewer subwarps. (Above 4 suits
    /// scalar vectors on narrow N: at N = 49 a subwarp of 8 with 7 vectors covers 56 columns.)
    public var vectorsPerThread: Int
    /// Rows of A per block (R).
    public var rowsPerBlock: Int
    /// Subwarps splitting each row's nonzeros (P), 1 to 16 (32 with fanned parts); above 1 adds a
    /// shared-memory reduction.
    public var kSplit: Int
    /// Groups of 4 nonzeros per main-loop iteration (U): 2 or 4, or 8 with fanned parts (whose loads are all
    /// issued before the iteration's first FMA, so U sets the loads in flight). (ptxas unrolls a one-group loop
    /// by itself, then at times spills to keep its occupancy target, so 1 is not offered.)
    public var unroll: Int
    /// Whether each main-loop iteration loads the next one's weights and offsets (software pipelining).
    public var prefetch: Bool
    /// Registers per thread ptxas may use (`.maxnreg`, 32 to 255), or nil for ptxas' own choice.
    public var maxRegisters: Int? = nil
    /// Rows of B staged in shared memory per step (S), or nil to read B from global memory.
    ///
    /// Staged, the block copies its N tile of B, S rows (a K chunk) at a time, into shared memory with
    /// coalesced loads, and every row of the block reads B from there: B crosses L2 once per block and
    /// chunk instead of once per nonzero, which pays when many rows share a block (R large, tile narrow).
    /// With several chunks, the next chunk's loads are in flight while the block walks the current one
    /// (two buffers, one barrier per chunk). Matrix products only; at most 16 chunks. S must be a multiple
    /// of the rows one copy pass covers (``copyRowsPerPass``). Half-precision B is widened to f32 as it is
    /// copied, so the chunks take 4 bytes an element either way.
    public var stageRows: Int? = nil
    /// Nonzeros of each part kept at a fixed place (H: 4, 8, 16 or 32), or nil for none.
    ///
    /// The layout stores each part's first H nonzeros in a head region indexed by the part itself, so a
    /// subwarp loads them at once, beside its segment record rather than after it: for short parts (Table 1
    /// problem 8 splits 51-nonzero rows four ways) that removes one dependent memory round trip. Unused head
    /// entries hold an offset sentinel and are skipped.
    public var headEntries: Int? = nil
    /// The head loaded across the subwarp (`x1`): each of the T lanes loads H / T consecutive head entries
    /// (1, 2 or 4 words per section: one coalesced load each), and every entry reaches the whole subwarp by
    /// shuffles. A head of 32 then costs 2 registers a lane instead of 64, so a part of up to H nonzeros
    /// needs one memory round trip for its record and all its entries together; the B loads follow
    /// `4 * unroll` entries at a time, and the walk stops at the first unused group. Needs whole-warp
    /// subwarps (T = 32: shuffles take all 32 lanes, and the stop is then uniform) and a head of 32, 64 or
    /// 128 entries (1, 2 or 4 a lane). (With narrower subwarps sharing a warp every group would have to
    /// run, and ptxas hoisted all their loads and spilled.)
    public var sharedHead = false
    /// Matrix products whose N is not a multiple of the tile: one B address per nonzero, the vectors at
    /// fixed offsets from it, and each vector's loads skipped by a per-thread predicate where its columns
    /// pass N (instead of a clamped base, and so an address, per vector). Off by default.
    public var singleAddress = false
    /// Parts per row chosen by length instead of P for every row (`b1`): a row of L nonzeros gets
    /// `min(P, ceil(L / partLength))` parts, and rows (longest first) are packed into blocks of R * P
    /// subwarps, so short rows take one subwarp and no reduction slot while long rows still split P ways.
    /// Needs P >= 2; not with staged B.
    public var adaptiveSplit = false
    /// With ``adaptiveSplit``, rows dealt to blocks back and forth, longest first, instead of packed in
    /// sorted order (`e1`): every block gets long and short rows and about the same nonzeros, where in
    /// sorted order the first blocks take all the long rows.
    public var evenBlocks = false
    /// Nonzeros per part aimed at with ``adaptiveSplit`` (`lN`, 4 to 256), or nil for `8 * unroll`.
    public var partLength: Int? = nil
    /// A row's parts take its nonzeros in turn (`i1`: part p the p-th, (p + P)-th, ... in column order)
    /// instead of one contiguous run each. Every part then walks all of K, in step with the others, so the
    /// rows of B a multiprocessor's warps read at one time form one window moving along K instead of P
    /// windows a K / P apart: fewer distinct lines in L1 at a time. Needs P >= 2; not with staged B.
    public var interleavedParts = false
    /// Blocks of a thread-block cluster splitting K (Q: 1, 2, 4 or 8; `qQ`). Above 1, each block of R rows
    /// becomes a cluster of Q blocks with the same rows and subwarps, block q of the cluster walking only
    /// the nonzeros in the q-th of Q column slices of A (slices of about equal nonzeros). So the rows of B a
    /// block reads come from about K / Q of them, and more of them hit in L1. After its own K-split
    /// reduction each block leaves its row sums in shared memory; block 0 of the cluster adds the others'
    /// through distributed shared memory (`ld.shared::cluster`) and writes C. Matrix products only; not with
    /// staged B. On an H200 every cluster config ran 1.3-5.6x slower than its twin without a cluster on
    /// Table 1's mid layers (each block's fixed cost, paid Q times, outweighs the better L1 hit rate), so
    /// the tuner does not list it.
    public var clusterSplit = 1
    /// With a head (not loaded across the subwarp): its sums deferred to the end of the walk (`d1`). The
    /// head's B loads are issued first as before, but its FMAs come after the rest of the part, so the
    /// loads of the rest (its entries, then its B rows) do not wait for the head's B rows: a part with a
    /// head and a tail then takes three dependent trips (record and head, head's B and tail's entries,
    /// tail's B) instead of four. Costs the head's B values' registers through the walk: on an H200 it ran
    /// 8-50% slower than the best config without it on 15 Table 1 layers
    /// (`scripts/microbench/head-trips-run.sh`), so the tuner does not list it.
    public var deferredHead = false
    /// With a head loaded across the subwarp (`x1`): groups of `4 * unroll` head entries walked per memory
    /// trip (G: 1, 2, 4 or 8; `gG`). The walk issues the B loads of G groups before their FMAs and checks for
    /// the head's end once per G groups, so a head of H entries takes `H / (4 * U * G)` dependent B trips
    /// instead of `H / (4 * U)`, for G times the registers in flight. Slower on 14 of 15 Table 1 layers on an
    /// H200 (2% faster on one), so the tuner does not list it.
    public var sharedHeadGroups = 1
    /// Rows that share columns gathered into the same block (`o1`): the rows, sorted by length as always, are
    /// regrouped within windows of 32 blocks' worth so that each block's R rows bring the fewest distinct
    /// columns (``DataDrivenLayout/similarOrder(_:weights:groupSize:)``). A block's subwarps then read more of
    /// the same rows of B at about the same time, which L1 can serve once: on Table 1's problems 7-9 at 0.9,
    /// blocks of 4 rows have 4-9% fewer distinct columns than in length order (more for larger R). Needs
    /// R >= 2 or parts by row length (``adaptiveSplit``); not with staged B, whose rows are dealt across
    /// blocks. The tuner's third pass times the `o1` twins of its fastest data-driven candidates that gather
    /// rows (the runtime's tuner): on an H200 they won 14 of Table 1's 24 data-driven instances, but ran within
    /// 3% of the former winners either way (problem 9 at 0.9: 2.9% faster at best): 4-9% fewer distinct
    /// columns a block is too small a change to show.
    public var similarRows = false
    /// A row's nonzeros fanned out over its parts in groups of 4 (`f1`): the row is stored once, contiguous,
    /// and part p walks its groups p, p + P, p + 2P, ... (P = the K split), so the P subwarps of a row,
    /// side by side in the block, read one contiguous run per step: where subwarps are narrow (small N,
    /// T = 1 to 8) a warp's loads of weights and offsets are coalesced instead of one line per subwarp. Each
    /// entry is used under its own bound check (the row's end), so no part needs a tail. Needs P >= 2;
    /// allows a K split of up to 32 (a warp per row at T = 1) and unroll 8; not with a
    /// head, parts by row length, interleaved parts or a cluster split. With staged B (`sS`) the parts fan
    /// out over each K chunk's piece of the row: at N = 1 a chunk of all of K puts the whole vector in
    /// shared memory, so a warp's 32 scattered B words never wait on an L1 miss.
    public var fannedParts = false
    /// With fanned parts, how entries hold a nonzero (``EntryFormat``): 16-bit columns instead of 32-bit B byte
    /// offsets (`n1`, 6 bytes a nonzero instead of 8), or also the weight as a half in the same word (`n2`, 4
    /// bytes), for layers whose weights stream from memory (small N), at one multiply a nonzero (k times B's
    /// row bytes). Matrix products with K of at most 65536; `n2` only where every weight is an exact half.
    public var entryFormat = EntryFormat.wide
    /// Whether entries hold 16-bit columns k instead of B byte offsets (`n1` or `n2`).
    public var narrowIndices: Bool { entryFormat != .wide }

    public init(
        subwarpWidth: Int, vectorWidth: Int = 1, vectorsPerThread: Int = 1, rowsPerBlock: Int, kSplit: Int = 1,
        unroll: Int = 2, prefetch: Bool = true
    ) {
        self.subwarpWidth = subwarpWidth
        self.vectorWidth = vectorWidth
        self.vectorsPerThread = vectorsPerThread
        self.rowsPerBlock = rowsPerBlock
        self.kSplit = kSplit
        self.unroll = unroll
        self.prefetch = prefetch
    }

    /// Output columns one subwarp covers: the N tile of a block.
    public var tileColumns: Int { subwarpWidth * vectorWidth * vectorsPerThread }
    /// Threads per block: R * P * T.
    public var threadsPerBlock: Int { rowsPerBlock * kSplit * subwarpWidth }
    /// Segment records per row slot (``DataDrivenLayout``): one per part, or one for the whole row with fanned
    /// parts, whose P subwarps all read it.
    var recordsPerRow: Int { fannedParts ? 1 : kSplit }

    /// `dd:wT,vW,cV,rR,kP,uU`, `,p0` without prefetch, `,sS` staged, `,hH` with a head (`,x1` loaded
    /// across the subwarp), `,a1` one address per nonzero, `,b1` parts by row length (`,lN` nonzeros each,
    /// `,e1` dealt evenly to blocks), `,i1` interleaved parts, `,mN` capped, `,qQ` K split over a cluster, `,d1` the head's sums deferred, `,gG` head groups per trip, `,o1` rows that share columns gathered, `,f1` fanned parts (`,n1` with 16-bit column indices, `,n2` also half weights), e.g. `dd:w32,v4,c1,r4,k1,u2`; distinct from
    /// ``TilingConfig``'s form.
    public var description: String { "dd:" + fields.joined(separator: ",") }

    /// The config as a PTX-identifier fragment for kernel names, e.g. `w32v4c1r4k1u2`.
    var identifier: String { fields.joined() }

    /// The ``description``'s fields in order; optional ones only when set.
    private var fields: [String] {
        var list = ["w\(subwarpWidth)", "v\(vectorWidth)", "c\(vectorsPerThread)", "r\(rowsPerBlock)", "k\(kSplit)", "u\(unroll)"]
        if !prefetch { list.append("p0") }
        if let stageRows { list.append("s\(stageRows)") }
        if let headEntries { list.append("h\(headEntries)") }
        if sharedHead { list.append("x1") }
        if singleAddress { list.append("a1") }
        if adaptiveSplit { list.append("b1") }
        if evenBlocks { list.append("e1") }
        if let partLength { list.append("l\(partLength)") }
        if interleavedParts { list.append("i1") }
        if let maxRegisters { list.append("m\(maxRegisters)") }
        if clusterSplit > 1 { list.append("q\(clusterSplit)") }
        if deferredHead { list.append("d1") }
        if sharedHeadGroups > 1 { list.append("g\(sharedHeadGroups)") }
        if similarRows { list.append("o1") }
        if fannedParts { list.append("f1") }
        if entryFormat != .wide { list.append("n\(entryFormat.rawValue)") }
        return list
    }

    /// Parses the ``description`` form. Fields after `dd:` may come in any order; `w` and `r` are
    /// required, the others default to v1, c1, k1, u2, p1.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("dd:") else { return nil }
        var fields: [Character: Int] = [:]
        for field in trimmed.dropFirst(3).split(separator: ",") {
            let item = field.trimmingCharacters(in: .whitespaces)
            guard let key = item.first, "wvcrkupmshablxeiqdgofn".contains(key), fields[key] == nil,
                let value = Int(item.dropFirst()), value > 0 || ("pabxeidofn".contains(key) && value == 0), !"pabxeidof".contains(key) || value <= 1
            else { return nil }
            fields[key] = value
        }
        guard let t = fields["w"], let r = fields["r"] else { return nil }
        self.init(
            subwarpWidth: t, vectorWidth: fields["v"] ?? 1, vectorsPerThread: fields["c"] ?? 1, rowsPerBlock: r,
            kSplit: fields["k"] ?? 1, unroll: fields["u"] ?? 2, prefetch: fields["p"] != 0)
        maxRegisters = fields["m"]
        stageRows = fields["s"]
        headEntries = fields["h"]
        singleAddress = fields["a"] == 1
        sharedHead = fields["x"] == 1
        adaptiveSplit = fields["b"] == 1
        evenBlocks = fields["e"] == 1
        partLength = fields["l"]
        interleavedParts = fields["i"] == 1
        clusterSplit = fields["q"] ?? 1
        deferredHead = fields["d"] == 1
        sharedHeadGroups = fields["g"] ?? 1
        similarRows = fields["o"] == 1
        fannedParts = fields["f"] == 1
        guard let format = EntryFormat(rawValue: fields["n"] ?? 0) else { return nil }
        entryFormat = format
    }
}

extension DataDrivenConfig {
    /// Registers per thread the kernel is expected to need: B values in flight for one main-loop iteration,
    /// its weights and offsets (twice with prefetch), the accumulators, and ~32 for addresses and bounds.
    var estimatedRegisters: Int {
        let perNonzero = vectorsPerThread * vectorWidth + (prefetch ? 4 : 2)
        let headInFlight = sharedHead ? 4 * unroll * sharedHeadGroups : headEntries ?? 0
        let inFlight = deferredHead ? 4 * unroll : max(4 * unroll, headInFlight)
        let sharedHeadWords = sharedHead ? (headEntries ?? 0) / subwarpWidth * 3 : 0
        // Deferred, the head's B values and weights stay live while the walk's own are in flight.
        let deferredWords = deferredHead ? (headEntries ?? 0) * (vectorsPerThread * vectorWidth + 1) : 0
        return inFlight * perNonzero + sharedHeadWords + deferredWords + vectorsPerThread * vectorWidth + 32
    }

    /// Throws ``PlanError/infeasible(config:reason:)`` when the config cannot run `problem` on `limits`.
    public func validate(for problem: SpMMProblem, limits: DeviceLimits) throws {
        func infeasible(_ reason: String) -> PlanError { .infeasible(config: description, reason: reason) }
        guard [1, 2, 4, 8, 16, 32].contains(subwarpWidth) else { throw infeasible("subwarp width must be a power of two up to 32") }
        guard [1, 2, 4].contains(vectorWidth) else { throw infeasible("vector width must be 1, 2 or 4") }
        guard (1...8).contains(vectorsPerThread) else { throw infeasible("vectors per thread must be 1 to 8") }
        // Fanned parts of one row fill at most a warp (P x T <= 32 where T = 1: a warp per row).
        let splitLimit = fannedParts ? 32 : 16
        guard (1...splitLimit).contains(kSplit) else { throw infeasible("K split must be 1 to \(splitLimit)") }
        if let cap = maxRegisters, !(32...255).contains(cap) {
            throw infeasible("register cap \(cap) outside 32...255")
        }
        guard [2, 4].contains(unroll) || (fannedParts && unroll == 8) else {
            throw infeasible("unroll must be 2 or 4 (8 with fanned parts)")
        }
        if singleAddress, case .convolution = problem.operand {
            throw infeasible("one address per nonzero is for matrix products")
        }
        if let head = headEntries {
            if sharedHead {
                guard subwarpWidth == 32 else {
                    throw infeasible("a head loaded across the subwarp needs subwarps of 32 threads, not \(subwarpWidth)")
                }
                guard [32, 64, 128].contains(head) else {
                    throw infeasible("a head loaded across the subwarp holds 32, 64 or 128 entries, not \(head)")
                }
            } else {
                guard [4, 8, 16, 32].contains(head) else { throw infeasible("head entries must be 4, 8, 16 or 32") }
            }
            guard stageRows == nil else { throw infeasible("a head and staged B do not combine") }
        } else if sharedHead {
            throw infeasible("x1 loads the head across the subwarp: it needs a head (hH)")
        }
        guard rowsPerBlock >= 1 else { throw infeasible("rows per block must be at least 1") }
        if adaptiveSplit {
            guard kSplit >= 2 else { throw infeasible("parts by row length need a K split of 2 or more") }
            guard stageRows == nil else { throw infeasible("parts by row length and staged B do not combine") }
            guard problem.m < 1 << 24 else { throw infeasible("parts by row length need M below 2^24") }
        }
        if evenBlocks, !adaptiveSplit { throw infeasible("e1 deals rows with parts by row length to blocks: it needs b1") }
        if interleavedParts {
            guard kSplit >= 2 else { throw infeasible("interleaved parts (i1) need a K split of 2 or more") }
            guard stageRows == nil else { throw infeasible("interleaved parts (i1) and staged B do not combine") }
        }
        guard [1, 2, 4, 8].contains(clusterSplit) else { throw infeasible("cluster split must be 1, 2, 4 or 8") }
        if clusterSplit > 1 {
            guard case .matrix = problem.operand else { throw infeasible("a cluster split (q) is for matrix products") }
            guard stageRows == nil else { throw infeasible("a cluster split (q) and staged B do not combine") }
        }
        if deferredHead {
            guard headEntries != nil, !sharedHead else {
                throw infeasible("deferred head sums (d1) need a head loaded by each thread (hH without x1)")
            }
        }
        guard [1, 2, 4, 8].contains(sharedHeadGroups) else { throw infeasible("head groups per trip must be 1, 2, 4 or 8") }
        if sharedHeadGroups > 1, !sharedHead {
            throw infeasible("head groups per trip (g) are for a head loaded across the subwarp (x1)")
        }
        if similarRows {
            guard rowsPerBlock >= 2 || adaptiveSplit else {
                throw infeasible("o1 gathers a block's rows: it needs R of 2 or more, or parts by row length (b1)")
            }
            guard stageRows == nil else { throw infeasible("o1 and staged B do not combine") }
        }
        if fannedParts {
            func refuse(_ other: String) -> PlanError { infeasible("fanned parts (f1) and \(other) do not combine") }
            guard kSplit >= 2 else { throw infeasible("fanned parts (f1) need a K split of 2 or more") }
            guard headEntries == nil else { throw refuse("a head") }
            guard !adaptiveSplit else { throw refuse("parts by row length (b1)") }
            guard !interleavedParts else { throw refuse("interleaved parts (i1)") }
            guard clusterSplit == 1 else { throw refuse("a cluster split (q)") }
        }
        if narrowIndices {
            let field = "16-bit column indices (n\(entryFormat.rawValue))"
            guard fannedParts else { throw infeasible("\(field) are for fanned parts (f1)") }
            guard case .matrix = problem.operand else { throw infeasible("\(field) are for matrix products") }
            guard problem.k <= 1 << 16 else { throw infeasible("\(field) need K of at most 65536, not \(problem.k)") }
        }
        if entryFormat == .packedHalves, !problem.weightsAreHalves {
            throw infeasible("half weights (n2) need every weight an exact half (round them first: `--weight-precision fp16`)")
        }
        if let length = partLength {
            guard adaptiveSplit else { throw infeasible("a part length is for parts by row length (b1)") }
            guard (4...256).contains(length) else { throw infeasible("part length \(length) outside 4...256") }
        }
        if let reason = problem.vectorWidthProblem(vectorWidth) { throw infeasible(reason) }
        guard threadsPerBlock <= limits.maxThreadsPerBlock else {
            throw infeasible("\(threadsPerBlock) threads per block exceed \(limits.maxThreadsPerBlock)")
        }
        // A register cap is what ptxas must meet (spilling if it has to, which the tuner then measures);
        // without one, the estimate must fit.
        let budget = limits.registerBudget(threadsPerBlock: threadsPerBlock)
        guard maxRegisters ?? estimatedRegisters <= budget else {
            throw infeasible("about \(maxRegisters ?? estimatedRegisters) registers per thread needed, budget \(budget) at \(threadsPerBlock) threads")
        }
        let tiles = (problem.n + tileColumns - 1) / tileColumns
        if case .matrix(let n) = problem.operand {
            guard Int64(problem.m) * Int64(max(n + tileColumns, problem.cRowStride)) * 4 <= Int64(UInt32.max) else {
                throw infeasible("C exceeds 4 GB (its byte offsets are 32-bit)")
            }
        }
        guard tiles <= 65535 else { throw infeasible("\(tiles) N tiles exceed the grid's y limit 65535") }
        if let rows = stageRows {
            guard case .matrix = problem.operand else { throw infeasible("staging B is for matrix products") }
            guard !problem.hasPaddedRows else { throw infeasible("staging B needs rows of B and C without padding") }
            guard threadsPerBlock % copyVectorsPerRow == 0 else {
                throw infeasible("\(threadsPerBlock) threads cannot copy rows of \(copyVectorsPerRow) vectors evenly")
            }
            guard rows >= 1, rows % copyRowsPerPass == 0 else {
                throw infeasible("staged rows \(rows) must be a positive multiple of \(copyRowsPerPass) (rows per copy pass)")
            }
            guard Int64(rows) * Int64(problem.n) * 4 * Int64(Self.maxStagedChunks) <= Int64(Int32.max) else {
                throw infeasible("the staged chunks span more than 2 GB of B")
            }
            let chunks = (problem.k + rows - 1) / rows
            guard chunks <= Self.maxStagedChunks else {
                throw infeasible("\(chunks) K chunks of \(rows) rows; at most \(Self.maxStagedChunks) (the chunk walk is unrolled)")
            }
            let copyRegisters = rows / copyRowsPerPass * vectorWidth
            guard chunks == 1 || estimatedRegisters + copyRegisters <= budget else {
                throw infeasible("about \(estimatedRegisters + copyRegisters) registers per thread needed with the next chunk's copy in flight, budget \(budget)")
            }
        }
        let shared = sharedMemoryBytes(k: problem.k)
        guard shared <= limits.maxSharedMemoryPerBlock else {
            throw infeasible("needs \(shared) bytes of shared memory, more than \(limits.maxSharedMemoryPerBlock)")
        }
    }

    /// Staged K chunks walked unrolled, at most.
    static let maxStagedChunks = 16

    /// Shared memory per block for a reduction over `k`, bytes: the staged B buffers, then the reduction slots.
    func sharedMemoryBytes(k: Int) -> Int { clusterSlotsOffset(k: k) + clusterSlotBytes }

    /// Where the cluster split's row sums start in shared memory: after the staged buffers and the
    /// reduction slots, rounded up to 16 bytes (not rounded without a cluster split, where nothing follows).
    func clusterSlotsOffset(k: Int) -> Int {
        let end = stageBytes(k: k) + reductionBytes
        return clusterSplit > 1 ? (end + 15) / 16 * 16 : end
    }

    /// Shared memory for the cluster split's row sums, bytes: one slot of `T * V * W` words per subwarp (0
    /// without a cluster split).
    var clusterSlotBytes: Int {
        clusterSplit > 1 ? rowsPerBlock * kSplit * subwarpWidth * vectorsPerThread * vectorWidth * 4 : 0
    }

    /// Bytes of one staged B chunk: S rows of the tile, row-major (0 when not staged).
    var chunkBytes: Int { (stageRows ?? 0) * tileColumns * 4 }

    /// Bytes of the staged B buffers: one chunk when S covers K, else two (the next chunk is stored into one
    /// while the walk reads the other).
    func stageBytes(k: Int) -> Int { (k > (stageRows ?? k) ? 2 : 1) * chunkBytes }

    /// W-wide vectors in one staged row (the tile's width).
    var copyVectorsPerRow: Int { subwarpWidth * vectorsPerThread }

    /// Staged rows the block's threads copy in one pass, one vector each.
    var copyRowsPerPass: Int { max(1, threadsPerBlock / copyVectorsPerRow) }

    /// Shared memory for the K-split reduction, bytes: every non-leading subwarp's partial sums (with parts
    /// by row length, a slot for every subwarp).
    var reductionBytes: Int {
        guard !warpReduction else { return 0 }
        let slots = adaptiveSplit ? rowsPerBlock * kSplit : rowsPerBlock * (kSplit - 1)
        return kSplit == 1 ? 0 : slots * subwarpWidth * vectorsPerThread * vectorWidth * 4
    }

    /// Whether the K split's partial sums meet by warp shuffles instead of shared memory: fanned parts whose
    /// row's P x T threads (P a power of two) tile a warp, in blocks of whole warps.
    var warpReduction: Bool {
        let rowThreads = kSplit * subwarpWidth
        return fannedParts && kSplit > 1 && kSplit & (kSplit - 1) == 0 && 32 % rowThreads == 0 && threadsPerBlock % 32 == 0
    }

    /// Nonzeros per part aimed at when parts are chosen by row length.
    var adaptivePartLength: Int { partLength ?? 8 * unroll }
}
