import SparseRT
import SparseRTTestSupport
import Testing

@Suite("Register caps (.maxnreg)")
struct RegisterCapTests {
    let problem = try! SpMMProblem(weights: TestMatrices.random(rows: 96, columns: 200, density: 0.1, seed: 8), n: 64)
    /// 64 rows of 512 columns: unrolled paths long enough for a cap to change what ptxas hoists.
    let long = try! SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 512, density: 0.1, seed: 12), n: 64)

    @Test("a capped data-driven kernel renders .maxnreg, computes the same result, and ptxas honours the cap",
          arguments: [64, 96])
    func capped(cap: Int) throws {
        var config = DataDrivenConfig.heuristic(for: problem)
        config.maxRegisters = cap
        let kernel = try KernelSpec.dataDriven(config).compile(problem)
        let ptx = kernel.ptx()
        #expect(ptx.contains(".maxnreg \(cap)\n"))
        #expect(try CPUVerifier.verify(kernel, seed: 3).passed)
        if let ptxas = TestMatrices.ptxas {
            #expect(try ptxas.assemble(ptx).registers <= cap)
        }
    }

    @Test("the cap is part of the config text and is validated")
    func text() throws {
        let config = try #require(DataDrivenConfig(parsing: "dd:w32,v2,c1,r4,k1,u2,m96"))
        #expect(config.maxRegisters == 96)
        #expect(config.description == "dd:w32,v2,c1,r4,k1,u2,m96")
        var bad = config
        bad.maxRegisters = 8
        #expect(throws: PlanError.self) { try KernelSpec.dataDriven(bad).compile(problem) }
    }

    @Test("a capped unrolled kernel renders .maxnreg, computes the same result, and ptxas holds more loads under it",
          arguments: ["8,1,1", "4,1,2,v2"])
    func cappedUnrolled(text: String) throws {
        let plain = try KernelSpec.unrolled(try #require(TilingConfig(parsing: text))).compile(long)
        let capped = try KernelSpec.unrolled(try #require(TilingConfig(parsing: text + ",m96"))).compile(long)
        let ptx = capped.ptx()
        #expect(ptx.contains(".maxnreg 96\n"))
        #expect(!plain.ptx().contains(".maxnreg"))
        #expect(try CPUVerifier.verify(capped, seed: 5).passed)
        if let ptxas = TestMatrices.ptxas {
            let plainReport = try ptxas.assemble(plain.ptx())
            let cappedReport = try ptxas.assemble(ptx)
            #expect(cappedReport.registers <= 96 && cappedReport.spillStoreBytes == 0 && cappedReport.spillLoadBytes == 0)
            // The point of the cap: ptxas hoists more of the path's B loads, so it uses more registers.
            #expect(cappedReport.registers > plainReport.registers)
        }
    }

    @Test("an unrolled cap is validated against the range and the block's budget",
          arguments: ["8,1,1,m8", "8,1,1,m300", "8,1,16,m128"])
    func unrolledCapRejected(text: String) throws {
        // 8,1,16: 16 groups of 64 threads (1024), so 64 registers at most.
        let config = try #require(TilingConfig(parsing: text))
        #expect(throws: PlanError.self) { try SpMMPlan(problem: long, config: config) }
        var uncapped = config
        uncapped.maxRegisters = nil
        #expect(throws: Never.self) { try SpMMPlan(problem: long, config: uncapped) }
    }

    @Test("an unrolled cap, not the estimate, decides whether a large block fits")
    func unrolledCapDecidesFit() throws {
        // One block of all 48 rows in 16 groups of 64 threads (1024): each group touches about all 48 rows,
        // so about 80 registers estimated, 64 allowed.
        let dense = try SpMMProblem(weights: TestMatrices.random(rows: 48, columns: 512, density: 0.3, seed: 12), n: 64)
        var config = try #require(TilingConfig(parsing: "1,1,16"))
        do {
            _ = try SpMMPlan(problem: dense, config: config)
            Issue.record("planned without a cap")
        } catch {
            #expect("\(error)".contains("registers per thread needed"), "\(error)")
        }
        config.maxRegisters = 64
        let kernel = try KernelSpec.unrolled(config).compile(dense)
        #expect(try CPUVerifier.verify(kernel, seed: 6).passed)
        if let ptxas = TestMatrices.ptxas {
            #expect(try ptxas.assemble(kernel.ptx()).registers <= 64)
        }
    }

    @Test("a cap, not the estimate, decides whether a large block fits")
    func capDecidesFit() throws {
        var config = try #require(DataDrivenConfig(parsing: "dd:w32,v4,c1,r4,k8,u2,p0,b1"))
        #expect(config.threadsPerBlock == 1024)
        #expect(throws: PlanError.self) { try config.validate(for: problem, limits: .hopper) }
        config.maxRegisters = 64
        try config.validate(for: problem, limits: .hopper)
        config.maxRegisters = 72
        #expect(throws: PlanError.self) { try config.validate(for: problem, limits: .hopper) }
    }

    @Test("the not-unrolled ablation caps registers where its matching block is too large for the estimate")
    func notUnrolledFits() throws {
        let wide = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 9), n: 3136)
        // 16 rows a block, 32 columns of 2 vectors, 2 groups: 1024 threads, 64 registers each at most.
        let spec = KernelSpec.notUnrolled(matching: try #require(TilingConfig(parsing: "4,49,2,v2")), problem: wide)
        guard case .dataDriven(let config) = spec else { Issue.record("not data-driven: \(spec)"); return }
        #expect(config.threadsPerBlock == 1024 && config.maxRegisters == 64)
        try config.validate(for: wide, limits: .hopper)
        #expect(try CPUVerifier.verify(spec.compile(wide), seed: 4).passed)
    }

    @Test("the tuner's candidates include capped variants of the data-driven heuristic")
    func candidates() {
        let caps = KernelSpec.candidates(for: problem).compactMap { spec -> Int? in
            if case .dataDriven(let c) = spec { return c.maxRegisters } else { return nil }
        }
        #expect(Set(caps) == Set(KernelSpec.registerCaps))
    }
}
