/// The value types of the IR; each maps to one PTX register class and type suffix.
public enum ValueType: String, Sendable, Hashable, CaseIterable, Codable {
    /// 32-bit IEEE float (`.f32`, registers `%f`).
    case f32
    /// 32-bit unsigned integer (`.u32`, registers `%r`); also used for shared-memory addresses.
    case u32
    /// 64-bit unsigned integer (`.u64`, registers `%rd`); global addresses.
    case u64
    /// Predicate (`.pred`, registers `%p`).
    case pred
    /// 16-bit IEEE half (registers `%h`, declared `.b16`): only loaded, stored, moved and converted
    /// (``Operation/convert(_:_:)``); arithmetic stays in f32.
    case f16

    /// The PTX register-name prefix of this class.
    var registerPrefix: String {
        switch self {
        case .f32: return "%f"
        case .u32: return "%r"
        case .u64: return "%rd"
        case .pred: return "%p"
        case .f16: return "%h"
        }
    }

    /// The PTX type a register of this class is declared with and loaded or stored as.
    var ptxType: String { self == .f16 ? "b16" : rawValue }

    /// Bytes a memory access moves per register of this class.
    public var bytes: Int {
        switch self {
        case .f16: return 2
        case .u64: return 8
        default: return 4
        }
    }
}

/// A virtual register: a type and an index within that type's class.
public struct Register: Hashable, Sendable, CustomStringConvertible {
    public let type: ValueType
    public let index: Int

    public init(_ type: ValueType, _ index: Int) {
        self.type = type
        self.index = index
    }

    /// The PTX spelling, e.g. `%f12`.
    public var description: String { "\(type.registerPrefix)\(index)" }
}

/// An instruction operand: a register or an immediate of the instruction's type.
public enum Operand: Hashable, Sendable {
    case register(Register)
    /// A float immediate, rendered bit-exactly as `0fXXXXXXXX`.
    case f32(Float)
    /// An unsigned 32-bit immediate.
    case u32(UInt32)
    /// An unsigned 64-bit immediate.
    case u64(UInt64)
}

/// A branch target within one kernel.
public struct Label: Hashable, Sendable {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    /// The PTX spelling, e.g. `$L12`.
    var name: String { "$L\(index)" }
}

/// Memory spaces the IR loads from and stores to.
public enum MemorySpace: String, Sendable, Hashable {
    /// Global memory through the ordinary path (`ld.global`, `st.global`).
    case global
    /// Global memory through the read-only, non-coherent path (`ld.global.nc`); loads only.
    case globalReadOnly
    /// The block's dynamic shared memory (`ld.shared`, `st.shared`), addressed with u32 registers.
    case shared
}

/// Read-only special registers a thread can read.
public enum SpecialRegister: String, Sendable, Hashable {
    case threadX = "%tid.x"
    case blockX = "%ctaid.x"
    case blockY = "%ctaid.y"
    case blockZ = "%ctaid.z"
}

/// Integer and float binary operations.
public enum BinaryOperation: String, Sendable, Hashable {
    case add, sub
    /// Low half of the product for integers (`mul.lo`), plain product for floats.
    case mul
    case min, max
    case div, rem
    case shl, shr
    case and, or
}

/// Comparisons for `setp`.
public enum Comparison: String, Sendable, Hashable {
    case eq, ne, lt, le, gt, ge
}

/// A kernel parameter: a name and its type (pointers are `u64`).
public struct KernelParameter: Hashable, Sendable, Codable {
    public let name: String
    public let type: ValueType
    public init(name: String, type: ValueType) {
        self.name = name
        self.type = type
    }
}
