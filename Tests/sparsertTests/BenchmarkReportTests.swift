import Foundation
import SparseRT
@testable import SparseRTRuntime
import Testing

@testable import sparsert

@Suite("Benchmark report")
struct BenchmarkReportTests {
    /// A row as the benchmark writes it to JSON, with registers and occupancy (rows without them, from
    /// older files, still decode).
    static func row(occupancy: Bool) throws -> BenchmarkRow {
        var fields: [String: Any] = [
            "number": 9, "m": 2048, "k": 512, "n": 256, "sparsity": 0.9, "source": "test", "instancesTimed": 1,
            "instancesAvailable": 12, "nonzerosMean": 104857.0, "spec": "dd:w32,v4,c1,r2,k2,u4,p0", "family": "dataDriven",
            "selection": "tuned", "tunedOn": "layer", "tuningSeconds": 3.0, "candidatesTried": 40,
            "sparsertMicroseconds": 9.5, "sparsertPerInstance": [9.5], "worstRelativeError": 1e-7,
            "baselines": ["cuBLAS fp32": 19.0, "cuSPARSE CSR fp32": 13.0], "baselineNotes": [String](),
            "gflops": 5600.0, "floorMicroseconds": 1.7,
        ]
        if occupancy {
            fields["registers"] = 108
            fields["occupancy"] = ["blocksPerMultiprocessor": 4, "limitedBy": "registers", "fraction": 0.25, "waves": 3.88]
        }
        return try JSONDecoder().decode(BenchmarkRow.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    @Test("each instance's tuned-kernel origin round-trips, and rows from before it read without it")
    func originPerInstance() throws {
        var row = try Self.row(occupancy: true)
        #expect(row.originPerInstance == nil)
        row.originPerInstance = [nil, "o1 twin of dd:w32,v4,c1,r2,k2,u4,p0, the 1st fastest data-driven"]
        let decoded = try JSONDecoder().decode(BenchmarkRow.self, from: JSONEncoder().encode(row))
        #expect(decoded.originPerInstance == row.originPerInstance)
    }

    static func report(_ rows: [BenchmarkRow]) -> BenchmarkReport {
        BenchmarkReport(
            suite: "paper-spmm", gpu: "test GPU", date: "2026-11-22", commit: "abc1234", command: "bench", batch: 1,
            selection: "tuned", floors: DeviceFloors(emptyKernelMicroseconds: 0.83, copyBytesPerSecond: 3e12),
            mainBaseline: "cuBLAS fp32", rows: rows)
    }

    /// Splits a CSV line on commas outside double quotes.
    static func fields(_ line: Substring) -> [String] {
        var result: [String] = [], current = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == ",", !quoted { result.append(current); current = "" } else { current.append(ch) }
        }
        return result + [current]
    }

    @Test("every table row has as many cells as the header, with and without occupancy")
    func tables() throws {
        let report = Self.report([try Self.row(occupancy: true), try Self.row(occupancy: false)])
        let table = report.markdown().split(separator: "\n").filter { $0.hasPrefix("| ") }
        let cells = table.map { $0.split(separator: "|", omittingEmptySubsequences: false).count }
        #expect(table.count == 3 && Set(cells).count == 1)
        #expect(table[1].contains("| 108 | 25% (registers) | 3.88 |"))
        #expect(table[2].contains("| - | - | - |"))
        let csv = report.csv().split(separator: "\n")
        #expect(csv.count == 3 && Set(csv.map { Self.fields($0).count }).count == 1)
        #expect(Self.fields(csv[1]).suffix(5) == ["108", "4", "0.2500", "registers", "3.880"])
        #expect(abs((report.geometricMean(over: "cuBLAS fp32", sparsity: 0.9) ?? 0) - 2.0) < 1e-9)
    }

    @Test("a problem's tuning wall time (all its instances) is a column where recorded and '-' in older rows")
    func tuningTotal() throws {
        var recorded = try Self.row(occupancy: true)
        recorded.tuningSecondsTotal = 41.04
        let report = Self.report([recorded, try Self.row(occupancy: true)])
        let table = report.markdown().split(separator: "\n").filter { $0.hasPrefix("| ") }
        #expect(table[0].contains("| waves | tuning s | kernel |"))
        #expect(table[1].contains("| 3.88 | 41.0 | dataDriven"))
        #expect(table[2].contains("| 3.88 | - | dataDriven"))
        let csv = report.csv().split(separator: "\n").map(Self.fields)
        let column = try #require(csv[0].firstIndex(of: "tuning_total_s"))
        #expect(csv[1][column] == "41.0" && csv[2][column] == "" && csv[1][column - 1] == "3.0")
    }

    @Test("a geometric mean per sparsity only over two rows or more; a compare report is titled by its layer")
    func singleLayer() throws {
        let two = Self.report([try Self.row(occupancy: true), try Self.row(occupancy: false)]).markdown()
        #expect(two.hasPrefix("# sparsert bench --suite paper-spmm (batch 1)\n"))
        #expect(two.contains("geometric-mean speedup over cuBLAS fp32 at 0.90 sparsity: **2.000x** (2 problems)"))
        var one = Self.report([try Self.row(occupancy: true)])
        one.heading = "sparsert compare 2048x512x256"
        let text = one.markdown()
        #expect(text.hasPrefix("# sparsert compare 2048x512x256\n") && !text.contains("geometric-mean"))
        #expect(text.contains("| 9.50 | 19.00 | 13.00 | 2.00 | 1.37 |"))
    }

    @Test("the paper's Fig. 4 panels: speedups over the main baseline and cuSPARSE, TFLOP/s of every kernel, TFLOP/s per sparsity")
    func figures() throws {
        var at95 = try Self.row(occupancy: false)
        at95.sparsity = 0.95
        at95.sparsertMicroseconds = 4.75
        var other = try Self.row(occupancy: false)
        other.number = 3
        other.baselines = ["cuBLAS fp32": 19.0]  // no cuSPARSE time: a gap in its panels
        let figures = Self.report([try Self.row(occupancy: true), at95, other]).figures()
        #expect(figures.map(\.suffix) == ["", "-speedup-cusparse", "-tflops", "-tflops-sparsity"])
        func bars(_ svg: String) -> [String] {
            svg.components(separatedBy: "<title>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        }
        #expect(bars(figures[0].svg) == ["3, 0.90: 2.00x", "9, 0.90: 2.00x", "9, 0.95: 4.00x"])
        #expect(bars(figures[1].svg) == ["9, 0.90: 1.37x", "9, 0.95: 2.74x"])
        // Problem 9 at 0.90: sparsert and cuSPARSE credited with 2 nnz N, cuBLAS with the dense 2 M K N.
        #expect(bars(figures[2].svg).filter { $0.hasPrefix("9,") } == [
            "9, sparsert: 5.65", "9, cuBLAS fp32: 28.26", "9, cuSPARSE CSR fp32: 4.13",
        ])
        #expect(bars(figures[3].svg) == ["3, 0.90: 5.65", "9, 0.90: 5.65", "9, 0.95: 11.30"])
        #expect(figures.allSatisfy { $0.svg.hasPrefix("<svg") && $0.svg.hasSuffix("</svg>\n") })
    }

    @Test("chart axes step by 1, 2 or 5 times a power of ten, at most five steps to the top", arguments: [
        (5.0, 5.0, 1.0), (158.0, 200.0, 50.0), (0.3, 0.3, 0.1), (4.39, 5.0, 1.0), (11.3, 15.0, 5.0),
    ])
    func axis(largest: Double, top: Double, step: Double) {
        let axis = BarChart.axis(largest)
        #expect(abs(axis.top - top) < 1e-9 && abs(axis.step - step) < 1e-12)
    }

    @Test("the tuning record keeps every candidate of every instance, and writes nothing when nothing was tuned")
    func tuningRecord() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = TuningRecord()
        let url = folder.appendingPathComponent("b.tuning.json")
        try record.write(to: url)
        #expect(!FileManager.default.fileExists(atPath: url.path))
        var twin = CandidateResult(spec: "8,98,1,sim", family: "unrolled", microseconds: 1.9)
        twin.origin = "sim twin of 8,98,1, the 1st fastest unrolled"
        let failed = CandidateResult(spec: "1,1,1", family: "unrolled", microseconds: nil, failure: "too many registers")
        record.entries["problem 13 (sparsity 0.9) mobilenet/contraction_1x1_1.npy"] = TuningResult(
            best: "8,98,1,sim", bestMicroseconds: 1.9, candidates: [twin, failed], wallSeconds: 2.7, fromCache: false)
        try record.write(to: url)
        let read = try JSONDecoder().decode([String: TuningResult].self, from: Data(contentsOf: url))
        let entry = try #require(read["problem 13 (sparsity 0.9) mobilenet/contraction_1x1_1.npy"])
        #expect(entry.candidates.map(\.spec) == ["8,98,1,sim", "1,1,1"] && entry.winnerOrigin == twin.origin)
        #expect(entry.candidates[1].failure == "too many registers")
    }

