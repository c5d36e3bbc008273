import PrepImage

/// dHash ("difference hash"), a 64-bit perceptual hash: the picture reduced to 9x8 gray cells
/// (the mean luma of each cell's pixels), and per row one bit for each of the 8 neighbouring
/// pairs: 1 when the left cell is brighter than the right one. Bit 63 is row 0, pair 0; the bits
/// run row-major. Resizing, recompression and small colour changes move a few bits; different
/// pictures differ in about half of them.
///
/// Cells: column i covers x in [i*W/9, (i+1)*W/9) (integer division, at least one pixel), row j
/// covers y in [j*H/8, (j+1)*H/8); luma is 299 R + 587 G + 114 B (ITU-R BT.601, times 1000).
/// Means are compared exactly, as cross products of integer sums.
/// reference: N. Krawetz, "Kind of Like That", The Hacker Factor Blog, 2013 (dHash).
public enum PerceptualHash {
    public static let columns = 9
    public static let rows = 8

    public static func dHash(_ image: Image) -> UInt64 {
        precondition(image.width > 0 && image.height > 0, "cannot hash an empty \(image.width)x\(image.height) image")
        let xRanges = (0..<columns).map { cellRange($0, count: columns, size: image.width) }
        var sums = [Int](repeating: 0, count: columns * rows)
        var counts = [Int](repeating: 0, count: columns * rows)
        var rowLuma = [Int](repeating: 0, count: image.width)
        image.pixels.withUnsafeBufferPointer { pixels in
            for j in 0..<rows {
                for y in cellRange(j, count: rows, size: image.height) {
                    let start = y * image.width * image.channels
                    if image.channels == 3 {
                        for x in 0..<image.width {
                            let p = start + x * 3
                            rowLuma[x] = 299 * Int(pixels[p]) + 587 * Int(pixels[p + 1]) + 114 * Int(pixels[p + 2])
                        }
                    } else {
                        for x in 0..<image.width { rowLuma[x] = 1000 * Int(pixels[start + x * image.channels]) }
                    }
                    for i in 0..<columns {
                        var sum = 0
                        for x in xRanges[i] { sum += rowLuma[x] }
                        sums[j * columns + i] += sum
                        counts[j * columns + i] += xRanges[i].count
                    }
                }
            }
        }
        var hash: UInt64 = 0
        for j in 0..<rows {
            for i in 0..<(columns - 1) {
                let left = j * columns + i, right = left + 1
                // mean(left) > mean(right), exactly.
                let brighter = sums[left] * counts[right] > sums[right] * counts[left]
                hash = hash << 1 | (brighter ? 1 : 0)
            }
        }
        return hash
    }

    /// The pixels of cell `index` of `count` along a side of `size` pixels: [index*size/count,
    /// (index+1)*size/count), at least one pixel (sides shorter than the cell count repeat pixels).
    public static func cellRange(_ index: Int, count: Int, size: Int) -> Range<Int> {
        let start = min(index * size / count, size - 1)
        return start..<max((index + 1) * size / count, start + 1)
    }

    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// 16 lowercase hex digits, as stored in `samples.dhash`.
    public static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func parse(hex: String) -> UInt64? {
        hex.count == 16 ? UInt64(hex, radix: 16) : nil
    }
}
