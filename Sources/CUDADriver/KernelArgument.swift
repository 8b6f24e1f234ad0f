/// One kernel parameter value, typed as the kernel's `.param` declares it.
///
/// `cuLaunchKernel` takes an array of pointers, one per parameter, each pointing at the value's bytes; the
/// enum keeps the width of every value explicit so the bytes match the PTX signature.
public enum KernelArgument: Sendable, Equatable {
    /// A device address (`.param .u64` holding a pointer).
    case pointer(UInt64)
    /// A `.param .s32`.
    case int32(Int32)
    /// A `.param .u32`.
    case uint32(UInt32)
    /// A `.param .f32`.
    case float(Float)
    /// A `.param .u64`.
    case uint64(UInt64)
    /// A `.param .s64`.
    case int64(Int64)

    /// The buffer's device address.
    public static func buffer(_ buffer: DeviceBuffer) -> KernelArgument { .pointer(buffer.devicePointer) }

    /// Bytes the value occupies in the parameter buffer.
    public var byteCount: Int {
        switch self {
        case .int32, .uint32, .float: return 4
        case .pointer, .uint64, .int64: return 8
        }
    }

    /// Writes the value's bytes at `address` (which must be 8-byte aligned and have 8 bytes).
    func store(at address: UnsafeMutableRawPointer) {
        switch self {
        case .pointer(let value), .uint64(let value): address.storeBytes(of: value, as: UInt64.self)
        case .int64(let value): address.storeBytes(of: value, as: Int64.self)
        case .int32(let value): address.storeBytes(of: value, as: Int32.self)
        case .uint32(let value): address.storeBytes(of: value, as: UInt32.self)
        case .float(let value): address.storeBytes(of: value, as: Float.self)
        }
    }

    /// Calls `body` with a `void**` array for `cuLaunchKernel`: element `i` points at argument `i`'s value.
    /// Each value has its own 8-byte, 8-aligned slot; the storage lives exactly as long as `body` runs. The array
    /// pointer is nil when there are no arguments.
    static func withParameterArray<R, E: Error>(
        _ arguments: [KernelArgument],
        _ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>?) throws(E) -> R
    ) throws(E) -> R {
        let slot = 8
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, arguments.count) * slot, alignment: slot)
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(1, arguments.count))
        defer {
            pointers.deallocate()
            storage.deallocate()
        }
        for (index, argument) in arguments.enumerated() {
            let address = storage + index * slot
            address.storeBytes(of: 0, as: UInt64.self)
            argument.store(at: address)
            (pointers + index).initialize(to: address)
        }
        return try body(arguments.isEmpty ? nil : pointers)
    }
}
