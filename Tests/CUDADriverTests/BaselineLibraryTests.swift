import Float16Bits
import CUDADriver
import Foundation
import SparseRT
@testable import SparseRTRuntime
import SparseRTTestSupport
import Testing

/// A made-up file tree for the library locator: the files given, and every folder on their paths.
private struct FakeFileSystem: LibrarySearchFileSystem {
    let files: Set<String>

    init(_ files: [String]) { self.files = Set(files) }

    func fileExists(_ path: String) -> Bool { files.contains(path) }

    func entries(of folder: String) -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let names = files.filter { $0.hasPrefix(prefix) }.compactMap { path in
            path.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
        }
        return Array(Set(names))
    }
}

/// The GPU-free parts of the vendor baselines: finding the libraries, host fp16 conversion, densification,
/// reading cuDNN's results, error texts.
@Suite struct BaselineLibraryTests {
    static let cuda13 = "/usr/local/cuda-13.0/targets/x86_64-linux/lib"
    static let cuda128 = "/usr/local/cuda-12.8/targets/x86_64-linux/lib"
    static let cuda92 = "/usr/local/cuda-9.2/targets/x86_64-linux/lib"
    static let torch = "/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib"

    @Test func searchOrderFollowsTheDocumentedFolders() {
        let files = [
            "/custom/lib/libcublas.so.12",
            "\(Self.cuda128)/libcublas.so.12",
            "\(Self.cuda13)/libcublas.so.13",
            "\(Self.cuda13)/libcublas.so",
            "\(Self.cuda92)/libcublas.so",
            "\(Self.torch)/libcublas.so.13",
            "/usr/lib/x86_64-linux-gnu/libcublas.so.12",
            "/usr/local/cuda-13.0/bin/nvcc",
        ]
        let locator = VendorLibraryLocator(
            environment: ["LD_LIBRARY_PATH": "/custom/lib:/other/:"], fileSystem: FakeFileSystem(files),
            architecture: "x86_64")
        typealias Step = VendorLibraryLocator.Step
        let expected: [Step] = [
            .open("/custom/lib/libcublas.so.12"),
            .absent(folder: "/other"),
            .absent(folder: "/usr/local/cuda/lib64"),
            .absent(folder: "/usr/local/cuda/targets/x86_64-linux/lib"),
            // Newest CUDA first; within a folder the preferred soname first.
            .open("\(Self.cuda13)/libcublas.so.13"),
            .open("\(Self.cuda13)/libcublas.so"),
            .open("\(Self.cuda128)/libcublas.so.12"),
            .open("\(Self.cuda92)/libcublas.so"),
            .open("\(Self.torch)/libcublas.so.13"),
            .open("/usr/lib/x86_64-linux-gnu/libcublas.so.12"),
            .open("libcublas.so.13"), .open("libcublas.so.12"), .open("libcublas.so.11"), .open("libcublas.so"),
        ]
        #expect(locator.plan(for: .cublas) == expected)
    }

    @Test func environmentOverrideIsTheOnlyCandidate() {
        let locator = VendorLibraryLocator(
            environment: ["SPARSERT_CUDNN": "/opt/cudnn/libcudnn.so.9", "LD_LIBRARY_PATH": "/custom/lib"],
            fileSystem: FakeFileSystem(["/custom/lib/libcudnn.so.9"]), architecture: "x86_64")
        #expect(locator.plan(for: .cudnn) == [.open("/opt/cudnn/libcudnn.so.9")])
        // An empty override is ignored.
        let empty = VendorLibraryLocator(
            environment: ["SPARSERT_CUDNN": ""], fileSystem: FakeFileSystem([]), architecture: "x86_64")
        #expect(empty.plan(for: .cudnn).last == .open("libcudnn.so"))
    }

    @Test func armHostsSearchTheirOwnFolders() {
        let locator = VendorLibraryLocator(environment: [:], fileSystem: FakeFileSystem([]), architecture: "aarch64")
        let folders = locator.searchFolders()
        #expect(folders.contains("/usr/local/cuda/targets/sbsa-linux/lib"))
        #expect(folders.last == "/usr/lib/aarch64-linux-gnu")
    }

