import KernelIR

/// The code that walks a part's nonzeros: loads of weights and B offsets (and taps), loads of B, FMAs.
struct LoopBody {
    /// Bytes between sections of the entries buffer.
    let sectionBytes: Int64
    /// Whether a third section holds tap indices (convolution with padding).
    let hasTaps: Bool
    var vectors: [DataDrivenKernelGenerator.VectorAccess]
    let accumulators: [[Register]]
    /// Where B is read: global memory (u64 addresses) or the staged shared chunk (u32 addresses).
    var bSpace: MemorySpace = .globalReadOnly
    /// B's element type (halves are widened to f32 as they load).
    var precision: Precision = .fp32
    /// How the entries hold a nonzero (``DataDrivenLayout/entryFormat``).
    var entryFormat = DataDrivenConfig.EntryFormat.wide
    /// With 16-bit column indices (an ``entryFormat`` other than `wide`): B's row bytes, which turn a column
    /// into its byte offset.
    var narrowIndexRowBytes: UInt32 = 4

    /// The nonzeros at byte offsets [start, end) of the entries' first section: a main loop of `4 * unroll`
    /// per iteration, then a tail of fewer than that.
    func emitNonzeros(
        start: Register, end: Register, entryPointer: Register, unroll: Int, prefetch: Bool, builder b: inout KernelBuilder
    ) {
        let pointer = b.register(.u64)
        let startWide = b.register(.u64)
        b.emit(.extend(startWide, start))
        b.emit(.binary(.add, pointer, .register(entryPointer), .register(startWide)))
        let length = b.binary(.sub, .u32, .register(end), .register(start))
        let mainBytes = b.binary(.and, .u32, .register(length), .u32(~UInt32(16 * unroll - 1)))
        let mainEndOffset = b.binary(.add, .u32, .register(start), .register(mainBytes))
        let mainEndWide = b.register(.u64)
        b.emit(.extend(mainEndWide, mainEndOffset))
        let mainEnd = b.binary(.add, .u64, .register(entryPointer), .register(mainEndWide))
        emitMainLoop(pointer: pointer, end: mainEnd, nonzeros: 4 * unroll, prefetch: prefetch, builder: &b)
        let tailBytes = b.binary(.and, .u32, .register(length), .u32(UInt32(16 * unroll - 1)))
        // An empty tail (a part a multiple of the iteration long, or emptied by a head) is jumped over:
        // its guarded slots would issue anyway.
        let done = b.label()
        b.emit(.branch(done), guard: b.compare(.eq, .u32, .register(tailBytes), .u32(0)))
        emitTail(pointer: pointer, bytes: tailBytes, quads: unroll - 1, builder: &b)
        b.emit(.label(done))
    }

