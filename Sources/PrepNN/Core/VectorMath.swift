// VectorMath: exp on eight floats at once, for the elementwise layers (SiLU, GELU's density,
// softmax), where glibc's scalar expf was a tenth of a training step.
//   exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts, Cody-Waite),
//   exp(r) = 1 + r + r^2 * P(r) on |r| <= ln(2) / 2, P of degree 5.
// reference: Cody and Waite, "Software Manual for the Elementary Functions" (1980); the
// polynomial coefficients of Moshier's Cephes expf. Relative error below 2e-7 on [-87, 88.7]
// (tested against Foundation.exp); below -87.3 (where exp is subnormal) the result flushes to 0,
// above 88.72 it is +inf.

enum VectorMath {
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Clamp with compares and blends (the generic SIMD min and max are not vectorised).
        var clamped = x
        clamped.replace(with: -87.33654, where: x .< -87.33654)
        clamped.replace(with: 88.72283, where: x .> 88.72283)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick: the sum's low mantissa bits hold n, rounded to
        // nearest even (the generic SIMD rounding and float-to-int conversions run per lane).
        let magic: Float = 12_582_912
        let shifted = clamped * 1.44269504088896341 + magic
        let n = shifted - magic
        let whole = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        var r = clamped - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let expR = p * (r * r) + r + 1
        // 2^n from exponent bits, in two factors so that n = 128 (the top edge) stays finite.
        let half = whole &>> 1
        let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let scale2 = unsafeBitCast((whole &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        var result = expR * scale1 * scale2
        result.replace(with: 0, where: x .< -87.33654)
        result.replace(with: .infinity, where: x .> 88.72283)
        return result
    }

    /// y[i] = f(x[i]) over `count` floats, eight at a time with a scalar-padded tail.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < range.upperBound {
            var v = SIMD8<Float>(repeating: 0)
            for k in 0..<(range.upperBound - i) { v[k] = x[i + k] }
            let out = f(v)
            for k in 0..<(range.upperBound - i) { y[i + k] = out[k] }
        }
    }
}
