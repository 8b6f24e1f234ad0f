extension DataDrivenConfig {
    /// How the entries buffer holds each nonzero of a data-driven kernel (``DataDrivenLayout``).
    ///
    /// Where the weights stream from memory (small N, large layers) their bytes set the kernel's time, so the
    /// narrower formats pay there; each costs a few integer operations a nonzero in the kernel.
    public enum EntryFormat: Int, Sendable, Hashable, CaseIterable, Codable {
        /// The weight's f32 bits in one section, its B byte offset in another: 8 bytes a nonzero.
        case wide = 0
        /// The f32 weight, and the column k in 16 bits in a second section of half the words (`n1`): 6 bytes.
        case narrowColumns = 1
        /// One word a nonzero (`n2`): the weight's IEEE half bits in the low 16 bits, the column k in the high
        /// 16: 4 bytes. Only for weights that are all exact halves (an fp16 model's, or rounded with
        /// ``SpMMProblem/withWeightsRoundedToHalves()``), so the product is the same as with f32 weights.
        case packedHalves = 2
    }
}
