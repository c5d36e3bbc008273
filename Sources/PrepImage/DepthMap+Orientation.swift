extension DepthMap {
    /// The upright depth map for values stored with EXIF `orientation`.
    public func applying(_ orientation: ExifOrientation) -> DepthMap {
        if orientation == .normal { return self }
        let (w, h) = (width, height)
        let (outWidth, outHeight) = orientation.swapsDimensions ? (h, w) : (w, h)
        var out = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                var o = 0
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = orientation.storedPosition(ofUprightX: x, y: y, storedWidth: w, storedHeight: h)
                        output[o] = input[sy * w + sx]
                        o += 1
                    }
                }
            }
        }
        return DepthMap(width: outWidth, height: outHeight, values: out)
    }
}
