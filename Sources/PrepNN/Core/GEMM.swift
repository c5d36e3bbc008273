// GEMM: the one place PrepNN calls BLAS. Row-major C = alpha * op(A) * op(B) + beta * C with
// op(A) [m, k], op(B) [k, n], C [m, n]; leading dimensions are row strides.
// OpenBLAS runs single-threaded; a product large enough to pay for it is split into one block of
// rows or columns of C per core, each an independent sgemm call over the full k.
import COpenBLAS

enum GEMM {
    /// Products below this many multiply-adds run on one core.
    static let parallelThreshold = 1 << 18

    private static let singleThreaded: Void = openblas_set_num_threads(1)

    @inline(__always)
    static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        parallel: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        _ = singleThreaded
        let parts = Parallel.coreCount
        if parallel && parts > 1 && m * n * k >= parallelThreshold && max(m, n) >= 2 * parts {
            if n >= m {
                // Blocks of columns of C (and of op(B)).
                Parallel.forEachChunk(n, minimumCount: 0) { columns in
                    let bStart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
                    call(transposeA, transposeB, m, columns.count, k, alpha, a, lda, bStart, ldb, beta, c + columns.lowerBound, ldc)
                }
            } else {
                // Blocks of rows of C (and of op(A)).
                Parallel.forEachChunk(m, minimumCount: 0) { rows in
                    let aStart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
                    call(transposeA, transposeB, rows.count, n, k, alpha, aStart, lda, b, ldb, beta, c + rows.lowerBound * ldc, ldc)
                }
            }
            return
        }
        call(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inline(__always)
    private static func call(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc)
        )
    }
}
