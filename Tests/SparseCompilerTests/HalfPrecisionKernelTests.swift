import Float16Bits
import SparseRT
import SparseRTTestSupport
import Testing

/// A kernel on half-precision B and C, with no epilogue or with a bias and ReLU6.
func halfCase(_ label: String, _ weights: CSRMatrix, _ operand: DenseOperand, _ spec: String, rowAlign: Int? = nil,
              relu6: Bool = false) -> EpilogueCase {
    EpilogueCase(label: label, weights: weights, operand: operand, spec: spec, bias: relu6, relu: relu6,
                 cap: relu6 ? 6 : nil, rowAlign: rowAlign, precision: .fp16)
}

let halfCases: [EpilogueCase] = {
    let random = TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1)
    let odd = TestMatrices.random(rows: 37, columns: 45, density: 0.2, seed: 2)
    let conv = ConvolutionShape(batch: 2, inChannels: 4, height: 9, width: 6, outChannels: 6, kernelH: 3, kernelW: 3, stride: 2, pad: 1)
    let filter = TestMatrices.random(rows: 6, columns: conv.reductionSize, density: 0.3, seed: 10)
    return [
        // Unrolled: scalar, vectors of 2 and 4 halves, a K reduction, sim rows, odd N, padded rows, a convolution.
        halfCase("64x256", random, .matrix(n: 49), "4,2,2"),
        halfCase("64x256", random, .matrix(n: 64), "8,2,2,v2,m64"),
        halfCase("64x256", random, .matrix(n: 64), "4,1,4,v4,sim"),
        halfCase("64x256", random, .matrix(n: 52), "8,1,2,v4,sim", rowAlign: 128),
        halfCase("empty rows", emptyRowsMatrix, .matrix(n: 33), "5,1,3"),
        halfCase("37x45", odd, .matrix(n: 7), "5,1,2", rowAlign: 16),
        halfCase("conv 3x3 s2 b2", filter, .convolution(conv), "3,2,2"),
        halfCase("64x256 relu6", random, .matrix(n: 49), "4,2,2", relu6: true),
        // Data-driven: plain, vectors, K split with heads across the warp, parts by row length, one address per
        // nonzero, a cluster split, padded rows, a convolution with padding taps.
        halfCase("64x256", random, .matrix(n: 49), "dd:w32,v1,c2,r3,k1,u2"),
        halfCase("64x256", random, .matrix(n: 64), "dd:w16,v4,c1,r4,k2,u4,h16,i1"),
        halfCase("64x256", random, .matrix(n: 64), "dd:w8,v2,c2,r2,k2,u2,p0,h32,o1"),
        halfCase("empty rows", emptyRowsMatrix, .matrix(n: 33), "dd:w32,r2,k2,u2,p0,h32,x1,b1,l32"),
        halfCase("64x256 cluster", random, .matrix(n: 64), "dd:w16,v4,c1,r3,k2,u4,q2"),
        halfCase("64x256", random, .matrix(n: 49), "dd:w32,v2,c1,r1,k8,u4,p0,h16,b1,e1,i1", rowAlign: 128),
        halfCase("37x45", odd, .matrix(n: 7), "dd:w4,v1,c3,r5,k2,u2", rowAlign: 128),
        halfCase("conv 3x3 s2 b2", filter, .convolution(conv), "dd:w8,v1,c3,r3,k2,u2"),
        halfCase("64x256 relu6", random, .matrix(n: 49), "dd:w32,v1,c2,r3,k1,u2", relu6: true),
        // B staged in shared memory, widened to f32 as it is copied: vectors of 4 halves in two chunks, and
        // fanned parts at N = 1 over all of K with 16-bit columns and prefetch.
        halfCase("64x256 staged", random, .matrix(n: 64), "dd:w16,v4,c1,r4,k1,u2,s128"),
        halfCase("64x256 fanned staged", random, .matrix(n: 1), "dd:w1,r8,k16,u4,s256,f1,n1"),
        halfCase("37x45 fanned staged", odd, .matrix(n: 7), "dd:w4,v1,c2,r4,k3,u2,p0,s12,f1"),
        // Half weights packed beside their columns (n2), as an fp16 model would run: unstaged, and staged with prefetch.
        halfCase("64x256 fanned halves", roundedToHalves(random), .matrix(n: 2), "dd:w2,r4,k16,u4,p0,f1,n2"),
        halfCase("64x256 fanned staged halves", roundedToHalves(random), .matrix(n: 1), "dd:w1,r8,k16,u4,s256,f1,n2"),
    ]
}()

