import CVectorKernels
import Foundation
import PrepImage

/// OpenCV's `GaussianBlur(src, (0, 0), sigma)`: separable, `BORDER_REFLECT_101`, kernel size
/// chosen from sigma, with OpenCV's arithmetic so that results agree with `cv2.GaussianBlur`.
///
/// * Kernel size: `round(sigma * 3 * 2 + 1) | 1` for 8-bit images, `round(sigma * 4 * 2 + 1) | 1`
///   for float (round half to even, as `cvRound`). A side of length 1 is not blurred along it.
/// * Weights (`kernel(size:sigma:)`): `w[i] = exp(-(i - (n-1)/2)^2 / (2 sigma^2))`, normalised to
///   sum 1 the way `getGaussianKernelBitExact` does (the centre weight is `1 / sum`).
/// * 8-bit (`blur(_:sigma:)`), bit-exact with OpenCV's fixed-point path: the weights become
///   integers with 8 fraction bits by error diffusion (`fixedPointKernel`, summing to exactly 256),
///   the row pass sums `k[i] * pixel` exactly (16-bit), the column pass sums `k[j] * row` exactly
///   (32-bit, 16 fraction bits) and the result is `(sum + 2^15) >> 16`.
/// * Float (`blur(_:width:height:sigma:fused:)`), two modes:
///   - `fused: true`, OpenCV's arithmetic: Float32 weights; the row pass accumulates taps left to
///     right (`s = k0*x0`, then `s = fma(k[i], x[i], s)`), the column pass symmetrically
///     (`s = kc*centre`, then `s = fma(k[c+j], up_j + down_j, s)`), each step a fused multiply-add
///     as OpenCV's AVX2 filter engine does in its vector loops (the first `width / 4 * 4` pixels of
///     a row in the row pass, `width / 8 * 8` in the column pass; its scalar tails multiply and add
///     separately). Bit-identical to cv2 on x86-64 with AVX2 (measured on random images of widths
///     2...39, 53...513, sigma 1 and 3).
///   - `fused: false`, fast: both passes symmetric (centre, then `s = s + k[c+j]*(a_j + b_j)`
///     with separate multiply and add), half the row pass's multiplies; within a few ulps of cv2
///     (6e-5 at most on 0...255 values).
///   On processors with AVX2 and FMA3 both run as register-blocked vector kernels
///   (`CVectorKernels`); elsewhere, and with `portable: true`, as Swift loops with the same
///   operations (fused steps evaluated in Double, where the product of two floats is exact, and
///   rounded to Float). The tests check both give the same bits.
// reference: opencv/opencv modules/imgproc/src/smooth.dispatch.cpp (createGaussianKernels,
//            getGaussianKernelBitExact, getGaussianKernelFixedPoint_ED, GaussianBlur)
// reference: opencv/opencv modules/imgproc/src/smooth.simd.hpp (GaussianBlurFixedPoint),
//            modules/imgproc/src/filter.simd.hpp (RowFilter, SymmColumnFilter, float path)
public enum GaussianBlur {
    /// OpenCV's automatic kernel size for `sigma`: `round(sigma * (eightBit ? 3 : 4) * 2 + 1) | 1`.
    public static func kernelSize(sigma: Double, eightBit: Bool) -> Int {
        let size = (sigma * (eightBit ? 3 : 4) * 2 + 1).rounded(.toNearestOrEven)
        return Int(size) | 1
    }

