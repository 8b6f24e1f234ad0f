@testable import CUDADriver
import Testing

struct KernelArgumentTests {
    @Test func packsOnePointerPerValue() {
        let arguments: [KernelArgument] = [
            .pointer(0x7F00_1234_5678), .int32(-5), .uint32(0xFFFF_FFFE), .float(1.5), .uint64(1 << 40), .int64(-9),
        ]
        KernelArgument.withParameterArray(arguments) { parameters in
            guard let parameters else {
                Issue.record("no parameter array for six arguments")
                return
            }
            #expect(parameters[0]!.load(as: UInt64.self) == 0x7F00_1234_5678)
            #expect(parameters[1]!.load(as: Int32.self) == -5)
            #expect(parameters[2]!.load(as: UInt32.self) == 0xFFFF_FFFE)
            #expect(parameters[3]!.load(as: Float.self) == 1.5)
            #expect(parameters[4]!.load(as: UInt64.self) == 1 << 40)
            #expect(parameters[5]!.load(as: Int64.self) == -9)
            let addresses = (0..<arguments.count).map { Int(bitPattern: parameters[$0]) }
            #expect(addresses.allSatisfy { $0 % 8 == 0 }, "every slot is 8-byte aligned")
            #expect(Set(addresses).count == arguments.count, "slots are distinct")
        }
    }

    @Test func noArgumentsGiveANullArray() {
        let isNil = KernelArgument.withParameterArray([]) { $0 == nil }
        #expect(isNil)
    }

    @Test func byteCounts() {
        #expect(KernelArgument.float(0).byteCount == 4)
        #expect(KernelArgument.int32(0).byteCount == 4)
        #expect(KernelArgument.pointer(0).byteCount == 8)
        #expect(KernelArgument.int64(0).byteCount == 8)
    }
}
