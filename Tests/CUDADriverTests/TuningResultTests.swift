import Foundation
@testable import SparseRTRuntime
import Testing

@Suite("Tuning results")
struct TuningResultTests {
    @Test("a result cached before phases were recorded still decodes, without them")
    func decodesWithoutPhases() throws {
        let json = #"{"best":"8,98,1","bestMicroseconds":2.4,"candidates":[],"wallSeconds":6.1,"fromCache":false}"#
        let result = try JSONDecoder().decode(TuningResult.self, from: Data(json.utf8))
        #expect(result.best == "8,98,1" && result.phases == nil)
    }

    @Test("phases round-trip and print in one line")
    func phasesRoundTrip() throws {
        let phases = TuningPhases(compileSeconds: 9.06, verifySeconds: 3.2, timeSeconds: 20, finalSeconds: 1.24)
        #expect(phases.summary == "compile 9.1 s, verify 3.2 s, time 20.0 s, final 1.2 s")
        let result = TuningResult(best: "8,98,1", bestMicroseconds: 2.4, candidates: [], wallSeconds: 34, fromCache: false, phases: phases)
        let decoded = try JSONDecoder().decode(TuningResult.self, from: JSONEncoder().encode(result))
        #expect(decoded.phases?.timeSeconds == 20)
    }
}
