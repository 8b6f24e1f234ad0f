@testable import CUDADriver
import Foundation
import Testing

struct TimingResultTests {
    @Test func statisticsOfAKnownList() {
        // Unsorted on purpose; sorted: 1 ... 10.
        let samples: [Double] = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]
        let result = TimingResult(samplesMicroseconds: samples, runsPerReplay: 50, mode: .graph)
        #expect(result.medianMicroseconds == 5.5)
        #expect(result.minMicroseconds == 1)
        #expect(result.maxMicroseconds == 10)
        // Linear interpolation at fraction * (n - 1): positions 0.9 and 8.1 -> 1.9 and 9.1.
        #expect(abs(result.p10Microseconds - 1.9) < 1e-12)
        #expect(abs(result.p90Microseconds - 9.1) < 1e-12)
        #expect(abs(result.spread - (9.1 - 1.9) / 5.5) < 1e-12)
        #expect(result.replays == 10)
        #expect(result.runsPerReplay == 50)
        #expect(result.samplesMicroseconds == samples)
    }

    @Test func oddCountMedianAndSingleSample() {
        #expect(TimingResult(samplesMicroseconds: [3, 1, 2], runsPerReplay: 1, mode: .launches).medianMicroseconds == 2)
        let one = TimingResult(samplesMicroseconds: [4], runsPerReplay: 1, mode: .graph)
        #expect(one.medianMicroseconds == 4 && one.p10Microseconds == 4 && one.p90Microseconds == 4 && one.spread == 0)
    }

    @Test func percentileEnds() {
        let sorted: [Double] = [1, 2, 4]
        #expect(TimingResult.percentile(sorted, 0) == 1)
        #expect(TimingResult.percentile(sorted, 1) == 4)
        #expect(TimingResult.percentile(sorted, 0.75) == 3)
    }

    @Test func roundTripsThroughJSON() throws {
        let result = TimingResult(samplesMicroseconds: [1, 2, 3], runsPerReplay: 4, mode: .graph)
        let decoded = try JSONDecoder().decode(TimingResult.self, from: JSONEncoder().encode(result))
        #expect(decoded == result)
    }
}

struct SubtractedTimingTests {
    @Test("work timed with each run comes off every sample, and the result records it", arguments: [
        (samples: [30.0, 31, 29, 35], subtracted: 25.0, median: 5.5, min: 4.0),
        (samples: [3.0, 2, 4], subtracted: 3.5, median: 0.0, min: 0.0),
    ])
    func subtracts(_ c: (samples: [Double], subtracted: Double, median: Double, min: Double)) {
        let result = TimingResult(samplesMicroseconds: c.samples, runsPerReplay: 10, mode: .graph).subtracting(c.subtracted)
        #expect(result.medianMicroseconds == c.median)
        #expect(result.minMicroseconds == c.min)
        #expect(result.subtractedMicroseconds == c.subtracted)
        #expect(result.replays == c.samples.count && result.runsPerReplay == 10)
    }

    @Test func timingsWrittenBeforeTheFieldDecode() throws {
        let old = #"{"mode":"graph","medianMicroseconds":2,"minMicroseconds":1,"maxMicroseconds":3,"p10Microseconds":1,"p90Microseconds":3,"spread":1,"runsPerReplay":5,"replays":3,"samplesMicroseconds":[1,2,3]}"#
        let result = try JSONDecoder().decode(TimingResult.self, from: Data(old.utf8))
        #expect(result.subtractedMicroseconds == nil && result.medianMicroseconds == 2)
    }
}
