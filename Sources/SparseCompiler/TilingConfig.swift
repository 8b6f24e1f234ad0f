import Foundation

/// How the rows of A are dealt to the blocks along M.
public enum BlockBalance: String, Hashable, Sendable, Codable, CaseIterable {
    /// Contiguous row ranges holding nearly equal numbers of nonzeros (paper Fig. 2b).
    case nonzeros
    /// Equal numbers of rows per block, whatever their nonzeros (the ablation).
    case uniformRows
    /// Rows that share columns gathered into the same block, each block near an equal share of the
    /// nonzeros (`sim`): a block loads one row of B per distinct column of its rows, so fewer distinct
    /// columns mean fewer loads. On the unrolled winners of Table 1 this drops B loads by 8-35% against
    /// `nonzeros` (``RowPartition/similarColumns(of:blocks:)``). C's rows stay where they are: each row's
    /// store address is baked into the kernel.
    case similarColumns

    /// The spec suffix: "", "uniform" or "sim".
    var suffix: String {
        switch self {
        case .nonzeros: return ""
        case .uniformRows: return "uniform"
        case .similarColumns: return "sim"
        }
    }

    /// The kernel-name fragment: "", "u" or "s".
    var nameFragment: String { String(suffix.prefix(1)) }
}

/// How an unrolled kernel brings a group's rows of B to its FMAs.
public enum BStaging: String, Hashable, Sendable, Codable, CaseIterable {
    /// Each K step loads B into registers just before its FMAs. ptxas decides how many loads stay in
    /// flight: about 20-25 scalar ones at sm_90, and few 16-byte ones in kernels it packs into 32 registers.
    case registers
    /// Every step's B words are first copied to shared memory with `cp.async` (no registers held, all
    /// in flight at once), one wait, then the FMAs read shared memory (`cp`): one round trip a group, for
    /// steps x threads x W x 4 bytes of shared memory, which limits blocks per multiprocessor on long groups.
    /// On the H100 it was within 2% of `registers` on the tuner's early list; on an H200 it ran 4-100%
    /// slower than `registers` on the wide grid's winners (`scripts/microbench/unrolled-cp-run.sh`), so the
    /// tuner does not list it. Needs sm_80 or newer.
    case asyncCopy

    /// The spec suffix: "" or "cp".
    var suffix: String {
        switch self {
        case .registers: return ""
        case .asyncCopy: return "cp"
        }
    }
}

