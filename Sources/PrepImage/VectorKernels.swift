import CVectorKernels

/// Whether this processor runs `CVectorKernels`' AVX2 and FMA3 code. Where it does not, every
/// caller takes its portable Swift loops, which give the same bits (the tests check both).
public enum VectorKernels {
    public static let available = cvector_has_fma() != 0
}
