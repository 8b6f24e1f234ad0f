import CUDADriver

/// The stream a vendor library handle was last bound to, so `cublasSetStream`, `cusparseSetStream` or
/// `cudnnSetStream` runs only when the stream changes (binding can reset library state, such as cuBLAS's
/// workspace).
struct StreamBinding {
    /// nil: never bound; `.some(nil)`: bound to the default stream.
    private var bound: OpaquePointer??

    /// Calls `bind` with `stream`'s raw handle unless the handle is already bound to it.
    mutating func bind(_ stream: CUDAStream, _ bind: (OpaquePointer?) throws -> Void) throws {
        if let bound, bound == stream.rawHandle { return }
        try bind(stream.rawHandle)
        bound = .some(stream.rawHandle)
    }
}