    /// The normalised Gaussian weights of an odd `size`, as `cv2.getGaussianKernel(size, sigma)`
    /// (computed in Double instead of OpenCV's soft-float; they agree to the last bit or two).
    public static func kernel(size: Int, sigma: Double) -> [Double] {
        precondition(size > 0 && size % 2 == 1, "Gaussian kernel size must be odd, not \(size)")
        precondition(sigma > 0, "sigma must be positive")
        let half = (size - 1) / 2
        let scale = -0.125 / (sigma * sigma)  // -1 / (2 sigma^2) with x measured in half steps
        var values = [Double](repeating: 0, count: half)
        var sum = 0.0
        for i in 0..<half {
            let x = Double(2 * i + 1 - size)  // twice the offset from the centre
            values[i] = Foundation.exp(x * x * scale)
            sum += values[i]
        }
        sum = sum * 2 + 1
        let reciprocal = 1 / sum
        var result = [Double](repeating: 0, count: size)
        for i in 0..<half {
            result[i] = values[i] * reciprocal
            result[size - 1 - i] = result[i]
        }
        result[half] = reciprocal
        return result
    }

    /// The 8-bit path's integer weights: `kernel` in fixed point with 8 fraction bits, rounded
    /// from the outside in with error diffusion (each rounding error is carried to the next
    /// weight), the centre taking whatever makes the sum exactly 256.
    public static func fixedPointKernel(size: Int, sigma: Double) -> [Int] {
        let weights = kernel(size: size, sigma: sigma)
        let one = 256
        var result = [Int](repeating: 0, count: size)
        var error = 0.0, sum = 0
        for i in 0..<size / 2 {
            let adjusted = weights[i] * Double(one) + error
            let value = Int(adjusted.rounded(.toNearestOrEven))
            error = adjusted - Double(value)
            result[i] = value
            result[size - 1 - i] = value
            sum += value
        }
        result[size / 2] = one - 2 * sum
        return result
    }