    /// Fanned parts (``DataDrivenConfig/fannedParts``): the groups of 4 entries at byte offsets `start`,
    /// `start + stride`, ... below `end` of the entries' first section, `unroll` groups per iteration. A group
    /// loads where it starts below `end`, and each of its entries is used where it lies below `end` (the
    /// row's last group may be partial; its other words are padding). With `prefetch`, each iteration loads
    /// the next one's groups while its B loads are in flight, so a step costs one memory trip, not two.
    func emitFannedNonzeros(
        start: Register, end: Register, entryPointer: Register, stride: Int, unroll: Int, prefetch: Bool,
        builder b: inout KernelBuilder
    ) {
        func address(_ offset: Register) -> Register {
            let wide = b.register(.u64)
            b.emit(.extend(wide, offset))
            return b.binary(.add, .u64, .register(entryPointer), .register(wide))
        }
        let pointer = address(start), last = address(end)
        // 16-bit columns in their own section: entry e's column at half its weight's offset into it.
        var indexPointer: Register?
        if entryFormat == .narrowColumns {
            let half = address(b.binary(.shr, .u32, .register(start), .u32(1)))
            indexPointer = b.binary(.add, .u64, .register(half), .u64(UInt64(sectionBytes)))
        }
        /// Whether the entry `bytes` past `pointer` lies below `end` (nil: known, at `pointer` itself).
        func below(_ remaining: Register, _ bytes: Int) -> Register? {
            bytes == 0 ? nil : b.compare(.gt, .u64, .register(remaining), .u64(UInt64(bytes)))
        }
        /// The iteration's groups `offset` bytes past `pointer`, each loaded where it starts below `end`.
        func loadGroups(offset: Int, remaining: Register) -> [Entries] {
            (0..<unroll).map { g in
                let at = offset + g * stride
                let present = below(remaining, at)
                switch entryFormat {
                case .wide: return loadEntries(4, at: pointer, offset: Int64(at), guard: present, builder: &b)
                case .narrowColumns:
                    return loadNarrowEntries(at: pointer, indices: indexPointer!, offset: Int64(at), guard: present, builder: &b)
                case .packedHalves: return loadPackedEntries(at: pointer, offset: Int64(at), guard: present, builder: &b)
                }
            }
        }
        let top = b.label(), after = b.label()
        b.emit(.branch(after), guard: b.compare(.ge, .u64, .register(pointer), .register(last)))
        var groups = prefetch ? loadGroups(offset: 0, remaining: b.binary(.sub, .u64, .register(last), .register(pointer))) : []
        b.emit(.label(top))
        let remaining = b.binary(.sub, .u64, .register(last), .register(pointer))
        if !prefetch { groups = loadGroups(offset: 0, remaining: remaining) }
        let singles = groups.enumerated().flatMap { g, group in
            (0..<4).map { e in
                // A group's first entry is there where the group is (loaded in this iteration, the same check).
                let inside = e == 0 && !prefetch ? group.guardPredicate : below(remaining, g * stride + 4 * e)
                return Entries(
                    weights: [group.weights[e]], offsets: [group.offsets[e]],
                    taps: group.taps.isEmpty ? [] : [group.taps[e]], guardPredicate: inside)
            }
        }
        let values = singles.map { loadB($0, builder: &b) }
        if prefetch {
            let next = loadGroups(offset: unroll * stride, remaining: remaining)
            for (entry, loaded) in zip(singles, values) { accumulate(entry, loaded, builder: &b) }
            for (group, following) in zip(groups, next) {
                for (dst, src) in zip(group.weights + group.offsets + group.taps, following.weights + following.offsets + following.taps) {
                    b.emit(.move(dst, .register(src)))
                }
            }
        } else {
            for (entry, loaded) in zip(singles, values) { accumulate(entry, loaded, builder: &b) }
        }
        b.emit(.binary(.add, pointer, .register(pointer), .u64(UInt64(unroll * stride))))
        if let indexPointer {
            b.emit(.binary(.add, indexPointer, .register(indexPointer), .u64(UInt64(unroll * stride / 2))))
        }
        b.emit(.branch(top), guard: b.compare(.lt, .u64, .register(pointer), .register(last)))
        b.emit(.label(after))
    }

    /// Registers holding consecutive entries, and the predicate under which they are real (nil: always).
    struct Entries {
        var weights: [Register] = []
        var offsets: [Register] = []
        var taps: [Register] = []
        var guardPredicate: Register?
    }

    /// A part's head: `count` entries at `address`, loaded unconditionally (the head region always holds
    /// them), and their B loads issued, each entry used only where its offset is not
    /// ``DataDrivenLayout/headSentinel``. Returns every entry with its loaded B values, for ``accumulate(_:_:builder:)``.
    func loadHead(_ count: Int, at address: Register, builder b: inout KernelBuilder) -> [(Entries, [[[Register]]])] {
        let loaded = loadEntries(count, at: address, offset: 0, guard: nil, builder: &b)
        let singles = loaded.offsets.indices.map { i in
            let used = b.compare(.ne, .u32, .register(loaded.offsets[i]), .u32(DataDrivenLayout.headSentinel))
            return Entries(
                weights: [loaded.weights[i]], offsets: [loaded.offsets[i]],
                taps: loaded.taps.isEmpty ? [] : [loaded.taps[i]], guardPredicate: used)
        }
        return singles.map { ($0, loadB($0, builder: &b)) }
    }