    @Test func companionsComeFromTheSameFolder() {
        let folder = Self.torch
        let locator = VendorLibraryLocator(
            environment: [:],
            fileSystem: FakeFileSystem([
                "\(folder)/libcublasLt.so.13", "\(folder)/libcublasLt.so.12", "\(folder)/libnvJitLink.so.13",
                "\(folder)/libnvJitLink.so.13.0.88", "\(folder)/libcudnn_ops.so.9", "\(folder)/libcudnn_cnn.so.9",
            ]),
            architecture: "x86_64")
        #expect(locator.companionPaths(.cublas, folder: folder, soname: "libcublas.so.13") == ["\(folder)/libcublasLt.so.13"])
        #expect(locator.companionPaths(.cublas, folder: folder, soname: "libcublas.so").isEmpty)
        #expect(locator.companionPaths(.cusparse, folder: folder, soname: "libcusparse.so.12")
            == ["\(folder)/libnvJitLink.so.13.0.88"])
        #expect(locator.companionPaths(.cudnn, folder: folder, soname: "libcudnn.so.9")
            == ["\(folder)/libcudnn_ops.so.9", "\(folder)/libcudnn_cnn.so.9"])
    }

    @Test func missingLibraryListsEverythingTried() throws {
        let fake = VendorLibrary(
            name: "cuFake", environmentVariable: "SPARSERT_TEST_FAKE", sonames: ["libsparsert-test-absent.so.7"])
        let locator = VendorLibraryLocator(
            environment: ["LD_LIBRARY_PATH": "/nowhere"], fileSystem: FakeFileSystem([]), architecture: "x86_64")
        do {
            _ = try locator.load(fake)
            Issue.record("an absent library loaded")
        } catch {
            guard case .libraryNotFound(let name, let tried) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(name == "cuFake")
            #expect(tried.first == "/nowhere (not there)")
            #expect(tried.contains("/usr/local/cuda/lib64 (not there)"))
            #expect(tried.last?.hasPrefix("libsparsert-test-absent.so.7 (loader search): ") == true)
            #expect(error.meansUnavailable)
            #expect(error.description.hasPrefix("cuFake not found; tried: /nowhere (not there); "))
        }
        let hint = BaselineError.libraryNotFound("cuBLAS", tried: ["a (not there)"]).description
        #expect(hint == "cuBLAS not found (set SPARSERT_CUBLAS to its full path); tried: a (not there)")
    }

    @Test func loadsARealLibraryAndResolvesSymbols() throws {
        let libm = VendorLibrary(name: "libm", environmentVariable: "SPARSERT_TEST_LIBM", sonames: ["libm.so.6"])
        let loaded = try VendorLibraryLocator(environment: [:]).load(libm)
        #expect(loaded.path.hasSuffix("libm.so.6"))
        let cosine: @convention(c) (Double) -> Double = try loaded.symbol("sparsert_no_such_symbol", "cos")
        #expect(cosine(0) == 1)
        let absent: (@convention(c) () -> Void)? = loaded.optionalSymbol("sparsert_no_such_symbol")
        #expect(absent == nil)
        #expect(throws: BaselineError.missingSymbol(library: "libm", symbol: "sparsert_no_such_symbol", path: loaded.path)) {
            let _: @convention(c) () -> Void = try loaded.symbol("sparsert_no_such_symbol")
        }
    }

    @Test func wildcardsAndNaturalOrder() {
        typealias L = VendorLibraryLocator
        #expect(L.wildcardMatches("cuda-13.0", "cuda-*"))
        #expect(!L.wildcardMatches("cuda", "cuda-*"))
        #expect(L.wildcardMatches("python3.12", "python3*"))
        #expect(L.wildcardMatches("libnvJitLink.so.13", "libnvJitLink.so.*"))
        #expect(L.wildcardMatches("abc", "*"))
        #expect(L.wildcardMatches("abc", "a*b*c"))
        #expect(!L.wildcardMatches("abd", "a*c"))
        #expect(L.wildcardMatches("", "**"))
        let sorted = ["cuda-12.8", "cuda-9.2", "cuda-13.0", "cuda-12.10"].sorted(by: L.naturalDescending)
        #expect(sorted == ["cuda-13.0", "cuda-12.10", "cuda-12.8", "cuda-9.2"])
        #expect(L.naturalAscending("cu12", "cu13"))
        #expect(L.naturalAscending("cuda", "cuda-1"))
    }

    @Test func halfConversionRoundsToNearestEven() {
        #expect(HalfPrecision.halfBits(from: 1) == 0x3C00)
        #expect(HalfPrecision.halfBits(from: -2) == 0xC000)
        #expect(HalfPrecision.halfBits(from: 0) == 0)
        #expect(HalfPrecision.halfBits(from: -0.0) == 0x8000)
        #expect(HalfPrecision.halfBits(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.halfBits(from: 65519.996) == 0x7BFF)
        #expect(HalfPrecision.halfBits(from: 65520) == 0x7C00)
        #expect(HalfPrecision.halfBits(from: .infinity) == 0x7C00)
        #expect(HalfPrecision.halfBits(from: -.infinity) == 0xFC00)
        #expect(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: .nan)).isNaN)
        // Ties go to the even neighbour; just above a tie rounds up.
        #expect(HalfPrecision.halfBits(from: 1 + 0x1p-11) == 0x3C00)
        #expect(HalfPrecision.halfBits(from: 1 + 3 * 0x1p-11) == 0x3C02)
        #expect(HalfPrecision.halfBits(from: (1 + 0x1p-11).nextUp) == 0x3C01)
        // Subnormals: 2^-24 is the smallest; 2^-25 ties to zero; a hair above it rounds up.
        #expect(HalfPrecision.halfBits(from: 0x1p-24) == 0x0001)
        #expect(HalfPrecision.halfBits(from: 0x1p-25) == 0)
        #expect(HalfPrecision.halfBits(from: (0x1p-25 as Float).nextUp) == 0x0001)
        #expect(HalfPrecision.halfBits(from: 3 * 0x1p-25) == 0x0002)
        #expect(HalfPrecision.halfBits(from: 0x1p-14) == 0x0400)
        #expect(HalfPrecision.halfBits(from: (0x1p-14 as Float).nextDown) == 0x0400)
        #expect(HalfPrecision.halfBits(from: 1e-10) == 0)
    }

    @Test func everyHalfSurvivesARoundTrip() {
        for bits in 0...UInt16.max {
            let value = HalfPrecision.float(fromHalfBits: bits)
            if value.isNaN {
                #expect(HalfPrecision.halfBits(from: value) & 0x7E00 == 0x7E00, "NaN \(bits) did not stay a quiet NaN")
            } else if HalfPrecision.halfBits(from: value) != bits {
                Issue.record("half \(String(bits, radix: 16)) -> \(value) -> \(String(HalfPrecision.halfBits(from: value), radix: 16))")
            }
        }
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfConversionAgreesWithTheCompiler() {
        var generator = SeededNormal(seed: 7)
        var checked = 0
        for _ in 0..<200_000 {
            // Random bit patterns cover every exponent; keep the ones inside and just around half's range.
            let word = UInt32(truncatingIfNeeded: generator.next() >> 17)
            let value = Float(bitPattern: word)
            guard !value.isNaN else { continue }
            #expect(HalfPrecision.halfBits(from: value) == Float16(value).bitPattern, "\(value)")
            #expect(HalfPrecision.float(fromHalfBits: Float16(value).bitPattern) == Float(Float16(value)) || value.magnitude > 65520)
            checked += 1
        }
        for _ in 0..<100_000 {
            let value = generator.nextNormalFloat() * 100
            #expect(HalfPrecision.halfBits(from: value) == Float16(value).bitPattern, "\(value)")
        }
        #expect(checked > 100_000)
    }
    #endif

    @Test func densificationPlacesEveryNonzero() throws {
        let sparse = TestMatrices.random(rows: 17, columns: 23, density: 0.3, seed: 3)
        let dense = BaselineOperands.dense(sparse)
        #expect(dense.count == 17 * 23)
        #expect(dense == sparse.denseRowMajor())
        #expect(try CSRMatrix(rows: 17, columns: 23, denseRowMajor: dense) == sparse)
        let single = TestMatrices.single(rows: 3, columns: 4, row: 2, column: 1, value: -2.5)
        #expect(BaselineOperands.dense(single) == [0, 0, 0, 0, 0, 0, 0, 0, 0, -2.5, 0, 0])
        #expect(BaselineOperands.dense(TestMatrices.zero(rows: 2, columns: 2)) == [0, 0, 0, 0])
    }

    @Test func sizesMustFitThirtyTwoBits() throws {
        #expect(try BaselineOperands.int32(7, "N", baseline: "x") == 7)
        #expect(throws: BaselineError.unsupported(baseline: "cuBLAS fp32", reason: "N = 4294967296 does not fit the library's 32-bit int")) {
            try BaselineOperands.int32(1 << 32, "N", baseline: "cuBLAS fp32")
        }
    }

    @Test func cudnnResultsAreReadByByteOffset() {
        // Two entries laid out as C lays out cudnnConvolutionFwdAlgoPerf_t (48 bytes, size_t at offset 16).
        var bytes = [UInt8](repeating: 0xEE, count: 2 * CUDNNForwardAlgorithmPerformance.stride)
        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { source in
                for (i, byte) in source.enumerated() { bytes[offset + i] = byte }
            }
        }
        put(Int32(1), at: 0); put(Int32(0), at: 4); put(Float(0.125), at: 8); put(UInt64(4096), at: 16)
        put(Int32(1), at: 24); put(Int32(3), at: 28)
        put(Int32(6), at: 48); put(Int32(3000), at: 52); put(Float(-1), at: 56); put(UInt64(0), at: 64)
        put(Int32(0), at: 72); put(Int32(1), at: 76)
        let results = bytes.withUnsafeBytes { raw in (0..<2).map { CUDNNForwardAlgorithmPerformance(raw, index: $0) } }
        #expect(results[0] == CUDNNForwardAlgorithmPerformance(
            algorithm: 1, status: 0, milliseconds: 0.125, memory: 4096, determinism: 1, mathType: 3))
        #expect(results[1] == CUDNNForwardAlgorithmPerformance(
            algorithm: 6, status: 3000, milliseconds: -1, memory: 0, determinism: 0, mathType: 1))
        #expect(results[0].algorithmName == "IMPLICIT_PRECOMP_GEMM")
        #expect(results[1].algorithmName == "WINOGRAD")
        #expect(CUDNNForwardAlgorithmPerformance.algorithmName(9) == "ALGO_9")
        #expect(CUDNNForwardAlgorithmPerformance.mathTypeName(CUDNNLibrary.fmaMath) == "FMA_MATH")
    }

    @Test func enumValuesMatchTheHeaders() {
        #expect(CUSPARSESpMMAlgorithm.allCases.map(\.rawValue) == [0, 4, 6, 12])
        #expect(CUSPARSESpMMAlgorithm.csrAlgorithm2.name == "CSR_ALG2")
        #expect(CUBLASLibrary.compute32F == 68 && CUBLASLibrary.dataFloat16 == 2 && CUBLASLibrary.gemmDefault == -1)
        #expect(CUSPARSELibrary.orderRow == 2 && CUSPARSELibrary.index32 == 2)
        #expect(CUDNNLibrary.fmaMath == 3 && CUDNNLibrary.tensorOpMath == 1 && CUDNNLibrary.crossCorrelation == 1)
        #expect(CUDNNLibrary.dataHalf == 2 && CUDNNLibrary.dataFloat == 0 && CUDNNLibrary.formatNCHW == 0)
    }

    @Test func errorTextsNameTheFunctionAndStatus() {
        let call = BaselineError.call(
            library: "cuBLAS", function: "cublasSgemm_v2", code: 7, name: "CUBLAS_STATUS_INVALID_VALUE",
            message: "an invalid numeric value was used as an argument")
        #expect(call.description
            == "cuBLAS: cublasSgemm_v2 failed: CUBLAS_STATUS_INVALID_VALUE (7): an invalid numeric value was used as an argument")
        #expect(!call.meansUnavailable)
        let bare = BaselineError.call(library: "cuDNN", function: "cudnnCreate", code: 1001, name: "CUDNN_STATUS_NOT_INITIALIZED", message: "")
        #expect(bare.description == "cuDNN: cudnnCreate failed: CUDNN_STATUS_NOT_INITIALIZED (1001)")
        #expect(BaselineError.missingSymbol(library: "cuDNN", symbol: "cudnnCreate", path: "/x").meansUnavailable)
        #expect(BaselinePrecision.fp32.baselineTolerance == 1e-4)
        #expect(BaselinePrecision.fp16.baselineTolerance == 1e-2)
    }

    @Test func halfPoisonReadsBackAsARecognisableNaN() {
        let value = HalfPrecision.float(fromHalfBits: BaselineOutputBuffer.halfPoison)
        #expect(value.isNaN)
        #expect(value.bitPattern == 0x7FCB_A000)
    }
}