    @Test("a layer of the user's own is a problem of one instance with the matrix's own sparsity")
    func layerProblem() throws {
        let weights = try CSRMatrix(rows: 2, columns: 4, rowOffsets: [0, 1, 3], columnIndices: [1, 0, 3], values: [1, 2, 3])
        let problem = try SpMMProblem(weights: weights, n: 8)
        let layer = BenchmarkProblem(layer: problem, name: "w.npy", source: "w.npy (npy; values from the file)")
        #expect(layer.number == 1 && layer.m == 2 && layer.k == 4 && layer.n == 8 && layer.sparsity == 0.625)
        #expect(layer.instances.count == 1 && layer.instances[0].nonzeros == 3)
        let loaded = try layer.instances[0].load()
        #expect(loaded.weights == weights && loaded.n == 8)
    }

    @Test("instances tuned on their own list their other configs where they differ")
    func perInstanceSpecs() throws {
        var differing = try Self.row(occupancy: true)
        differing.tunedOn = "each instance"
        differing.specPerInstance = ["dd:w32,v4,c1,r2,k2,u4,p0", "dd:w32,v4,c1,r1,k8,u2,p0,b1", "dd:w32,v4,c1,r2,k2,u4,p0"]
        var same = try Self.row(occupancy: true)
        same.specPerInstance = ["dd:w32,v4,c1,r2,k2,u4,p0", "dd:w32,v4,c1,r2,k2,u4,p0"]
        let report = Self.report([differing, same])
        #expect(report.kernelCell(differing) == "dataDriven dd:w32,v4,c1,r2,k2,u4,p0; others: dd:w32,v4,c1,r1,k8,u2,p0,b1 / dd:w32,v4,c1,r2,k2,u4,p0")
        #expect(report.kernelCell(same) == "dataDriven dd:w32,v4,c1,r2,k2,u4,p0")
        #expect(report.markdown().contains("tuned on each instance"))
        #expect(Self.report([same]).markdown().contains("one instance timed per problem"))
        var shared = same
        shared.instancesTimed = 2
        #expect(Self.report([shared]).markdown().contains("tuned on the first instance and shared"))
        // A merged report of both kinds of run says so, not just the first kind it finds.
        #expect(Self.report([differing, shared]).markdown().contains("tuned on each instance (1 rows) or on the first instance and shared (1 rows"))
        let csv = report.csv().split(separator: "\n")
        #expect(Self.fields(csv[1]).contains("dd:w32,v4,c1,r2,k2,u4,p0 / dd:w32,v4,c1,r1,k8,u2,p0,b1 / dd:w32,v4,c1,r2,k2,u4,p0"))
        #expect(Self.fields(csv[1]).contains("each instance"))
    }

