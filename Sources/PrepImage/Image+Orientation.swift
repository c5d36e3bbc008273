extension Image {
    /// The upright picture for pixels stored with EXIF `orientation`
    /// (orientations 5...8 swap width and height).
    public func applying(_ orientation: ExifOrientation) -> Image {
        if orientation == .normal { return self }
        let (w, h, c) = (width, height, channels)
        let (outWidth, outHeight) = orientation.swapsDimensions ? (h, w) : (w, h)
        var output = Image(width: outWidth, height: outHeight, channels: c)
        pixels.withUnsafeBufferPointer { input in
            output.pixels.withUnsafeMutableBufferPointer { out in
                var o = 0
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = orientation.storedPosition(ofUprightX: x, y: y, storedWidth: w, storedHeight: h)
                        let s = (sy * w + sx) * c
                        for k in 0..<c { out[o + k] = input[s + k] }
                        o += c
                    }
                }
            }
        }
        return output
    }
}