/// The baselines on the GPU: each is set up on small problems, checked against the float64 reference and timed.
/// Skipped without a GPU; a library missing from the GPU machine is reported, not failed.
@Suite(.serialized, .enabled(if: GPUAvailability.isAvailable, GPUAvailability.reason))
struct BaselineGPUTests {
    static let quickTimer = KernelTimer(repetitions: 7, runsPerReplay: 4, warmupReplays: 2)

    /// Sets up every baseline for `problem`, verifies each and times it briefly; returns the names that ran.
    func runAll(_ problem: SpMMProblem, session: GPUSession) throws -> [String] {
        let data = try ProblemData(problem: problem, seed: 11)
        var options = BaselineOptions()
        options.selectionTimer = Self.quickTimer
        var ran: [String] = []
        for outcome in BaselineSuite.baselines(for: problem, session: session, input: data.input, options: options) {
            let baseline: any Baseline
            switch outcome {
            case .success(let made):
                baseline = made
            case .failure(let error as BaselineError) where error.meansUnavailable:
                print("baseline unavailable on this machine: \(error)")
                continue
            case .failure(let error):
                Issue.record("baseline set-up failed: \(error)")
                continue
            }
            let report = try BaselineVerifier.verify(baseline, reference: data.reference)
            #expect(report.passed, "\(baseline.name): max rel \(report.maxRelativeError), unwritten \(report.unwritten), non-finite \(report.nonFinite); \(baseline.details)")
            let timing = try baseline.measure(timer: Self.quickTimer)
            #expect(timing.result.medianMicroseconds > 0)
            #expect((timing.result.mode == .graph) == (timing.captureFailure == nil))
            print("\(baseline.name): \(timing.result.medianMicroseconds) us (\(timing.result.mode)\(timing.captureFailure.map { ", capture failed: \($0)" } ?? "")); \(baseline.details.joined(separator: "; "))")
            ran.append(baseline.shortName)
        }
        return ran
    }

