import SparseRT
@testable import SparseRTRuntime
import SparseRTTestSupport
import Testing

struct L2EvictionTests {
    @Test("the eviction kernel assembles for sm_90 and loads four vectors a thread",
          .enabled(if: TestMatrices.ptxas != nil, "ptxas not installed (scripts/install-ptxas.sh)"))
    func assembles() throws {
        let ptx = L2Eviction.ptx(target: PTXTarget())
        #expect(ptx.components(separatedBy: "ld.global.v4.u32").count - 1 == L2Eviction.loadsPerThread)
        let report = try #require(TestMatrices.ptxas).assemble(ptx)
        #expect(report.registers > 0 && report.spillStoreBytes == 0 && report.stackFrameBytes == 0)
    }
}