/// The tunable parameters of an unrolled sparse kernel (paper section 3.3).
///
/// The grid is `mBlocks x nBlocks` thread blocks; each block holds `groups` (Gy) thread groups that
/// split the reduction axis K; each thread computes `vectorWidth` adjacent output columns.
public struct TilingConfig: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Thread blocks along M (row ranges of A).
    public var mBlocks: Int
    /// Thread blocks along N (column tiles of B and C).
    public var nBlocks: Int
    /// Thread groups per block along K (Gy).
    public var groups: Int
    /// Output columns per thread (1, 2 or 4): 2 and 4 use vector loads and stores and need N divisible by it.
    public var vectorWidth: Int
    /// Block-level load balancing.
    public var balance: BlockBalance
    /// How B reaches the FMAs.
    public var staging: BStaging
    /// Registers per thread ptxas may use (`.maxnreg`, 32 to 255; `mN`), or nil for its own choice.
    ///
    /// Left to itself, ptxas packs an unrolled path into about 32 registers, which holds ~20 scalar B loads in
    /// flight per thread (a sliding window along the path's K steps). A higher cap lets it hoist more of
    /// them (at sm_90 a cap of 64 held ~46, 96 ~71 on Table 1 problem 6), so a path waits on fewer dependent
    /// memory trips, at the cost of resident warps: free when the grid fills less than one wave. The tuner
    /// times capped twins of its fastest unrolled candidates in a second pass (``KernelSpec/registerCaps``).
    public var maxRegisters: Int?
    /// N tiles rounded up to whole 128-byte lines of B's rows (`al`: 32 fp32 or 64 fp16 columns), so with
    /// B's rows on lines (`--row-align 128`) no warp's load of a K step straddles two lines.
    ///
    /// Without it a tile holds `ceil(N / nBlocks)` columns (rounded to the vector width): at N = 784 in 7
    /// tiles, 112 columns, so tiles after the first start mid-line and their warps' loads straddle two
    /// lines (one more L1 wavefront and sector each). With it the tile holds 128 and the grid may launch
    /// fewer tiles than `nBlocks` (`ceil(N / tile)`, the last one partial).
    public var alignedTiles: Bool

    public init(
        mBlocks: Int, nBlocks: Int, groups: Int, vectorWidth: Int = 1, balance: BlockBalance = .nonzeros,
        staging: BStaging = .registers, maxRegisters: Int? = nil, alignedTiles: Bool = false
    ) {
        self.mBlocks = mBlocks
        self.nBlocks = nBlocks
        self.groups = groups
        self.vectorWidth = vectorWidth
        self.balance = balance
        self.staging = staging
        self.maxRegisters = maxRegisters
        self.alignedTiles = alignedTiles
    }

    /// Output columns of each N tile: `ceil(N / nBlocks)` rounded up to the vector width, or with
    /// ``alignedTiles`` to a 128-byte line of elements of `elementBytes` (a multiple of every vector width).
    public func tileColumns(n: Int, elementBytes: Int) -> Int {
        let unit = alignedTiles ? max(vectorWidth, 128 / elementBytes) : vectorWidth
        return ((n + nBlocks - 1) / nBlocks + unit - 1) / unit * unit
    }

    /// `M_blocks,N_blocks,Gy` and, when not the default, `,vW`, `,al`, `,uniform` or `,sim`, `,cp` or `,mN`;
    /// e.g. `8,4,2` or `8,4,2,v4,al,cp`.
    public var description: String {
        var text = "\(mBlocks),\(nBlocks),\(groups)"
        if vectorWidth != 1 { text += ",v\(vectorWidth)" }
        if alignedTiles { text += ",al" }
        if balance != .nonzeros { text += ",\(balance.suffix)" }
        if staging != .registers { text += ",\(staging.suffix)" }
        if let maxRegisters { text += ",m\(maxRegisters)" }
        return text
    }

    enum CodingKeys: String, CodingKey {
        case mBlocks, nBlocks, groups, vectorWidth, balance, staging, maxRegisters, alignedTiles
    }

    /// Decodes configs written before `staging` existed as `.registers`, before `maxRegisters` without a cap,
    /// and before `alignedTiles` with plain tiles.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            mBlocks: try c.decode(Int.self, forKey: .mBlocks), nBlocks: try c.decode(Int.self, forKey: .nBlocks),
            groups: try c.decode(Int.self, forKey: .groups), vectorWidth: try c.decode(Int.self, forKey: .vectorWidth),
            balance: try c.decode(BlockBalance.self, forKey: .balance),
            staging: try c.decodeIfPresent(BStaging.self, forKey: .staging) ?? .registers,
            maxRegisters: try c.decodeIfPresent(Int.self, forKey: .maxRegisters),
            alignedTiles: try c.decodeIfPresent(Bool.self, forKey: .alignedTiles) ?? false)
    }

    /// Encodes `alignedTiles` only when set, so manifests and tuning records of configs without it keep their
    /// former JSON.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mBlocks, forKey: .mBlocks)
        try c.encode(nBlocks, forKey: .nBlocks)
        try c.encode(groups, forKey: .groups)
        try c.encode(vectorWidth, forKey: .vectorWidth)
        try c.encode(balance, forKey: .balance)
        try c.encode(staging, forKey: .staging)
        try c.encodeIfPresent(maxRegisters, forKey: .maxRegisters)
        if alignedTiles { try c.encode(true, forKey: .alignedTiles) }
    }

    /// Parses the ``description`` form: `M_blocks,N_blocks,Gy[,vW][,al][,uniform|,sim][,cp][,mN]`.
    public init?(parsing text: String) {
        let fields = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 3, let m = Int(fields[0]), let n = Int(fields[1]), let g = Int(fields[2]) else {
            return nil
        }
        var width = 1
        var balance = BlockBalance.nonzeros
        var staging = BStaging.registers
        var maxRegisters: Int?
        var aligned = false
        for extra in fields.dropFirst(3) {
            if extra == "al" {
                aligned = true
            } else if extra.hasPrefix("v"), let w = Int(extra.dropFirst()) {
                width = w
            } else if extra.hasPrefix("m"), let cap = Int(extra.dropFirst()) {
                maxRegisters = cap
            } else if let b = BlockBalance.allCases.first(where: { $0 != .nonzeros && $0.suffix == extra }) {
                balance = b
            } else if let s = BStaging.allCases.first(where: { $0 != .registers && $0.suffix == extra }) {
                staging = s
            } else {
                return nil
            }
        }
        self.init(
            mBlocks: m, nBlocks: n, groups: g, vectorWidth: width, balance: balance, staging: staging,
            maxRegisters: maxRegisters, alignedTiles: aligned)
    }
}

/// The limits of the target GPU that decide whether a plan fits.
public struct DeviceLimits: Hashable, Sendable, Codable {
    public var maxThreadsPerBlock: Int
    /// Largest dynamic shared memory a block may opt in to, bytes.
    public var maxSharedMemoryPerBlock: Int
    /// 32-bit registers per block (per multiprocessor on Hopper).
    public var registersPerBlock: Int

    public init(maxThreadsPerBlock: Int, maxSharedMemoryPerBlock: Int, registersPerBlock: Int) {
        self.maxThreadsPerBlock = maxThreadsPerBlock
        self.maxSharedMemoryPerBlock = maxSharedMemoryPerBlock
        self.registersPerBlock = registersPerBlock
    }

    /// Registers per thread a block of `threads` threads may use at most (255 is the ISA's limit).
    public func registerBudget(threadsPerBlock threads: Int) -> Int {
        min(255, registersPerBlock / max(threads, 1))
    }

    /// H100 / H200 (sm_90): 1024 threads, 227 KB opt-in shared memory, 64 K registers.
    public static let hopper = DeviceLimits(
        maxThreadsPerBlock: 1024, maxSharedMemoryPerBlock: 227 * 1024, registersPerBlock: 65536)
}

