// ImageTensor: a decoded picture as the float planes the model reads.
//   resized: center crop to a square R x R (PrepImage's `ResizeGeometry` + `Resizer`: area
//            averaging to shrink, Lanczos-4 to enlarge, as `prep build`), skipped when already R x R
//   planes:  CHW floats, value * scale + offset ([-1, 1] for images, [0, 1] for conditions);
//            a gray picture is replicated into the three channels
//   latents: the image planes pixel-unshuffled by 4 (torch `pixel_unshuffle`: output channel
//            c * 16 + i * 4 + j holds input pixel (4y + i, 4x + j) of channel c)
import PrepImage
import PrepNN

public enum ImageTensor {
    /// `image` as an R x R square, center-cropped.
    public static func resized(_ image: Image, to resolution: Int) -> Image {
        if image.width == resolution && image.height == resolution { return image }
        let geometry = ResizeGeometry(sourceWidth: image.width, sourceHeight: image.height, resolution: resolution, crop: .center)
        return Resizer.resize(image, to: geometry)
    }

    /// [3, H, W] planes of `value * scale + offset`.
    public static func planes(_ image: Image, scale: Float, offset: Float) -> [Float] {
        let (H, W, channels) = (image.height, image.width, image.channels)
        let plane = H * W
        var out = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBufferPointer { out in
                for p in 0..<plane {
                    for c in 0..<3 {
                        let source = channels >= 3 ? pixels[p * channels + c] : pixels[p * channels]
                        out[c * plane + p] = Float(source) * scale + offset
                    }
                }
            }
        }
        return out
    }

    /// The model's latent of a picture: resized to R x R, scaled to [-1, 1], unshuffled by 4 ->
    /// [48, R/4, R/4].
    public static func latents(_ image: Image, resolution: Int) -> [Float] {
        let square = resized(image, to: resolution)
        let planes = planes(square, scale: 1 / 127.5, offset: -1)
        return PixelShuffle.unshuffle(Tensor(shape: [1, 3, resolution, resolution], values: planes), factor: 4).values
    }

    /// A condition picture: resized to R x R, scaled to [0, 1] -> [3, R, R].
    public static func condition(_ image: Image, resolution: Int) -> [Float] {
        planes(resized(image, to: resolution), scale: 1 / 255, offset: 0)
    }
}