    /// A head loaded across the subwarp: lane l loads entries `l * H/T ..< (l + 1) * H/T` (one vector load per
    /// section), then `group` entries at a time are shuffled to every lane, their B loads issued, their
    /// FMAs done, each entry used where its offset is not the sentinel. Unused entries come last, so the
    /// walk stops at the first group whose first entry is unused (the subwarp is the whole warp, so the
    /// branch is uniform and the next shuffles still see all 32 lanes).
    func emitSharedHead(
        _ count: Int, at address: Register, lane: Register, subwarpWidth t: Int, group: Int, builder b: inout KernelBuilder
    ) {
        let perLane = count / t
        let laneBytes = b.register(.u64)
        b.emit(.multiplyWide(laneBytes, .register(lane), .u32(UInt32(perLane * 4))))
        let laneAddress = b.binary(.add, .u64, .register(address), .register(laneBytes))
        let mine = loadEntries(perLane, at: laneAddress, offset: 0, guard: nil, builder: &b)
        let done = b.label()
        for first in stride(from: 0, to: count, by: group) {
            let singles = (first..<min(first + group, count)).map { e -> Entries in
                func shuffled(_ words: [Register]) -> Register {
                    let value = b.register(words[0].type)
                    b.emit(.shuffle(value, words[e % perLane], sourceLane: e / perLane, width: t))
                    return value
                }
                let offset = shuffled(mine.offsets)
                let used = b.compare(.ne, .u32, .register(offset), .u32(DataDrivenLayout.headSentinel))
                return Entries(
                    weights: [shuffled(mine.weights)], offsets: [offset],
                    taps: mine.taps.isEmpty ? [] : [shuffled(mine.taps)], guardPredicate: used)
            }
            if first > 0 { b.emit(.branch(done), guard: singles[0].guardPredicate, negated: true) }
            let values = singles.map { loadB($0, builder: &b) }
            for (entry, value) in zip(singles, values) { accumulate(entry, value, builder: &b) }
        }
        b.emit(.label(done))
    }

    /// The main loop over [pointer, end), `nonzeros` (a multiple of 4) per iteration; `pointer` ends at `end`.
    /// With `prefetch`, each iteration loads the next iteration's weights and offsets before its FMAs, so
    /// only the B loads stay on the loop's critical path (the layout's slack keeps the last, unused
    /// prefetch inside the buffer).
    func emitMainLoop(pointer: Register, end: Register, nonzeros: Int, prefetch: Bool, builder b: inout KernelBuilder) {
        let top = b.label(), after = b.label()
        let skip = b.compare(.ge, .u64, .register(pointer), .register(end))
        b.emit(.branch(after), guard: skip)
        var current = prefetch ? loadEntries(nonzeros, at: pointer, offset: 0, guard: nil, builder: &b) : Entries()
        b.emit(.label(top))
        if prefetch {
            let values = loadB(current, builder: &b)
            let next = loadEntries(nonzeros, at: pointer, offset: Int64(nonzeros * 4), guard: nil, builder: &b)
            accumulate(current, values, builder: &b)
            for (dst, src) in zip(current.weights + current.offsets + current.taps, next.weights + next.offsets + next.taps) {
                b.emit(.move(dst, .register(src)))
            }
        } else {
            current = loadEntries(nonzeros, at: pointer, offset: 0, guard: nil, builder: &b)
            accumulate(current, loadB(current, builder: &b), builder: &b)
        }
        b.emit(.binary(.add, pointer, .register(pointer), .u64(UInt64(nonzeros * 4))))
        let more = b.compare(.lt, .u64, .register(pointer), .register(end))
        b.emit(.branch(top), guard: more)
        b.emit(.label(after))
    }

