import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Plans: tiling and load balancing")
struct PlanTests {
    let weights = TestMatrices.random(rows: 100, columns: 200, density: 0.1, seed: 4)

    @Test("block row ranges cover every row once and balance nonzeros", arguments: [1, 3, 7, 16, 100])
    func blockPartition(mBlocks: Int) throws {
        let plan = try SpMMPlan(problem: SpMMProblem(weights: weights, n: 64), config: TilingConfig(mBlocks: mBlocks, nBlocks: 1, groups: 1))
        #expect(plan.blocks.count == mBlocks)
        #expect(plan.blocks.allSatisfy { !$0.rows.isEmpty && $0.rows == Array($0.rows.first!...$0.rows.last!) })
        #expect(plan.blocks.first?.rows.first == 0)
        #expect(plan.blocks.last?.rows.last == 99)
        for (a, b) in zip(plan.blocks, plan.blocks.dropFirst()) { #expect(a.rows.last! + 1 == b.rows.first) }
        #expect(plan.blocks.map(\.nonzeros).reduce(0, +) == weights.nonzeroCount)
        if mBlocks <= 16 { #expect(plan.blockImbalance < 1.3) }
    }

    @Test("groups split K into ordered, disjoint ranges with nearly equal nonzeros", arguments: [1, 2, 4, 8])
    func groupPartition(groups: Int) throws {
        let plan = try SpMMPlan(problem: SpMMProblem(weights: weights, n: 32), config: TilingConfig(mBlocks: 2, nBlocks: 1, groups: groups))
        for block in plan.blocks {
            #expect(block.groups.count == groups)
            #expect(block.groups.map(\.nonzeros).reduce(0, +) == block.nonzeros)
            let ranges = block.groups.compactMap(\.kRange)
            for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound < b.lowerBound) }
        }
        #expect(plan.groupImbalance < 1.5)
    }

    @Test("uniform balancing gives equal row counts")
    func uniformRows() throws {
        let plan = try SpMMPlan(problem: SpMMProblem(weights: weights, n: 32), config: TilingConfig(mBlocks: 4, nBlocks: 1, groups: 1, balance: .uniformRows))
        #expect(plan.blocks.map(\.rows.count) == [25, 25, 25, 25])
    }

