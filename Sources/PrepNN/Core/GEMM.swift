// GEMM: the one place PrepNN calls BLAS. Row-major C = alpha * op(A) * op(B) + beta * C with
// op(A) [m, k], op(B) [k, n], C [m, n]; leading dimensions are row strides.
import COpenBLAS

enum GEMM {
    @inline(__always)
    static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc)
        )
    }

    /// The number of threads OpenBLAS uses (it starts with one per core).
    static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }
}
