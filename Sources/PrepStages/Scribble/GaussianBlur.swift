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
/// * Float (`blur(_:width:height:sigma:)`): Float32 weights; the row pass accumulates taps left to
///   right with fused multiply-adds (`s = k0*x0`, then `s = fma(k[i], x[i], s)`), the column pass
///   symmetrically (`s = kc*centre`, then `s = fma(k[c+j], up_j + down_j, s)`), which is what
///   OpenCV's AVX2 filter engine does. The fused multiply-add is evaluated in Double and rounded to
///   Float (the product of two floats is exact in Double), so it needs no FMA instruction.
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

        // Row pass: exact sums with 8 fraction bits (at most 255 * 256, fits 16 bits).
        var rows = [UInt16](repeating: 0, count: rowLength * height)
        var padded = [UInt16](repeating: 0, count: (width + 2 * radiusX) * channels)
        var accumulator = [UInt16](repeating: 0, count: rowLength)
        let taps = kernelX.enumerated().filter { $0.element != 0 }.map { (offset: $0.offset * channels, weight: UInt16($0.element)) }
        image.pixels.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { rows in
                padded.withUnsafeMutableBufferPointer { padded in
                    accumulator.withUnsafeMutableBufferPointer { sum in
                        for y in 0..<height {
                            let sourceRow = source.baseAddress! + y * rowLength
                            for x in -radiusX..<(width + radiusX) {
                                let from = reflect101(x, width) * channels
                                let to = (x + radiusX) * channels
                                for c in 0..<channels { padded[to + c] = UInt16(sourceRow[from + c]) }
                            }
                            for x in 0..<rowLength { sum[x] = 0 }
                            for tap in taps {
                                let input = padded.baseAddress! + tap.offset
                                let weight = tap.weight
                                for x in 0..<rowLength { sum[x] = sum[x] &+ weight &* input[x] }
                            }
                            (rows.baseAddress! + y * rowLength).update(from: sum.baseAddress!, count: rowLength)
                        }
                    }
                }
            }
        }

        // Column pass: exact sums with 16 fraction bits, rounded half up.
        var output = Image(width: width, height: height, channels: channels)
        var columnSum = [UInt32](repeating: 0, count: rowLength)
        output.pixels.withUnsafeMutableBufferPointer { out in
            rows.withUnsafeBufferPointer { rows in
                columnSum.withUnsafeMutableBufferPointer { sum in
                    for y in 0..<height {
                        for x in 0..<rowLength { sum[x] = 1 << 15 }
                        for j in 0..<sizeY where kernelY[j] != 0 {
                            let input = rows.baseAddress! + reflect101(y + j - radiusY, height) * rowLength
                            let weight = UInt32(kernelY[j])
                            for x in 0..<rowLength { sum[x] = sum[x] &+ weight &* UInt32(input[x]) }
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

    /// `cv2.GaussianBlur(values, (0, 0), sigma)` of a one-channel Float32 image (row-major).
    public static func blur(_ values: [Float], width: Int, height: Int, sigma: Double) -> [Float] {
        precondition(values.count == width * height, "\(width)x\(height) needs \(width * height) values")
        guard width > 0, height > 0 else { return values }
        let size = kernelSize(sigma: sigma, eightBit: false)
        let sizeX = width == 1 ? 1 : size
        let sizeY = height == 1 ? 1 : size
        if sizeX == 1 && sizeY == 1 { return values }
        let kernelX = sizeX == 1 ? [Float(1)] : kernel(size: sizeX, sigma: sigma).map { Float($0) }
        let kernelY = sizeY == 1 ? [Float(1)] : kernel(size: sizeY, sigma: sigma).map { Float($0) }
        let radiusX = sizeX / 2, radiusY = sizeY / 2

        // Row pass: taps left to right, fused.
        var rows = [Float](repeating: 0, count: width * height)
        var padded = [Float](repeating: 0, count: width + 2 * radiusX)
        let sourceIndex = (-radiusX..<(width + radiusX)).map { reflect101($0, width) }
        values.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { rows in
                padded.withUnsafeMutableBufferPointer { padded in
                    for y in 0..<height {
                        let sourceRow = source.baseAddress! + y * width
                        for i in 0..<padded.count { padded[i] = sourceRow[sourceIndex[i]] }
                        let sum = rows.baseAddress! + y * width
                        let k0 = kernelX[0]
                        for x in 0..<width { sum[x] = k0 * padded[x] }
                        for i in 1..<sizeX {
                            let input = padded.baseAddress! + i
                            let weight = Double(kernelX[i])
                            for x in 0..<width {
                                sum[x] = Float(weight * Double(input[x]) + Double(sum[x]))
                            }
                        }
                    }
                }
            }
        }
        if sizeY == 1 { return rows }

        // Column pass: centre, then symmetric pairs outwards, fused.
        var output = [Float](repeating: 0, count: width * height)
        output.withUnsafeMutableBufferPointer { out in
            rows.withUnsafeBufferPointer { rows in
                for y in 0..<height {
                    let sum = out.baseAddress! + y * width
                    let centre = rows.baseAddress! + y * width
                    let kc = kernelY[radiusY]
                    for x in 0..<width { sum[x] = kc * centre[x] }
                    for j in 1...radiusY {
                        let up = rows.baseAddress! + reflect101(y - j, height) * width
                        let down = rows.baseAddress! + reflect101(y + j, height) * width
                        let weight = Double(kernelY[radiusY + j])
                        for x in 0..<width {
                            let pair = up[x] + down[x]
                            sum[x] = Float(weight * Double(pair) + Double(sum[x]))
                        }
                    }
                }
            }
        }
        return output
    }
}
