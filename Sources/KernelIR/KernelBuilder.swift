/// Builds a ``Kernel`` instruction by instruction, handing out fresh registers and labels.
public struct KernelBuilder {
    public private(set) var instructions: [Instruction] = []
    private var nextRegister: [ValueType: Int] = [:]
    private var highWater: [ValueType: Int] = [:]
    private var nextLabel = 0

    public init() {}

    /// A register of `type` that no earlier call returned (since the last ``reuseRegisters(from:)``).
    public mutating func register(_ type: ValueType) -> Register {
        let index = nextRegister[type, default: 0]
        nextRegister[type] = index + 1
        highWater[type] = max(highWater[type, default: 0], index + 1)
        return Register(type, index)
    }

    /// The current allocation marks, to hand registers out again from here in another code path.
    public var registerMark: [ValueType: Int] { nextRegister }

    /// Rewinds allocation to `mark`: registers allocated after it may be handed out again. Use between
    /// mutually exclusive code paths (PTX registers are virtual; ptxas allocates per live range).
    public mutating func reuseRegisters(from mark: [ValueType: Int]) {
        nextRegister = mark
    }

    /// A fresh label, not yet placed.
    public mutating func label() -> Label {
        defer { nextLabel += 1 }
        return Label(nextLabel)
    }

    /// Appends `operation`, guarded by `predicate` when given.
    public mutating func emit(_ operation: Operation, guard predicate: Register? = nil, negated: Bool = false) {
        instructions.append(Instruction(operation, guard: predicate, negated: negated))
    }

    /// Emits `dst = a op b` into a fresh register of `type` and returns it.
    public mutating func binary(_ op: BinaryOperation, _ type: ValueType, _ a: Operand, _ b: Operand) -> Register {
        let dst = register(type)
        emit(.binary(op, dst, a, b))
        return dst
    }

    /// Emits a comparison into a fresh predicate and returns it.
    public mutating func compare(_ cmp: Comparison, _ type: ValueType, _ a: Operand, _ b: Operand) -> Register {
        let dst = register(.pred)
        emit(.compare(cmp, type, dst, a, b))
        return dst
    }

    /// `a && b` where either may be absent (always true): nil when both are, the other when one is, else a
    /// fresh predicate from one `and.pred`.
    public mutating func conjunction(_ a: Register?, _ b: Register?) -> Register? {
        guard let a else { return b }
        guard let b else { return a }
        let both = register(.pred)
        emit(.predicateAnd(both, a, b))
        return both
    }

    /// Reads `%tid.x`, `%ctaid.x` and `%ctaid.y` into fresh registers: every kernel's first step.
    public mutating func threadAndBlockIndices() -> (thread: Register, blockX: Register, blockY: Register) {
        let thread = register(.u32), blockX = register(.u32), blockY = register(.u32)
        emit(.readSpecial(thread, .threadX))
        emit(.readSpecial(blockX, .blockX))
        emit(.readSpecial(blockY, .blockY))
        return (thread, blockX, blockY)
    }

    /// Finishes the kernel (`clusterSize`: blocks per cluster, see ``Kernel/clusterSize``).
    public func build(
        name: String, parameters: [KernelParameter], threadsPerBlock: Int, sharedMemoryBytes: Int,
        clusterSize: Int = 1
    ) -> Kernel {
        Kernel(
            name: name, parameters: parameters, threadsPerBlock: threadsPerBlock,
            sharedMemoryBytes: sharedMemoryBytes, instructions: instructions, registerCounts: highWater,
            clusterSize: clusterSize)
    }
}
