import KernelIR
import SparseReference

/// How a thread reaches B and C: per-thread base addresses set up once, then compile-time byte offsets
/// per K index of B and per row of C, and (for a convolution's padding) a predicate per load.
struct OperandAccess {
    /// Base of this thread's B elements (u64).
    let bBase: Register
    /// Base of this thread's C elements (u64).
    let cBase: Register
    /// Byte offset of B[k, this thread's column] from `bBase`, and the predicate that guards the load
    /// (nil: always in bounds).
    let bOffset: (Int) -> (offset: Int64, predicate: Register?)
    /// Byte offset of C[row, this thread's column] from `cBase`.
    let cOffset: (Int) -> Int64

    /// Emits the address set-up for `problem`'s operands, given the thread's first column (already
    /// clamped so every address formed is inside B's rows) and the kernel's B and C pointer registers.
    static func emit(
        _ problem: SpMMProblem, column: Register, bPointer: Register, cPointer: Register,
        builder: inout KernelBuilder
    ) -> OperandAccess {
        switch problem.operand {
        case .matrix:
            // B[k, c] is at B + (k * ldb + c) * E; C[r, c] at C + (r * ldc + c) * E (row strides ldb, ldc;
            // E bytes an element).
            let e = problem.elementBytes
            let columnBytes = builder.register(.u64)
            builder.emit(.multiplyWide(columnBytes, .register(column), .u32(UInt32(e))))
            let bBase = builder.binary(.add, .u64, .register(bPointer), .register(columnBytes))
            let cBase = builder.binary(.add, .u64, .register(cPointer), .register(columnBytes))
            let bRowBytes = Int64(problem.bRowStride * e), cRowBytes = Int64(problem.cRowStride * e)
            return OperandAccess(
                bBase: bBase, cBase: cBase,
                bOffset: { k in (Int64(k) * bRowBytes, nil) },
                cOffset: { r in Int64(r) * cRowBytes })
        case .convolution(let g):
            return emitConvolution(
                g, m: problem.m, elementBytes: problem.elementBytes, column: column, bPointer: bPointer,
                cPointer: cPointer, builder: &builder)
        }
    }

    /// The virtual im2col: column c = image * OH * OW + oh * OW + ow reads, for k = (ic, kh, kw), the
    /// input pixel (image, ic, oh * S - P + kh, ow * S - P + kw), or zero where that is padding.
    static func emitConvolution(
        _ g: ConvolutionShape, m: Int, elementBytes e: Int, column: Register, bPointer: Register, cPointer: Register,
        builder: inout KernelBuilder
    ) -> OperandAccess {
        let outputPixels = g.outputHeight * g.outputWidth
        let image = builder.binary(.div, .u32, .register(column), .u32(UInt32(outputPixels)))
        let pixel = builder.binary(.rem, .u32, .register(column), .u32(UInt32(outputPixels)))
        let oh = builder.binary(.div, .u32, .register(pixel), .u32(UInt32(g.outputWidth)))
        let ow = builder.binary(.rem, .u32, .register(pixel), .u32(UInt32(g.outputWidth)))
        let ihTop = builder.binary(.mul, .u32, .register(oh), .u32(UInt32(g.stride)))
        let iwLeft = builder.binary(.mul, .u32, .register(ow), .u32(UInt32(g.stride)))
        // Input base: image's first channel at (oh * S, ow * S); tap offsets add (kh - P, kw - P).
        let imageWords = builder.binary(.mul, .u32, .register(image), .u32(UInt32(g.inChannels * g.height * g.width)))
        let rowWords = builder.binary(.mul, .u32, .register(ihTop), .u32(UInt32(g.width)))
        let words = builder.binary(.add, .u32, .register(imageWords), .register(rowWords))
        let words2 = builder.binary(.add, .u32, .register(words), .register(iwLeft))
        let inputBytes = builder.register(.u64)
        builder.emit(.multiplyWide(inputBytes, .register(words2), .u32(UInt32(e))))
        let bBase = builder.binary(.add, .u64, .register(bPointer), .register(inputBytes))
        // Output base: C[image, channel 0, pixel] = C + (image * OC * OHW + pixel) * E; row oc adds oc * OHW.
        let imageOutWords = builder.binary(.mul, .u32, .register(image), .u32(UInt32(m * outputPixels)))
        let outWords = builder.binary(.add, .u32, .register(imageOutWords), .register(pixel))
        let outBytes = builder.register(.u64)
        builder.emit(.multiplyWide(outBytes, .register(outWords), .u32(UInt32(e))))
        let cBase = builder.binary(.add, .u64, .register(cPointer), .register(outBytes))

        // Rows and columns of taps that can fall into the padding for some output pixel need a
        // predicate; the others are in bounds for every pixel, decided here at compile time.
        func tapAlwaysInside(_ tap: Int, outputs: Int, size: Int) -> Bool {
            let first = -g.pad + tap
            let last = (outputs - 1) * g.stride - g.pad + tap
            return first >= 0 && last < size
        }
        var rowPredicate: [Register?] = []
        for kh in 0..<g.kernelH {
            if tapAlwaysInside(kh, outputs: g.outputHeight, size: g.height) {
                rowPredicate.append(nil)
            } else {
                // 0 <= oh*S - P + kh < H, tested unsigned: a negative value wraps to a huge one.
                let ih = builder.binary(.add, .u32, .register(ihTop), .u32(UInt32(bitPattern: Int32(kh - g.pad))))
                rowPredicate.append(builder.compare(.lt, .u32, .register(ih), .u32(UInt32(g.height))))
            }
        }
        var columnPredicate: [Register?] = []
        for kw in 0..<g.kernelW {
            if tapAlwaysInside(kw, outputs: g.outputWidth, size: g.width) {
                columnPredicate.append(nil)
            } else {
                let iw = builder.binary(.add, .u32, .register(iwLeft), .u32(UInt32(bitPattern: Int32(kw - g.pad))))
                columnPredicate.append(builder.compare(.lt, .u32, .register(iw), .u32(UInt32(g.width))))
            }
        }
        var tapPredicate = [[Register?]](
            repeating: [Register?](repeating: nil, count: g.kernelW), count: g.kernelH)
        for kh in 0..<g.kernelH {
            for kw in 0..<g.kernelW {
                switch (rowPredicate[kh], columnPredicate[kw]) {
                case (nil, nil): tapPredicate[kh][kw] = nil
                case (let p?, nil): tapPredicate[kh][kw] = p
                case (nil, let q?): tapPredicate[kh][kw] = q
                case (let p?, let q?):
                    let both = builder.register(.pred)
                    builder.emit(.predicateAnd(both, p, q))
                    tapPredicate[kh][kw] = both
                }
            }
        }

        let taps = g.kernelH * g.kernelW
        let planeWords = Int64(g.height * g.width)
        return OperandAccess(
            bBase: bBase,
            cBase: cBase,
            bOffset: { k in
                let ic = k / taps, kh = (k % taps) / g.kernelW, kw = k % g.kernelW
                let words = Int64(ic) * planeWords + Int64(kh - g.pad) * Int64(g.width) + Int64(kw - g.pad)
                return (words * Int64(e), tapPredicate[kh][kw])
            },
            cOffset: { r in Int64(r * outputPixels * e) })
    }
}