    /// Index `i` mapped into `0..<n` by BORDER_REFLECT_101 (`-1 -> 1`, `n -> n-2`), repeated
    /// for kernels longer than the image.
    static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var p = i
        while p < 0 || p >= n {
            if p < 0 { p = -p }
            if p >= n { p = 2 * (n - 1) - p }
        }
        return p
    }

    // MARK: 8-bit

    /// `cv2.GaussianBlur(image, (0, 0), sigma)` of an 8-bit image (1 or 3 channels), bit-exact.
    public static func blur(_ image: Image, sigma: Double) -> Image {
        let width = image.width, height = image.height, channels = image.channels
        guard width > 0, height > 0 else { return image }
        let size = kernelSize(sigma: sigma, eightBit: true)
        let sizeX = width == 1 ? 1 : size
        let sizeY = height == 1 ? 1 : size
        if sizeX == 1 && sizeY == 1 { return image }
        let kernelX = sizeX == 1 ? [256] : fixedPointKernel(size: sizeX, sigma: sigma)
        let kernelY = sizeY == 1 ? [256] : fixedPointKernel(size: sizeY, sigma: sigma)
        let radiusX = sizeX / 2, radiusY = sizeY / 2
        let rowLength = width * channels

        // Row pass: exact sums with 8 fraction bits. Every term is non-negative and the total is at
        // most 255 * 256, so even the partial sums fit 16 bits. The kernel is symmetric: the
        // centre tap, then k[c+i] * (left + right) for the non-zero outer weights.
        var rows = [UInt16](repeating: 0, count: rowLength * height)
        var padded = [UInt16](repeating: 0, count: (width + 2 * radiusX) * channels)
        let centreWeightX = UInt16(kernelX[radiusX])
        let pairsX = (0..<radiusX).compactMap { i -> (offset: Int, weight: UInt16)? in
            kernelX[i] == 0 ? nil : (offset: (radiusX - i) * channels, weight: UInt16(kernelX[i]))
        }
        image.pixels.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { rows in
                padded.withUnsafeMutableBufferPointer { padded in
                    for y in 0..<height {
                        let sourceRow = source.baseAddress! + y * rowLength
                        for x in -radiusX..<(width + radiusX) {
                            let from = reflect101(x, width) * channels
                            let to = (x + radiusX) * channels
                            for c in 0..<channels { padded[to + c] = UInt16(sourceRow[from + c]) }
                        }
                        let sum = rows.baseAddress! + y * rowLength
                        let centre = padded.baseAddress! + radiusX * channels
                        for x in 0..<rowLength { sum[x] = centreWeightX &* centre[x] }
                        for pair in pairsX {
                            let left = centre - pair.offset, right = centre + pair.offset
                            let weight = pair.weight
                            for x in 0..<rowLength { sum[x] = sum[x] &+ weight &* (left[x] &+ right[x]) }
                        }
                    }
                }
            }
        }

        // Column pass: exact sums with 16 fraction bits (symmetric pairs again), rounded half up.
        var output = Image(width: width, height: height, channels: channels)
        var columnSum = [UInt32](repeating: 0, count: rowLength)
        output.pixels.withUnsafeMutableBufferPointer { out in
            rows.withUnsafeBufferPointer { rows in
                columnSum.withUnsafeMutableBufferPointer { sum in
                    for y in 0..<height {
                        let centre = rows.baseAddress! + y * rowLength
                        let centreWeight = UInt32(kernelY[radiusY])
                        for x in 0..<rowLength { sum[x] = (1 << 15) &+ centreWeight &* UInt32(centre[x]) }
                        for j in 1..<(radiusY + 1) where kernelY[radiusY + j] != 0 {
                            let up = rows.baseAddress! + reflect101(y - j, height) * rowLength
                            let down = rows.baseAddress! + reflect101(y + j, height) * rowLength
                            let weight = UInt32(kernelY[radiusY + j])
                            for x in 0..<rowLength { sum[x] = sum[x] &+ weight &* (UInt32(up[x]) &+ UInt32(down[x])) }
                        }
                        let outRow = out.baseAddress! + y * rowLength
                        for x in 0..<rowLength { outRow[x] = UInt8(truncatingIfNeeded: sum[x] >> 16) }
                    }
                }
            }
        }
        return output
    }

    // MARK: Float

    /// `cv2.GaussianBlur(values, (0, 0), sigma)` of a one-channel Float32 image (row-major);
    /// `fused` chooses OpenCV's exact rounding (true) or the faster unfused steps (false).
    public static func blur(_ values: [Float], width: Int, height: Int, sigma: Double, fused: Bool = true) -> [Float] {
        blur(values, width: width, height: height, sigma: sigma, fused: fused, portable: !VectorKernels.available)
    }

    static func blur(_ values: [Float], width: Int, height: Int, sigma: Double, fused: Bool, portable: Bool) -> [Float] {
        precondition(values.count == width * height, "\(width)x\(height) needs \(width * height) values")
        guard width > 0, height > 0 else { return values }
        let size = kernelSize(sigma: sigma, eightBit: false)
        let sizeX = width == 1 ? 1 : size
        let sizeY = height == 1 ? 1 : size
        if sizeX == 1 && sizeY == 1 { return values }
        let kernelX = sizeX == 1 ? [Float(1)] : kernel(size: sizeX, sigma: sigma).map { Float($0) }
        let kernelY = sizeY == 1 ? [Float(1)] : kernel(size: sizeY, sigma: sigma).map { Float($0) }
        let radiusX = sizeX / 2, radiusY = sizeY / 2
        // The weights from the centre outwards, for the symmetric steps.
        let halfX = Array(kernelX[radiusX...]), halfY = Array(kernelY[radiusY...])
        // OpenCV's vector loops cover the first multiple of 4 (row pass) or 8 (column pass) pixels
        // of a row; its scalar tail loops multiply and add separately.
        let fusedRowEnd = fused ? width / 4 * 4 : 0, fusedColumnEnd = fused ? width / 8 * 8 : 0

        // Row pass into `rows`, from a padded copy of each source row.
        var rows = [Float].uninitialized(count: width * height)  // the row pass writes every element
        var padded = [Float](repeating: 0, count: width + 2 * radiusX)
        values.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { rows in
                padded.withUnsafeMutableBufferPointer { padded in
                    for y in 0..<height {
                        let sourceRow = source.baseAddress! + y * width
                        (padded.baseAddress! + radiusX).update(from: sourceRow, count: width)
                        for i in 0..<radiusX {
                            padded[i] = sourceRow[reflect101(i - radiusX, width)]
                            padded[radiusX + width + i] = sourceRow[reflect101(width + i, width)]
                        }
                        let sum = UnsafeMutableBufferPointer(start: rows.baseAddress! + y * width, count: width)
                        if portable {
                            rowPass(sum, padded: UnsafeBufferPointer(padded), kernel: kernelX, fused: fused, fusedEnd: fusedRowEnd)
                        } else if fused {
                            cvector_row_filter(sum.baseAddress!, padded.baseAddress!, kernelX, sizeX, width, fusedRowEnd)
                        } else {
                            cvector_symmetric_row_filter(sum.baseAddress!, padded.baseAddress! + radiusX, halfX, radiusX, width)
                        }
                    }
                }
            }
        }
        if sizeY == 1 { return rows }

        // Column pass: centre, then symmetric pairs outwards.
        var output = [Float].uninitialized(count: width * height)  // the column pass writes every element
        var rowPointers = [UnsafePointer<Float>?](repeating: nil, count: sizeY)
        output.withUnsafeMutableBufferPointer { out in
            rows.withUnsafeBufferPointer { rows in
                rowPointers.withUnsafeMutableBufferPointer { pointers in
                    for y in 0..<height {
                        for j in -radiusY...radiusY {
                            pointers[radiusY + j] = rows.baseAddress! + reflect101(y + j, height) * width
                        }
                        let sum = out.baseAddress! + y * width
                        if portable {
                            columnPass(UnsafeMutableBufferPointer(start: sum, count: width), rows: UnsafeBufferPointer(pointers),
                                       kernel: halfY, fusedEnd: fusedColumnEnd)
                        } else {
                            cvector_symmetric_filter(sum, pointers.baseAddress!, halfY, radiusY, width, fusedColumnEnd)
                        }
                    }
                }
            }
        }
        return output
    }

    /// The portable row pass, the scalar code of `cvector_row_filter` (fused rows: OpenCV's taps left
    /// to right, the fused steps evaluated in Double and rounded to Float) or of
    /// `cvector_symmetric_row_filter` (unfused rows: centre, then pairs outwards).
    static func rowPass(_ sum: UnsafeMutableBufferPointer<Float>, padded: UnsafeBufferPointer<Float>, kernel: [Float],
                        fused: Bool, fusedEnd: Int) {
        let width = sum.count, radius = kernel.count / 2
        if fused {
            for x in 0..<width {
                var s = kernel[0] * padded[x]
                for i in 1..<kernel.count {
                    if x < fusedEnd {
                        s = Float(Double(kernel[i]) * Double(padded[x + i]) + Double(s))
                    } else {
                        s = s + kernel[i] * padded[x + i]
                    }
                }
                sum[x] = s
            }
        } else {
            for x in 0..<width {
                let centre = radius + x
                var s = kernel[radius] * padded[centre]
                for j in stride(from: 1, through: radius, by: 1) {
                    s = s + kernel[radius + j] * (padded[centre - j] + padded[centre + j])
                }
                sum[x] = s
            }
        }
    }

    /// The portable column pass, the scalar code of `cvector_symmetric_filter`: `rows` holds the
    /// 2r + 1 source rows around the output row, `kernel` the weights from the centre outwards.
    static func columnPass(_ sum: UnsafeMutableBufferPointer<Float>, rows: UnsafeBufferPointer<UnsafePointer<Float>?>,
                           kernel: [Float], fusedEnd: Int) {
        let radius = kernel.count - 1
        for x in 0..<sum.count {
            var s = kernel[0] * rows[radius]![x]
            for j in stride(from: 1, through: radius, by: 1) {
                let pair = rows[radius - j]![x] + rows[radius + j]![x]
                if x < fusedEnd {
                    s = Float(Double(kernel[j]) * Double(pair) + Double(s))
                } else {
                    s = s + kernel[j] * pair
                }
            }
            sum[x] = s
        }
    }
}
