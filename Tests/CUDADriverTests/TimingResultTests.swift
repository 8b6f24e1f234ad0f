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