    @Test func matrixBaselinesComputeTheProduct() throws {
        let session = try GPUSession()
        let weights = TestMatrices.random(rows: 48, columns: 72, density: 0.2, seed: 5)
        let ran = try runAll(try SpMMProblem(weights: weights, n: 40), session: session)
        #expect(Set(ran).isSubset(of: ["cuBLAS fp32", "cuBLAS fp16", "cuSPARSE CSR fp32"]))
        // An odd N exercises the fp16 output's odd element count.
        _ = try runAll(try SpMMProblem(weights: TestMatrices.random(rows: 9, columns: 5, density: 0.5, seed: 6), n: 3),
                       session: session)
    }

    @Test func convolutionBaselinesComputeTheConvolution() throws {
        let session = try GPUSession()
        let shapes = [
            ConvolutionShape(batch: 2, inChannels: 8, height: 12, width: 12, outChannels: 16, kernelH: 3, kernelW: 3,
                             stride: 1, pad: 1),
            ConvolutionShape(batch: 1, inChannels: 4, height: 9, width: 11, outChannels: 6, kernelH: 3, kernelW: 1,
                             stride: 2, pad: 0),
        ]
        for shape in shapes {
            let filter = TestMatrices.random(rows: shape.outChannels, columns: shape.reductionSize, density: 0.3, seed: 9)
            let ran = try runAll(try SpMMProblem(weights: filter, operand: .convolution(shape)), session: session)
            #expect(Set(ran).isSubset(of: ["cuDNN fp32", "cuDNN fp16"]))
        }
    }

    @Test func benchmarkHookReportsTimesAndNotes() throws {
        let session = try GPUSession()
        let problem = try SpMMProblem(weights: TestMatrices.random(rows: 32, columns: 32, density: 0.25, seed: 8), n: 16)
        let hook = BaselineSuite.benchmarkHook(timer: Self.quickTimer)
        let (times, notes) = hook(problem, session)
        print(notes.joined(separator: "\n"))
        #expect(times.values.allSatisfy { $0 > 0 })
        #expect(!notes.isEmpty)
        #expect(!notes.contains { $0.contains("WRONG RESULT") })
    }

    @Test func mismatchedProblemsAreRefused() throws {
        let session = try GPUSession()
        let matrix = try SpMMProblem(weights: TestMatrices.random(rows: 4, columns: 4, density: 0.5, seed: 1), n: 2)
        #expect(throws: BaselineError.self) {
            try CUDNNConvolutionBaseline(problem: matrix, session: session, input: [Float](repeating: 0, count: 8), precision: .fp32)
        }
        #expect(throws: BaselineError.self) {
            try CUBLASGemmBaseline(problem: matrix, session: session, input: [1, 2, 3], precision: .fp32)
        }
    }
}
