import SparseRT
import SparseRTTestSupport
import Testing

/// A kernel with a fused epilogue: weights, how B is read, a spec of either family, bias and ReLU (and
/// the operands' precision, which the half-precision tests vary).
struct EpilogueCase: CustomTestStringConvertible, Sendable {
    let label: String
    let weights: CSRMatrix
    let operand: DenseOperand
    let spec: String
    var bias = true
    var relu = true
    var cap: Float? = nil
    var rowAlign: Int? = nil
    var precision = Precision.fp32
    var testDescription: String {
        "\(label) \(spec)\(bias ? " bias" : "")\(relu ? " relu" : "")\(cap.map { " cap \($0)" } ?? "")"
            + (rowAlign.map { " rows aligned to \($0) bytes" } ?? "")
    }

    func problem() throws -> SpMMProblem {
        var problem = try SpMMProblem(weights: weights, operand: operand).withPrecision(precision)
        if let rowAlign { problem = try problem.withRowsAligned(toBytes: rowAlign) }
        var random = SeededNormal(seed: 31)
        let values = (0..<weights.rows).map { _ in Float(random.nextUniform() * 2 - 1) }
        return try problem.withEpilogue(Epilogue(bias: bias ? values : nil, relu: relu, cap: cap))
    }

    func compile() throws -> CompiledKernel {
        try #require(KernelSpec(parsing: spec)).compile(problem())
    }
}

let epilogueCases: [EpilogueCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    let conv = ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1)
    let filter = TestMatrices.random(rows: 6, columns: conv.reductionSize, density: 0.3, seed: 10)
    return [
        // Unrolled: a reduction across groups, vectors, rows with no nonzeros (bias alone), sim, a convolution.
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 49), spec: "4,2,2"),
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 64), spec: "8,2,2,v2,m64", relu: false),
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 49), spec: "8,1,2,sim", bias: false),
        EpilogueCase(label: "empty rows", weights: emptyRowsMatrix, operand: .matrix(n: 33), spec: "5,1,3"),
        EpilogueCase(label: "37x45 padded", weights: odd, operand: .matrix(n: 7), spec: "5,1,2", rowAlign: 128),
        EpilogueCase(label: "conv 3x3 s2 b2", weights: filter, operand: .convolution(conv), spec: "3,2,2"),
        // Capped: ReLU6-like (a cap of 0.5 clips many of these outputs), and a cap alone.
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 49), spec: "4,2,2", cap: 0.5),
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 64), spec: "8,2,2,v2,sim", bias: false, relu: false, cap: -0.25),
        // Data-driven: plain, K split, padding slots, heads (across the warp), parts by row length dealt
        // evenly, interleaved, a cluster split, staged B, a convolution.
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 49), spec: "dd:w32,v1,c2,r3,k1,u2"),
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 64), spec: "dd:w16,v4,c1,r4,k2,u4,h16,i1", relu: false),
        EpilogueCase(label: "empty rows", weights: emptyRowsMatrix, operand: .matrix(n: 33), spec: "dd:w32,r3,k2,u2,h8,b1,e1"),
        EpilogueCase(label: "empty rows", weights: emptyRowsMatrix, operand: .matrix(n: 33), spec: "dd:w32,r2,k2,u2,p0,h32,x1,b1,l32"),
        EpilogueCase(label: "64x256 cluster", weights: random, operand: .matrix(n: 64), spec: "dd:w16,v4,c1,r3,k2,u4,q2"),
        EpilogueCase(label: "64x256 staged", weights: random, operand: .matrix(n: 64), spec: "dd:w16,v4,c1,r4,k1,u2,s32", bias: true, relu: true),
        EpilogueCase(label: "37x45 padded", weights: odd, operand: .matrix(n: 7), spec: "dd:w4,v1,c3,r5,k2,u2", rowAlign: 128),
        EpilogueCase(label: "conv 3x3 s2 b2", weights: filter, operand: .convolution(conv), spec: "dd:w8,v1,c3,r3,k2,u2"),
        EpilogueCase(label: "64x256", weights: random, operand: .matrix(n: 49), spec: "dd:w32,v1,c2,r3,k1,u2", cap: 0.5),
        EpilogueCase(label: "37x45 padded", weights: odd, operand: .matrix(n: 7), spec: "dd:w4,v1,c3,r5,k2,u2", relu: false, cap: 1, rowAlign: 128),
    ]
}()

