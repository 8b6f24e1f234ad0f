/// The `cusparseSpMMAlg_t` values that apply to a CSR matrix (values from cusparse.h, CUDA 11.2 and later).
public enum CUSPARSESpMMAlgorithm: Int32, CaseIterable, Codable, Sendable {
    /// `CUSPARSE_SPMM_ALG_DEFAULT`: the library's choice.
    case defaultAlgorithm = 0
    /// `CUSPARSE_SPMM_CSR_ALG1`.
    case csrAlgorithm1 = 4
    /// `CUSPARSE_SPMM_CSR_ALG2`.
    case csrAlgorithm2 = 6
    /// `CUSPARSE_SPMM_CSR_ALG3`.
    case csrAlgorithm3 = 12

    /// The enum name without the `CUSPARSE_SPMM_` prefix ("CSR_ALG2").
    public var name: String {
        switch self {
        case .defaultAlgorithm: return "ALG_DEFAULT"
        case .csrAlgorithm1: return "CSR_ALG1"
        case .csrAlgorithm2: return "CSR_ALG2"
        case .csrAlgorithm3: return "CSR_ALG3"
        }
    }

    /// Whether `cusparseSpMM_preprocess` speeds this algorithm up (cuSPARSE documents it for CSR_ALG1 and
    /// CSR_ALG3; for the others it has no effect).
    var benefitsFromPreprocess: Bool { self == .csrAlgorithm1 || self == .csrAlgorithm3 }
}