    @Test("rows sharing columns: every row once, no block empty, nonzeros balanced", arguments: [1, 3, 7, 16, 100])
    func similarColumns(mBlocks: Int) throws {
        let config = TilingConfig(mBlocks: mBlocks, nBlocks: 1, groups: 2, balance: .similarColumns)
        let plan = try SpMMPlan(problem: SpMMProblem(weights: weights, n: 64), config: config)
        let rows = plan.blocks.flatMap(\.rows)
        #expect(rows.sorted() == Array(0..<100))
        #expect(plan.blocks.allSatisfy { !$0.rows.isEmpty && $0.rows == $0.rows.sorted() })
        #expect(plan.blocks.map(\.nonzeros).reduce(0, +) == weights.nonzeroCount)
        if mBlocks <= 16 { #expect(plan.blockImbalance < 1.3) }
    }

    @Test("rows sharing columns load fewer rows of B than contiguous ranges on a pruned ResNet-50 layer",
          arguments: [(8, 1), (16, 2), (32, 4)])
    func similarColumnsLoadFewer(mBlocks: Int, groups: Int) throws {
        // Table 1 problem 1 (64 x 256 at 0.9), bundled with the repository.
        let problem = try SpMMProblem(weights: TestMatrices.bundledResNetLayer(), n: 3136)
        func loads(_ balance: BlockBalance) throws -> Int {
            let config = TilingConfig(mBlocks: mBlocks, nBlocks: 98, groups: groups, balance: balance)
            return try SpMMPlan(problem: problem, config: config).bRowLoads
        }
        let contiguous = try loads(.nonzeros), similar = try loads(.similarColumns)
        #expect(Double(similar) < 0.95 * Double(contiguous), "\(similar) against \(contiguous)")
    }

    @Test("the explanation counts B's row loads and what sim would save")
    func explanation() throws {
        let problem = try SpMMProblem(weights: TestMatrices.bundledResNetLayer(), n: 3136)
        let text = PlanExplanation.text(try SpMMPlan(problem: problem, config: TilingConfig(mBlocks: 8, nBlocks: 98, groups: 1)))
        #expect(text.contains("1004 loads of a row of B per N tile"))
        #expect(text.contains("with sim (rows that share columns gathered): 866 loads of a row of B per N tile (14% fewer)"))
        let similar = PlanExplanation.text(try SpMMPlan(problem: problem, config: TilingConfig(mBlocks: 8, nBlocks: 98, groups: 1, balance: .similarColumns)))
        #expect(similar.contains("866 loads") && !similar.contains("with sim") && similar.contains("8 rows: "))
    }

    @Test("an empty-rowed matrix with more blocks than nonempty rows still gives every block a row")
    func similarColumnsEmptyRows() throws {
        let single = TestMatrices.single(rows: 9, columns: 13, row: 4, column: 7)
        let config = TilingConfig(mBlocks: 9, nBlocks: 1, groups: 1, balance: .similarColumns)
        let plan = try SpMMPlan(problem: SpMMProblem(weights: single, n: 4), config: config)
        #expect(plan.blocks.map(\.rows.count) == Array(repeating: 1, count: 9))
        #expect(plan.blocks.flatMap(\.rows).sorted() == Array(0..<9))
    }

    @Test("configs that do not fit are refused with the limit they break", arguments: [
        TilingConfig(mBlocks: 1, nBlocks: 1, groups: 1),                 // 2048 threads for N = 2048
        TilingConfig(mBlocks: 101, nBlocks: 1, groups: 1),               // more blocks than rows
        TilingConfig(mBlocks: 1, nBlocks: 64, groups: 2, vectorWidth: 3), // bad width
        TilingConfig(mBlocks: 1, nBlocks: 64, groups: 0),
    ])
    func infeasible(config: TilingConfig) throws {
        let problem = try SpMMProblem(weights: weights, n: 2048)
        #expect(throws: PlanError.self) { try SpMMPlan(problem: problem, config: config) }
    }

    @Test("config text round-trips", arguments: ["8,4,2", "8,4,2,v4", "1,1,1,uniform", "3,2,1,v2,uniform", "4,49,1,cp", "2,3,1,v4,uniform,cp", "8,4,2,m96", "2,3,1,v2,uniform,cp,m64", "8,4,2,sim", "8,4,2,v2,sim,m96", "16,7,2,al", "16,7,2,v2,al,sim,m128"])
    func parse(text: String) throws {
        let config = try #require(TilingConfig(parsing: text))
        #expect(config.description == text)
    }

    @Test("unknown config suffixes are rejected", arguments: ["8,4,2,pf", "8,4,2,cp2", "8,4", "8,4,2,v4,x", "8,4,2,m", "8,4,2,mx"])
    func rejects(text: String) {
        #expect(TilingConfig(parsing: text) == nil)
    }

    @Test("aligned tiles round up to whole 128-byte lines; the grid launches only the tiles N needs", arguments: [
        // (N, N_blocks, vector width, columns per tile plain, aligned, grid along N aligned)
        (784, 7, 1, 112, 128, 7), (196, 4, 1, 49, 64, 4), (196, 2, 1, 98, 128, 2), (196, 2, 2, 98, 128, 2),
        (784, 4, 2, 196, 224, 4), (256, 2, 1, 128, 128, 2), (49, 1, 1, 49, 64, 1), (100, 3, 1, 34, 64, 2),
        (3136, 98, 2, 32, 32, 98),
    ])
    func alignedTiles(_ c: (n: Int, nBlocks: Int, width: Int, plain: Int, aligned: Int, gridY: Int)) throws {
        let problem = try SpMMProblem(weights: weights, n: c.n)
        var config = TilingConfig(mBlocks: 4, nBlocks: c.nBlocks, groups: 1, vectorWidth: c.width)
        #expect(try SpMMPlan(problem: problem, config: config).columnsPerBlock == c.plain)
        config.alignedTiles = true
        let plan = try SpMMPlan(problem: problem, config: config)
        #expect(plan.columnsPerBlock == c.aligned)
        #expect(plan.gridY == c.gridY)
        #expect(plan.threadsPerGroup == (c.aligned / c.width + 31) / 32 * 32)
    }

    @Test("every heuristic candidate plans", arguments: [1, 7, 49, 196, 256, 3136])
    func candidates(n: Int) throws {
        let problem = try SpMMProblem(weights: weights, n: n)
        let candidates = TilingConfig.candidates(for: problem)
        #expect(!candidates.isEmpty)
        for config in candidates { _ = try SpMMPlan(problem: problem, config: config) }
    }

    @Test("vector widths left out by the caller are not planned; the others keep their order", arguments: [49, 256])
    func candidateWidths(n: Int) throws {
        let problem = try SpMMProblem(weights: weights, n: n)
        let all = TilingConfig.candidates(for: problem, limit: .max)
        for width in [1, 2] {
            #expect(TilingConfig.candidates(for: problem, limit: .max) { $0 == width } == all.filter { $0.vectorWidth == width })
        }
        #expect(TilingConfig.candidates(for: problem, limit: .max) { _ in false }.isEmpty)
        // A layer no width of whose unrolled code fits the budget lists only data-driven configs.
        let large = try SpMMProblem(weights: TestMatrices.random(rows: 2048, columns: 2048, density: 0.5, seed: 8), n: 8)
        #expect(!KernelSpec.unrolledFits(large, vectorWidth: 1) && !KernelSpec.unrolledFits(large, vectorWidth: 2))
        #expect(KernelSpec.unrolledCandidates(for: large).isEmpty)
    }

    @Test("the tuner lists a small layer's whole unrolled grid and a larger one's within the ptxas budget, each as the first pass times it")
    func unrolledListBudget() throws {
        /// The listed configs with their contiguous row ranges, plain tiles and no cap, to compare with the grid.
        func unrolled(_ problem: SpMMProblem) -> (listed: [TilingConfig], grid: [TilingConfig]) {
            let firstPass = KernelSpec.candidates(for: problem).compactMap { spec -> TilingConfig? in
                if case .unrolled(let config) = spec { return config } else { return nil }
            }
            #expect(firstPass.allSatisfy { $0.balance == .similarColumns })
            let listed = firstPass.map { config in
                var plain = config
                plain.balance = .nonzeros
                plain.maxRegisters = nil
                plain.alignedTiles = false
                return plain
            }
            #expect(zip(listed, firstPass).allSatisfy { KernelSpec.firstPassConfig($0, problem: problem) == $1 })
            let grid = TilingConfig.candidates(for: problem, limit: .max).filter {
                KernelSpec.unrolledFits(problem, vectorWidth: $0.vectorWidth)
            }
            return (listed, grid)
        }
        let small = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.05, seed: 6), n: 3136)
        let (smallListed, smallGrid) = unrolled(small)
        #expect(smallListed == smallGrid && smallListed.count > KernelSpec.unrolledCandidateCount)
        let large = try SpMMProblem(weights: TestMatrices.random(rows: 512, columns: 512, density: 0.1, seed: 7), n: 256)
        let (largeListed, largeGrid) = unrolled(large)
        #expect(Array(largeListed.prefix(KernelSpec.unrolledCandidateCount)) == Array(largeGrid.prefix(KernelSpec.unrolledCandidateCount)))
        let seconds = largeListed.dropFirst(KernelSpec.unrolledCandidateCount).map {
            KernelCostModel.unrolled(large, vectorWidth: $0.vectorWidth).assembleSeconds
        }.reduce(0, +)
        #expect(seconds <= KernelSpec.unrolledAssembleBudgetSeconds)
        #expect(largeListed.count < largeGrid.count, "the budget cut the large layer's grid")
    }

    @Test("the first pass gathers rows that share columns, puts tiles on whole lines and caps registers where the grid stays one wave", arguments: [
        // (config, one multiprocessor instead of 132, the config timed)
        ("8,98,1", false, "8,98,1,sim,m96"),
        ("2,98,1,v2", false, "2,98,1,v2,sim,m128"),
        ("8,98,1,m64", false, "8,98,1,sim,m64"),
        ("8,98,1", true, "8,98,1,sim"),
        ("8,98,1,uniform", false, "8,98,1,uniform,m96"),
        // 25 tiles of 126 columns start mid-line on B's rows of 12544 bytes: planned on 128.
        ("4,25,1", false, "4,25,1,al,sim,m96"),
    ])
    func firstPassConfig(config: String, oneMultiprocessor: Bool, expected: String) throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.05, seed: 6), n: 3136)
        var multiprocessor = Occupancy.Multiprocessor.h100
        if oneMultiprocessor { multiprocessor.count = 1 }
        let timed = KernelSpec.firstPassConfig(TilingConfig(parsing: config)!, problem: problem, multiprocessor: multiprocessor)
        #expect(timed.description == expected)
    }

    @Test("no cap where the block's register budget is below 96: 1024 threads a block")
    func firstPassBudget() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 512, density: 0.1, seed: 12), n: 64)
        #expect(KernelSpec.firstPassConfig(TilingConfig(parsing: "8,1,16")!, problem: problem).maxRegisters == nil)
    }
}
