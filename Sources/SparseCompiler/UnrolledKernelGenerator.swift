import KernelIR

/// Generates the unrolled kernel of an ``SpMMPlan`` (paper section 3.5): per (block, group) straight-line
/// code with every nonzero weight an FMA immediate and every accumulator a register.
///
/// Layout of the generated kernel:
/// 1. Prologue, shared by all threads: thread group and lane, output column, B and C base addresses.
/// 2. An indexed branch on (blockIdx.x, group) to that pair's code.
/// 3. For each K step of the group: one (vector) load of B[k, columns], one FMA per nonzero A[m, k]. With
///    `cp` staging (``BStaging``), the group first copies every step's words to shared memory with
///    `cp.async` and waits once, and the steps then read shared memory.
/// 4. If the block's groups share rows: partials to shared memory, one barrier, each row summed by its
///    reducer group. Each row of C is written once, by one group, predicated on the column being in range.
public enum UnrolledKernelGenerator {
    /// Parameter order of every generated kernel: B (input), C (output).
    public static let parameters = [
        KernelParameter(name: "param_b", type: .u64),
        KernelParameter(name: "param_c", type: .u64),
    ]

    /// B registers cycled through for loads; ptxas renames them, the pool only keeps the PTX short.
    static let loadRegisterPool = 8

    public static func generate(_ plan: SpMMPlan, name: String) -> Kernel {
        var b = KernelBuilder()
        let config = plan.config
        let width = config.vectorWidth
        let n = plan.problem.n

        // 1. Prologue.
        let bPointer = b.register(.u64)
        let cPointer = b.register(.u64)
        b.emit(.loadParameter(bPointer, index: 0))
        b.emit(.loadParameter(cPointer, index: 1))
        let (thread, blockM, blockN) = b.threadAndBlockIndices()
        let group: Register
        let lane: Register
        if config.groups == 1 {
            group = b.register(.u32)
            b.emit(.move(group, .u32(0)))
            lane = thread
        } else {
            group = b.binary(.div, .u32, .register(thread), .u32(UInt32(plan.threadsPerGroup)))
            lane = b.binary(.rem, .u32, .register(thread), .u32(UInt32(plan.threadsPerGroup)))
        }
        // column = blockN * columnsPerBlock + lane * width; valid when inside the tile and inside N.
        let laneColumn = b.binary(.mul, .u32, .register(lane), .u32(UInt32(width)))
        let tileStart = b.binary(.mul, .u32, .register(blockN), .u32(UInt32(plan.columnsPerBlock)))
        let column = b.binary(.add, .u32, .register(tileStart), .register(laneColumn))
        let inTile = b.compare(.lt, .u32, .register(laneColumn), .u32(UInt32(plan.columnsPerBlock)))
        let inMatrix = b.compare(.lt, .u32, .register(column), .u32(UInt32(n)))
        let valid = b.register(.pred)
        b.emit(.predicateAnd(valid, inTile, inMatrix))
        // Threads past N compute on the last vector's column (a valid address) and store nothing.
        let clamped = b.binary(.min, .u32, .register(column), .u32(UInt32(plan.problem.lastVectorColumn(width: width))))
        let access = OperandAccess.emit(plan.problem, column: clamped, bPointer: bPointer, cPointer: cPointer, builder: &b)
        let needsShared = plan.sharedMemoryBytes > 0
        var sharedLane: Register?
        if needsShared {
            let base = b.register(.u32)
            b.emit(.sharedBase(base))
            let laneBytes = b.binary(.mul, .u32, .register(lane), .u32(UInt32(width * 4)))
            sharedLane = b.binary(.add, .u32, .register(base), .register(laneBytes))
        }
        let zero = b.register(.f32)
        b.emit(.move(zero, .f32(0)))

        // 2. Dispatch.
        let labels = (0..<(plan.blocks.count * config.groups)).map { _ in b.label() }
        if labels.count == 1 {
            b.emit(.branch(labels[0]))
        } else {
            let scaled = b.binary(.mul, .u32, .register(blockM), .u32(UInt32(config.groups)))
            let index = b.binary(.add, .u32, .register(scaled), .register(group))
            b.emit(.branchIndexed(index, labels))
        }

        // 3-4. One straight-line path per (block, group).
        let mark = b.registerMark
        for (blockIndex, block) in plan.blocks.enumerated() {
            for (g, groupPlan) in block.groups.enumerated() {
                b.reuseRegisters(from: mark)
                b.emit(.label(labels[blockIndex * config.groups + g]))
                b.emit(.comment("block \(blockIndex) rows \(block.rowsSummary), group \(g), \(groupPlan.nonzeros) nonzeros"))
                emitGroup(
                    plan: plan, block: block, group: g, access: access, valid: valid, sharedLane: sharedLane,
                    zero: zero, builder: &b)
            }
        }
        var kernel = b.build(
            name: name, parameters: parameters, threadsPerBlock: plan.threadsPerBlock,
            sharedMemoryBytes: plan.sharedMemoryBytes)
        kernel.maxRegistersPerThread = config.maxRegisters
        return kernel
    }