    /// The two halves of a batch-1 run made as two calls: problem 9 at 0.9 (2x) and at 0.95 (4x).
    static func halves() throws -> (BenchmarkReport, BenchmarkReport) {
        var first = Self.report([try Self.row(occupancy: true)])
        first.command = "bench --sparsity 0.9"
        var row = try Self.row(occupancy: true)
        row.sparsity = 0.95
        row.sparsertMicroseconds = 4.75
        var second = Self.report([row])
        second.command = "bench --sparsity 0.95"
        second.date = "2026-11-22T06:00:00Z"
        second.floors = DeviceFloors(emptyKernelMicroseconds: 0.84, copyBytesPerSecond: 2.9e12)
        return (first, second)
    }

    @Test("merged reports keep every row, a geometric mean per sparsity, and list their runs")
    func merge() throws {
        let (first, second) = try Self.halves()
        let merged = try BenchmarkReport.merging([("b.json", second), ("a.json", first)])
        #expect(merged.rows.map(\.sparsity) == [0.9, 0.95])
        #expect(abs((merged.geometricMean(over: "cuBLAS fp32", sparsity: 0.9) ?? 0) - 2.0) < 1e-9)
        #expect(abs((merged.geometricMean(over: "cuBLAS fp32", sparsity: 0.95) ?? 0) - 4.0) < 1e-9)
        let markdown = merged.markdown()
        #expect(markdown.contains("merged from 2 runs"))
        #expect(markdown.contains("`bench --sparsity 0.9`") && markdown.contains("`bench --sparsity 0.95`"))
        #expect(markdown.contains("0.84 us") && markdown.contains("0.83 us"))
        #expect(!markdown.contains("- date:"))
        // The JSON reads back as the same report, runs included, and merges again with a third run.
        let json = try reportEncoder().encode(merged)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-merge-\(UUID()).json")
        try json.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let read = try BenchmarkReport.read(path.path)
        #expect(read.runs?.count == 2 && read.rows.count == 2)
        var third = try Self.row(occupancy: false)
        third.number = 10
        var other = Self.report([third])
        other.date = "2026-11-23"
        #expect(try BenchmarkReport.merging([(path.path, read), ("c.json", other)]).runs?.count == 3)
    }