@Suite("Fused epilogues (bias, ReLU, cap)")
struct EpilogueTests {
    @Test("the IR matches the float64 reference with the epilogue applied", arguments: epilogueCases)
    func matchesReference(_ c: EpilogueCase) throws {
        let report = try CPUVerifier.verify(c.compile(), seed: 11)
        #expect(report.passed, "max rel \(report.maxRelativeError), unwritten \(report.unwritten)")
    }

    @Test("ptxas assembles for sm_90 without spills", .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: epilogueCases)
    func assembles(_ c: EpilogueCase) throws {
        let report = try #require(TestMatrices.ptxas).assemble(c.compile().ptx())
        #expect(report.spillStoreBytes == 0 && report.spillLoadBytes == 0)
    }

    @Test("the check is not vacuous: a kernel without the epilogue fails against a reference with it", arguments: ["4,2,2", "dd:w32,v1,c2,r3,k1,u2"])
    func withoutEpilogueFails(spec: String) throws {
        let c = EpilogueCase(label: "64x256", weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1), operand: .matrix(n: 49), spec: spec)
        let withEpilogue = try c.problem()
        let plain = try KernelSpec(parsing: spec)!.compile(SpMMProblem(weights: c.weights, n: 49))
        let data = try ProblemData(problem: withEpilogue, seed: 11)
        // ReLU clipped some outputs to zero, and the kernel without the epilogue does not match.
        #expect(data.reference.contains(0) && data.reference.allSatisfy { $0 >= 0 })
        let output = try CPUVerifier.run(plain, input: data.input, outputCount: data.outputCount)
        let report = VerificationReport(kernel: "", config: spec, executor: "cpu-ir", problem: withEpilogue, buffer: output,
                                        reference: data.reference, poison: CPUVerifier.poison, tolerance: 1e-5)
        #expect(!report.passed)
    }

    @Test("a bias of the wrong length or with a non-finite value is refused, naming the problem")
    func refusesBadBias() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 4, columns: 8, density: 0.5, seed: 2), n: 4)
        #expect(throws: PlanError.invalidProblem("the bias has 3 values but A has 4 rows")) {
            try problem.withEpilogue(Epilogue(bias: [1, 2, 3]))
        }
        #expect(throws: PlanError.self) { try problem.withEpilogue(Epilogue(bias: [1, .nan, 3, 4])) }
        #expect(throws: PlanError.invalidProblem("the cap is inf, not finite")) { try problem.withEpilogue(Epilogue(cap: .infinity)) }
    }

    @Test("the cap is applied: a capped kernel's outputs reach the cap and none pass it", arguments: ["4,2,2", "dd:w32,v1,c2,r3,k1,u2"])
    func capBinds(spec: String) throws {
        let c = EpilogueCase(label: "64x256", weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1), operand: .matrix(n: 49), spec: spec, cap: 0.5)
        let data = try ProblemData(problem: c.problem(), seed: 11)
        let output = try CPUVerifier.run(c.compile(), input: data.input, outputCount: data.outputCount)
        #expect(output.contains(0.5) && output.allSatisfy { $0 >= 0 && $0 <= 0.5 })
        #expect(data.reference.filter { $0 == 0.5 }.count > data.reference.count / 10)
    }

    @Test("the epilogue shows in kernel names and the problem's description, and survives padding rows")
    func naming() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 4, columns: 8, density: 0.5, seed: 2), n: 5)
            .withEpilogue(Epilogue(bias: [1, 2, 3, 4], relu: true))
        #expect(problem.nameFragment.hasSuffix("_bias_relu") && problem.description.hasSuffix(" + bias, relu"))
        #expect(try problem.withRowsAligned(toBytes: 64).epilogue == problem.epilogue)
        #expect(try SpMMProblem(weights: problem.weights, n: 5).withEpilogue(Epilogue(relu: true)).nameFragment.hasSuffix("_n5_relu"))
        let relu6 = try SpMMProblem(weights: problem.weights, n: 5).withEpilogue(Epilogue(bias: [1, 2, 3, 4], relu: true, cap: 6))
        #expect(relu6.nameFragment.hasSuffix("_bias_relu_cap6") && relu6.description.hasSuffix(" + bias, relu, cap 6"))
        let capped = try SpMMProblem(weights: problem.weights, n: 5).withEpilogue(Epilogue(cap: -0.25))
        #expect(capped.description.hasSuffix(" + cap -0.25") && capped.nameFragment.hasSuffix("_n5_capm0p25"))
    }
}