    static func emitGroup(
        plan: SpMMPlan, block: BlockPlan, group g: Int, access: OperandAccess, valid: Register,
        sharedLane: Register?, zero: Register, builder b: inout KernelBuilder
    ) {
        let width = plan.config.vectorWidth
        let precision = plan.problem.precision
        let groupPlan = block.groups[g]
        var addresses = AddressCache()
        var accumulators: [Int: [Register]] = [:]
        for row in groupPlan.rowsTouched {
            let regs = (0..<width).map { _ in b.register(.f32) }
            for r in regs { b.emit(.move(r, .f32(0))) }
            accumulators[row] = regs
        }
        let steps = groupPlan.steps
        // Where each step's B words come from: a register load (nil) or the staging area (a byte offset
        // from `sharedLane`). Steps with a guard (padding of a convolution) always load into registers.
        var stagedOffset = [Int64?](repeating: nil, count: steps.count)
        switch plan.config.staging {
        case .registers:
            break
        case .asyncCopy:
            guard let sharedLane else { break }
            let stepBytes = Int64(plan.threadsPerGroup * width * 4)
            for (s, step) in steps.enumerated() {
                let (offset, predicate) = access.bOffset(step.k)
                guard predicate == nil else { continue }
                let (base, near) = addresses.address(access.bBase, offset, builder: &b)
                let target = Int64(plan.stagingOffset) + Int64(g * plan.stagedStepsPerGroup + s) * stepBytes
                b.emit(.copyAsync(destination: sharedLane, destinationOffset: target, source: base, sourceOffset: near, words: width))
                stagedOffset[s] = target
            }
            if stagedOffset.contains(where: { $0 != nil }) { b.emit(.waitAsyncCopies) }
        }
        let pool = (0..<loadRegisterPool).map { _ in (0..<width).map { _ in b.register(.f32) } }
        for (i, step) in steps.enumerated() {
            let values = pool[i % loadRegisterPool]
            if let staged = stagedOffset[i], let sharedLane {
                b.emit(.load(.shared, values, address: sharedLane, offset: staged))
            } else {
                let (offset, predicate) = access.bOffset(step.k)
                let (base, near) = addresses.address(access.bBase, offset, builder: &b)
                if predicate != nil { for v in values { b.emit(.move(v, .f32(0))) } }
                b.loadElements(precision, into: values, space: .globalReadOnly, address: base, offset: near, guard: predicate)
            }
            for entry in step.entries {
                let acc = accumulators[entry.row]!
                for v in 0..<width {
                    b.emit(.fma(acc[v], .register(values[v]), .f32(entry.value), .register(acc[v])))
                }
            }
        }

        let rows = block.rows.count
        let slotBytes = Int64(plan.threadsPerGroup * width * 4)
        let usesShared = block.reductionSlotCount > 0
        if usesShared, let sharedLane {
            for row in groupPlan.rowsTouched {
                if let slot = block.slot[g][row] {
                    b.emit(.store(.shared, accumulators[row]!.map(Operand.register), address: sharedLane,
                                  offset: Int64(slot) * slotBytes))
                }
            }
            b.emit(.barrier)
        }
        for row in 0..<rows where block.reducer[row] == g {
            var sum: [Register] = accumulators[row] ?? Array(repeating: zero, count: width)
            if usesShared, let sharedLane {
                for other in block.contributors(ofRow: row) where other != g {
                    let partial = (0..<width).map { _ in b.register(.f32) }
                    b.emit(.load(.shared, partial, address: sharedLane, offset: Int64(block.slot[other][row]!) * slotBytes))
                    if sum.first == zero {
                        sum = partial
                    } else {
                        sum = (0..<width).map { v in b.binary(.add, .f32, .register(sum[v]), .register(partial[v])) }
                    }
                }
            }
            // The epilogue, its bias for this row an immediate.
            let epilogue = plan.problem.epilogue
            sum = epilogue.emit(on: sum, bias: .f32(epilogue.bias?[block.rows[row]] ?? 0), builder: &b)
            let (base, near) = addresses.address(access.cBase, access.cOffset(block.rows[row]), builder: &b)
            b.storeElements(precision, sum, address: base, offset: near, guard: valid)
        }
        b.emit(.exit)
    }
}

/// Keeps byte offsets within the 32-bit immediate range of PTX addresses by adding the high part of
/// large offsets to the base once per path and reusing that register.
struct AddressCache {
    static let window: Int64 = 1 << 30
    var rebased: [Register: [Int64: Register]] = [:]

    mutating func address(_ base: Register, _ offset: Int64, builder: inout KernelBuilder) -> (Register, Int64) {
        let high = offset >= 0 ? offset / Self.window : -((-offset + Self.window - 1) / Self.window)
        if high == 0 { return (base, offset) }
        let low = offset - high * Self.window
        if let register = rebased[base]?[high] { return (register, low) }
        let register = builder.binary(.add, .u64, .register(base), .u64(UInt64(bitPattern: high * Self.window)))
        rebased[base, default: [:]][high] = register
        return (register, low)
    }
}