    @Test("the tuner's further passes are recorded per run, and reports from before them still read and merge")
    func tunerPasses() throws {
        var (first, second) = try Self.halves()
        first.tunerPasses = "register-cap twins of the 4 fastest unrolled, sim twins of the 2 fastest unrolled"
        #expect(first.markdown().contains("- tuner passes after the first: register-cap twins of the 4 fastest unrolled, sim twins"))
        let merged = try BenchmarkReport.merging([("a.json", first), ("b.json", second)])
        let lines = merged.markdown().split(separator: "\n")
        #expect(lines.contains { $0.contains("`bench --sparsity 0.9`") && $0.contains("; tuner passes: register-cap twins") })
        #expect(lines.contains { $0.contains("`bench --sparsity 0.95`") && !$0.contains("tuner passes") })
        // A report written before the field existed has none.
        var json = try JSONSerialization.jsonObject(with: reportEncoder().encode(second)) as! [String: Any]
        json["tunerPasses"] = nil
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sparsert-old-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: json).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        #expect(try BenchmarkReport.read(path.path).tunerPasses == nil)
    }

    @Test("reports of different suites, batches, GPUs, row alignments or cache states, or repeating a problem, do not merge")
    func mergeRefusals() throws {
        let (first, second) = try Self.halves()
        #expect { try BenchmarkReport.merging([("a.json", first), ("a2.json", first)]) } throws: {
            "\($0)".contains("a2.json: problem 9 at 0.9 is also in a.json")
        }
        var batch8 = second
        batch8.batch = 8
        #expect { try BenchmarkReport.merging([("a.json", first), ("b8.json", batch8)]) } throws: {
            "\($0)".contains("b8.json: batch is 8, but a.json has 1")
        }
        var otherGPU = second
        otherGPU.gpu = "NVIDIA H200"
        #expect { try BenchmarkReport.merging([("a.json", first), ("h200.json", otherGPU)]) } throws: {
            "\($0)".contains("h200.json: GPU is NVIDIA H200")
        }
        var padded = second
        padded.rowAlignBytes = 128
        #expect { try BenchmarkReport.merging([("a.json", first), ("a128.json", padded)]) } throws: {
            "\($0)".contains("a128.json: row alignment is 128, but a.json has 0")
        }
        #expect(padded.markdown().contains("padded to multiples of 128 bytes"))
        var cold = second
        cold.coldCaches = "before every run a kernel read 125.8 MB"
        #expect { try BenchmarkReport.merging([("a.json", first), ("cold.json", cold)]) } throws: {
            "\($0)".contains("cold.json: cold caches is before every run")
        }
        #expect(cold.markdown().contains("- cold caches: before every run a kernel read 125.8 MB"))
        #expect { try BenchmarkReport.read("/nonexistent/report.json") } throws: { "\($0)".contains("cannot read") }
    }
}
