import Testing
import PrepImage

/// `Image.applying(_:)` walks each output row with one stride; it must agree with
/// `ExifOrientation.storedPosition` pixel by pixel.
@Suite("Image orientation")
struct ImageOrientationTests {
    static func reference(_ image: Image, _ orientation: ExifOrientation) -> Image {
        let (w, h, c) = (image.width, image.height, image.channels)
        let (outWidth, outHeight) = orientation.swapsDimensions ? (h, w) : (w, h)
        var out = Image(width: outWidth, height: outHeight, channels: c)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (sx, sy) = orientation.storedPosition(ofUprightX: x, y: y, storedWidth: w, storedHeight: h)
                for k in 0..<c { out.pixels[(y * outWidth + x) * c + k] = image.pixels[(sy * w + sx) * c + k] }
            }
        }
        return out
    }

    @Test("every orientation matches storedPosition, gray and RGB, odd and degenerate sizes",
          arguments: ExifOrientation.allCases)
    func matchesReference(orientation: ExifOrientation) {
        for (w, h) in [(7, 5), (1, 6), (6, 1), (1, 1), (16, 9)] {
            for channels in [1, 3] {
                let image = randomImage(width: w, height: h, channels: channels, seed: UInt64(w * 31 + h))
                #expect(image.applying(orientation) == Self.reference(image, orientation),
                        "\(orientation) \(w)x\(h)x\(channels)")
            }
        }
    }
}
