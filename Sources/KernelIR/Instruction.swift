/// One IR operation. Operands are typed by the operation; the renderer and the interpreter agree on
/// exactly these semantics (PTX's), which is what lets CI check generated kernels without a GPU.
public enum Operation: Hashable, Sendable {
    /// `dst = param[index]`.
    case loadParameter(Register, index: Int)
    /// `dst = special register` (u32).
    case readSpecial(Register, SpecialRegister)
    /// `dst = the address of the dynamic shared memory window` (u32, byte 0 of the block's shared memory).
    case sharedBase(Register)
    /// `dst = src`.
    case move(Register, Operand)
    /// `dst = a op b` in `dst.type` (u32, u64 or f32; floats round to nearest).
    case binary(BinaryOperation, Register, Operand, Operand)
    /// `dst(u64) = a(u32) * b(u32)`, the full product (`mul.wide.u32`).
    case multiplyWide(Register, Operand, Operand)
    /// `dst(u64) = zero-extended src(u32)`.
    case extend(Register, Register)
    /// `dst(f32) = a * b + c` with one rounding (`fma.rn.f32`).
    case fma(Register, Operand, Operand, Operand)
    /// `dst = src` converted between f16 and f32 (`cvt.f32.f16`, exact; `cvt.rn.f16.f32`, rounded to
    /// nearest even, overflow to infinity), or an f16 `dst` taking the low 16 bits of a u32 `src` as a half's
    /// bits (`cvt.u16.u32`: a half packed into a word beside other data).
    case convert(Register, Register)
    /// `dst(pred) = a cmp b`, compared as `type` (u32, u64 or f32).
    case compare(Comparison, ValueType, Register, Operand, Operand)
    /// `dst(pred) = a && b`.
    case predicateAnd(Register, Register, Register)
    /// Loads `values.count` (1, 2 or 4) consecutive elements from `address + offset` bytes into `values`
    /// (all f32, all u32 or all f16; 4-byte words, or 2-byte halves for f16, whose loads are global only),
    /// aligned to the whole access. Global addresses are u64 registers, shared ones u32.
    case load(MemorySpace, [Register], address: Register, offset: Int64)
    /// Stores `values` (1, 2 or 4 elements, as for ``load``) to `address + offset` bytes.
    case store(MemorySpace, [Operand], address: Register, offset: Int64)
    /// `dst = src` of lane `sourceLane` of this thread's segment of `width` lanes (1 to 32, a power of two)
    /// within its warp (`shfl.sync.idx.b32`, all 32 lanes taking part): 32-bit registers of one type.
    /// Every thread of the warp must reach it together, unguarded.
    case shuffle(Register, Register, sourceLane: Int, width: Int)
    /// `dst = src` of the lane whose index differs from this thread's in the bits of `laneMask` (1 to 31;
    /// `shfl.sync.bfly.b32`, all 32 lanes taking part), for butterfly reductions; as ``shuffle`` otherwise.
    case shuffleXor(Register, Register, laneMask: Int)
    /// Starts a copy of `words` (1, 2 or 4) 4-byte words from global `source + sourceOffset` to shared
    /// `destination + destinationOffset` (`cp.async.ca.shared.global`) without holding a register. The
    /// words may land at any time until this thread's next ``waitAsyncCopies``; reading them before is an error.
    case copyAsync(destination: Register, destinationOffset: Int64, source: Register, sourceOffset: Int64, words: Int)
    /// Waits until every ``copyAsync`` this thread started has landed (`cp.async.wait_all`); the words are
    /// then visible to this thread (other threads need a barrier as well).
    case waitAsyncCopies
    /// Block-wide barrier (`bar.sync 0`): every thread of the block waits here for all the others.
    case barrier
    /// Cluster-wide barrier (`barrier.cluster.arrive.release` then `barrier.cluster.wait.acquire`, both
    /// `.aligned`): every thread of every block of the cluster waits here for all the others. Shared-memory
    /// stores before it are visible to ``loadClusterShared(_:address:offset:rank:)`` of other blocks after
    /// it. Every thread must reach it, unguarded. A remote load needs one before it (the target block may not
    /// have started) and one after it (the target may exit), as on the GPU. Without clusters it acts as
    /// ``barrier``.
    case clusterBarrier
    /// Loads `values.count` (1, 2 or 4) consecutive 4-byte words (all f32 or all u32) from byte
    /// `address + offset` of the shared memory of block `rank` (u32 register or immediate, 0 ..<
    /// ``Kernel/clusterSize``) of this block's cluster. `address` is a u32 address in the executing block's
    /// own window (from ``sharedBase``); `mapa.shared::cluster` maps it to the target block's.
    case loadClusterShared([Register], address: Register, offset: Int64, rank: Operand)
    /// Jumps to `label`.
    case branch(Label)
    /// Jumps to `targets[index]` (`brx.idx`); an index out of range is an error.
    case branchIndexed(Register, [Label])
    /// Marks a branch target.
    case label(Label)
    /// Ends the thread.
    case exit
    /// A comment line in the PTX; no effect.
    case comment(String)
}

/// An operation, optionally guarded by a predicate: it takes effect only where the guard holds
/// (or fails, when `negated`).
public struct Instruction: Hashable, Sendable {
    public var operation: Operation
    public var guardPredicate: Register?
    public var guardNegated: Bool

    public init(_ operation: Operation, guard predicate: Register? = nil, negated: Bool = false) {
        self.operation = operation
        self.guardPredicate = predicate
        self.guardNegated = negated
    }
}