@Suite("Half-precision B and C")
struct HalfPrecisionKernelTests {
    @Test("the IR matches the float64 reference on half inputs, each output rounded once", arguments: halfCases)
    func matchesReference(_ c: EpilogueCase) throws {
        let report = try CPUVerifier.verify(c.compile(), seed: 17)
        #expect(report.passed, "max rel \(report.maxRelativeError), unwritten \(report.unwritten), padding written \(report.paddingWritten)")
        #expect(report.tolerance == 1e-3)
    }

    @Test("ptxas assembles for sm_90 without spills", .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"),
          arguments: halfCases)
    func assembles(_ c: EpilogueCase) throws {
        let report = try #require(TestMatrices.ptxas).assemble(c.compile().ptx())
        #expect(report.spillStoreBytes == 0 && report.spillLoadBytes == 0)
    }

    @Test("every output is the float64 result rounded to the nearest half (or its neighbour)", arguments: ["4,2,2", "dd:w32,v1,c2,r3,k1,u2"])
    func outputsAreRoundedOnce(spec: String) throws {
        let c = halfCase("64x256", TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1), .matrix(n: 49), spec)
        let data = try ProblemData(problem: c.problem(), seed: 5)
        let output = try CPUVerifier.run(c.compile(), input: data.input, outputCount: data.outputCount)
        // The fp32 sum differs from the float64 one by far less than a half ulp, so rounding it can land on the
        // half nearest the exact value or, near a tie, on its neighbour; never further.
        for (o, r) in zip(output, data.reference) {
            let nearest = HalfPrecision.halfBits(from: Float(r))
            let bits = HalfPrecision.halfBits(from: o)
            #expect(HalfPrecision.float(fromHalfBits: bits) == o)
            #expect(abs(Int(Int16(bitPattern: bits)) - Int(Int16(bitPattern: nearest))) <= 1 || (o == 0 && abs(r) < 1e-4), "\(o) for \(r)")
        }
    }

    @Test("the check is not vacuous: a half kernel given B as fp32 words fails", arguments: ["4,2,2", "dd:w32,v1,c2,r3,k1,u2"])
    func wordsInsteadOfHalvesFail(spec: String) throws {
        let c = halfCase("64x256", TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1), .matrix(n: 64), spec)
        let kernel = try c.compile()
        let data = try ProblemData(problem: kernel.problem, seed: 5)
        var memory = SimulatedMemory()
        let weights = kernel.weightBuffers.map { memory.allocate(words: $0) }
        let b = memory.allocate(floats: data.input)  // twice the bytes the kernel reads, so every load is in bounds
        let poison = Precision.fp16.poison(CPUVerifier.poison)
        let out = memory.allocate(words: Precision.fp16.words(forElements: data.outputCount), fill: poison.fill)
        try Interpreter(kernel.kernel).run(SimulatedLaunch(grid: kernel.grid, arguments: weights + [b, out]), memory: &memory)
        let output = Precision.fp16.unpacked(memory.floats(at: out).map(\.bitPattern), count: data.outputCount)
        let report = VerificationReport(kernel: "", config: spec, executor: "cpu-ir", problem: kernel.problem, buffer: output,
                                        reference: data.reference, poison: poison.readBack, tolerance: 1e-3)
        #expect(report.unwritten == 0)
        #expect(!report.passed)
    }

    @Test("staging B with cp.async is refused for halves, naming the reason", arguments: ["8,2,2,cp"])
    func stagingRefused(spec: String) throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 64, columns: 256, density: 0.1, seed: 1), n: 64).withPrecision(.fp16)
        #expect {
            _ = try #require(KernelSpec(parsing: spec)).compile(problem)
        } throws: { error in
            "\(error)".contains("fp32 operands")
        }
    }

    @Test("precision shows in names, descriptions, manifests; rows align in elements of 2 bytes")
    func naming() throws {
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 8, columns: 16, density: 0.5, seed: 3), n: 49)
            .withPrecision(.fp16).withRowsAligned(toBytes: 128)
        #expect(problem.bRowStride == 64 && problem.cRowStride == 64)
        #expect(problem.description.hasSuffix(" fp16"))
        #expect(problem.nameFragment.hasSuffix("_f16"))
        let kernel = try #require(KernelSpec(parsing: "2,1,1")).compile(problem)
        let manifest = KernelManifest(kernel: kernel, ptxFile: "k.ptx", target: .hopper, weightsSource: nil)
        #expect(manifest.problem.precision == .fp16)
        #expect(manifest.parameters.last?.layout.hasPrefix("float16 C") == true)
        #expect(try problem.withRowStrides(b: 64, c: 64).precision == .fp16)
    }
}