    /// The last `bytes / 4` (< 4 * (quads + 1)) nonzeros from `pointer`, as up to `quads` groups of 4 and up
    /// to 3 single nonzeros, each guarded by whether it exists; every load is issued before the first FMA
    /// so the tail costs one load latency, not one per group. (Splitting it into a phase of groups and one
    /// of singles changed ptxas's register choice and ran up to 2x slower on an H200.)
    func emitTail(pointer: Register, bytes: Register, quads: Int, builder b: inout KernelBuilder) {
        var groups: [Entries] = []
        let quadBytes = b.binary(.and, .u32, .register(bytes), .u32(~UInt32(15)))
        for q in 0..<quads {
            let present = b.compare(.gt, .u32, .register(quadBytes), .u32(UInt32(16 * q)))
            groups.append(loadEntries(4, at: pointer, offset: Int64(16 * q), guard: present, builder: &b))
        }
        let singleBytes = b.binary(.and, .u32, .register(bytes), .u32(15))
        var singles = pointer
        if quads > 0 {
            let wide = b.register(.u64)
            b.emit(.extend(wide, quadBytes))
            singles = b.binary(.add, .u64, .register(pointer), .register(wide))
        }
        for i in 0..<3 {
            let present = b.compare(.gt, .u32, .register(singleBytes), .u32(UInt32(4 * i)))
            groups.append(loadEntries(1, at: singles, offset: Int64(4 * i), guard: present, builder: &b))
        }
        let values = groups.map { loadB($0, builder: &b) }
        for (group, loaded) in zip(groups, values) { accumulate(group, loaded, builder: &b) }
    }

    /// Four entries with 16-bit column indices: their weights at byte `offset` from `weights` (16 bytes), their
    /// columns at `offset / 2` from `indices` (8 bytes, entry 2i in the low half of word i), each column turned
    /// into B's byte offset.
    func loadNarrowEntries(
        at weights: Register, indices: Register, offset: Int64, guard predicate: Register?, builder b: inout KernelBuilder
    ) -> Entries {
        let w = (0..<4).map { _ in b.register(.f32) }
        b.emit(.load(.globalReadOnly, w, address: weights, offset: offset), guard: predicate)
        let pairs = (0..<2).map { _ in b.register(.u32) }
        b.emit(.load(.globalReadOnly, pairs, address: indices, offset: offset / 2), guard: predicate)
                let offsets = (0..<4).map { e -> Register in
            let word = pairs[e / 2]
            let column = e % 2 == 0
                ? b.binary(.and, .u32, .register(word), .u32(0xFFFF)) : b.binary(.shr, .u32, .register(word), .u32(16))
            return b.binary(.mul, .u32, .register(column), .u32(narrowIndexRowBytes))
        }
        return Entries(weights: w, offsets: offsets, guardPredicate: predicate)
    }

    /// Four entries packed a word each (``DataDrivenConfig/EntryFormat/packedHalves``) at byte `offset` from
    /// `base` (16 bytes): each weight widened from the word's low half, each column (the high half) turned into
    /// B's byte offset.
    func loadPackedEntries(at base: Register, offset: Int64, guard predicate: Register?, builder b: inout KernelBuilder) -> Entries {
        let words = (0..<4).map { _ in b.register(.u32) }
        b.emit(.load(.globalReadOnly, words, address: base, offset: offset), guard: predicate)
                var entries = Entries(guardPredicate: predicate)
        for word in words {
            let half = b.register(.f16), weight = b.register(.f32)
            b.emit(.convert(half, word))
            b.emit(.convert(weight, half))
            entries.weights.append(weight)
            let column = b.binary(.shr, .u32, .register(word), .u32(16))
            entries.offsets.append(b.binary(.mul, .u32, .register(column), .u32(narrowIndexRowBytes)))
        }
        return entries
    }

