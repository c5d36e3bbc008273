/// Turning decoded samples of any layout into the two layouts the library hands out:
/// 8-bit RGB (`Image`) and 16-bit gray (`DepthMap`). Hot loops over unsafe buffers.
enum ColorConversion {
    /// 8-bit gray, gray+alpha, RGB, RGBA (alpha composited on white, see `AlphaCompositing`)
    /// or inverted CMYK (`invertedCMYK`, 4 channels) to 8-bit RGB.
    static func rgb8(from samples: [UInt8], pixelCount: Int, channels: Int, invertedCMYK: Bool = false) -> [UInt8] {
        if channels == 3 { return samples }
        if pixelCount == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { output, initialized in
            samples.withUnsafeBufferPointer { input in
                rgb8(from: input.baseAddress!, into: output.baseAddress!, pixelCount: pixelCount, channels: channels,
                     invertedCMYK: invertedCMYK)
            }
            initialized = pixelCount * 3
        }
    }

    /// `rgb8` on raw memory: `pixelCount` pixels of `channels` samples at `input` to RGB at
    /// `output` (a row at a time when decoding streams, see `StreamingResize`).
    static func rgb8(from input: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<UInt8>, pixelCount: Int,
                     channels: Int, invertedCMYK: Bool = false) {
        switch channels {
        case 1:
            for i in 0..<pixelCount {
                let v = input[i]
                output[3 * i] = v; output[3 * i + 1] = v; output[3 * i + 2] = v
            }
        case 2:
            for i in 0..<pixelCount {
                let v = AlphaCompositing.overWhite(input[2 * i], alpha: input[2 * i + 1])
                output[3 * i] = v; output[3 * i + 1] = v; output[3 * i + 2] = v
            }
        case 3:
            output.update(from: input, count: pixelCount * 3)
        case 4 where invertedCMYK:
            // Adobe (Photoshop) CMYK JPEGs store every ink inverted: 255 = no ink.
            // With inverted values C', M', Y', K':  R = C' * K' / 255, G = M' * K' / 255,
            // B = Y' * K' / 255, rounded half up — the multiplicative conversion
            // Pillow also uses (its R = (255 - K) - (C * (255 - K)) / 255 is the same
            // product written in non-inverted ink values). No ICC profile is applied.
            for i in 0..<pixelCount {
                let k = Int(input[4 * i + 3])
                output[3 * i] = UInt8((Int(input[4 * i]) * k + 127) / 255)
                output[3 * i + 1] = UInt8((Int(input[4 * i + 1]) * k + 127) / 255)
                output[3 * i + 2] = UInt8((Int(input[4 * i + 2]) * k + 127) / 255)
            }
        case 4:
            for i in 0..<pixelCount {
                let a = input[4 * i + 3]
                output[3 * i] = AlphaCompositing.overWhite(input[4 * i], alpha: a)
                output[3 * i + 1] = AlphaCompositing.overWhite(input[4 * i + 1], alpha: a)
                output[3 * i + 2] = AlphaCompositing.overWhite(input[4 * i + 2], alpha: a)
            }
        default:
            preconditionFailure("no 8-bit layout with \(channels) channels")
        }
    }

    /// 16-bit gray from 16-bit samples of 1...4 channels. Alpha is ignored (a depth map has
    /// no transparency). Color becomes gray by Rec. 601 luma on the 16-bit values:
    ///
    ///     gray = (299 * R + 587 * G + 114 * B + 500) / 1000
    ///
    /// (the weights of Pillow's "L" conversion and of OpenCV's RGB2GRAY).
    static func gray16(from samples: [UInt16], pixelCount: Int, channels: Int) -> [UInt16] {
        if channels == 1 { return samples }
        var out = [UInt16](repeating: 0, count: pixelCount)
        samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                switch channels {
                case 2:
                    for i in 0..<pixelCount { output[i] = input[2 * i] }
                case 3, 4:
                    for i in 0..<pixelCount {
                        let p = channels * i
                        output[i] = luma(input[p], input[p + 1], input[p + 2])
                    }
                default:
                    preconditionFailure("no 16-bit layout with \(channels) channels")
                }
            }
        }
        return out
    }

    /// 8-bit samples widened to 16 bits by v * 257 (0 -> 0, 255 -> 65535, exact inverse of
    /// rounding v16 * 255 / 65535).
    static func widen(_ samples: [UInt8]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: samples.count)
        samples.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                for i in 0..<input.count { output[i] = UInt16(input[i]) &* 257 }
            }
        }
        return out
    }

    @inline(__always)
    static func luma(_ r: UInt16, _ g: UInt16, _ b: UInt16) -> UInt16 {
        let weighted: Int = 299 * Int(r) + 587 * Int(g) + 114 * Int(b)
        return UInt16((weighted + 500) / 1000)
    }
}