    /// Loads `count` (1, 2 or a multiple of 4) entries at byte `offset` from `base`, up to 16 bytes at a time.
    func loadEntries(
        _ count: Int, at base: Register, offset: Int64, guard predicate: Register?, builder b: inout KernelBuilder
    ) -> Entries {
        var entries = Entries(guardPredicate: predicate)
        let group = min(count, 4)
        for g in stride(from: 0, to: count, by: group) {
            let at = offset + Int64(g * 4)
            let w = (0..<group).map { _ in b.register(.f32) }
            b.emit(.load(.globalReadOnly, w, address: base, offset: at), guard: predicate)
            let o = (0..<group).map { _ in b.register(.u32) }
            b.emit(.load(.globalReadOnly, o, address: base, offset: at + sectionBytes), guard: predicate)
            entries.weights += w
            entries.offsets += o
            if hasTaps {
                let t = (0..<group).map { _ in b.register(.u32) }
                b.emit(.load(.globalReadOnly, t, address: base, offset: at + 2 * sectionBytes), guard: predicate)
                entries.taps += t
            }
        }
        return entries
    }

    /// Per entry and vector, one W-wide load of B (vectors sharing a base share the address add); a
    /// convolution's load also needs the tap's bit in the vector's mask, else the value is 0.
    func loadB(_ entries: Entries, builder b: inout KernelBuilder) -> [[[Register]]] {
        let width = accumulators[0].count
        return entries.offsets.indices.map { i in
            var wide: Register?
            if bSpace != .shared {
                wide = b.register(.u64)
                b.emit(.extend(wide!, entries.offsets[i]))
            }
            var addresses: [Register: Register] = [:]
            return vectors.map { vector in
                let address: Register
                if let known = addresses[vector.b.base] {
                    address = known
                } else if let wide {
                    address = b.binary(.add, .u64, .register(vector.b.base), .register(wide))
                    addresses[vector.b.base] = address
                } else {
                    address = b.binary(.add, .u32, .register(vector.b.base), .register(entries.offsets[i]))
                    addresses[vector.b.base] = address
                }
                let loaded = (0..<width).map { _ in b.register(.f32) }
                var predicate = vector.inside.map { b.conjunction($0, entries.guardPredicate) } ?? entries.guardPredicate
                if let mask = vector.tapMask {
                    let shifted = b.binary(.shr, .u64, .register(mask), .register(entries.taps[i]))
                    let bit = b.binary(.and, .u64, .register(shifted), .u64(1))
                    let inside = b.conjunction(b.compare(.ne, .u64, .register(bit), .u64(0)), entries.guardPredicate)!
                    for r in loaded { b.emit(.move(r, .f32(0))) }
                    predicate = inside
                }
                b.loadElements(precision, into: loaded, space: bSpace, address: address, offset: vector.b.offset, guard: predicate)
                return loaded
            }
        }
    }

    /// `acc[j][w] += weight * B value`, entry by entry in order (the summation order is the layout's), under
    /// the entries' guard. (Guarded FMAs also keep the tail's loads independent in ptxas's schedule: with
    /// absent entries zeroed and unguarded FMAs instead, ptxas packed the kernel into 40 registers and
    /// serialized the loads, 1.2-1.9x slower at N = 256 on an H200.)
    func accumulate(_ entries: Entries, _ values: [[[Register]]], builder b: inout KernelBuilder) {
        for (weight, perVector) in zip(entries.weights, values) {
            for (acc, loaded) in zip(accumulators, perVector) {
                for (sum, x) in zip(acc, loaded) {
                    b.emit(.fma(sum, .register(x), .register(weight), .register(sum)), guard: entries.guardPredicate)
                }
            }
        }
    }
}
