/// 3x3 Sobel derivatives of a float image with BORDER_REFLECT_101 (OpenCV's default border):
/// dx = [-1 0 1] across x smoothed by [1 2 1] across y, dy the transpose. Float32, like
/// `cv2.Sobel(src, cv2.CV_32F, 1, 0, ksize=3)`.
// reference: OpenCV imgproc/src/deriv.cpp (Sobel, getSobelKernels), core BORDER_REFLECT_101
enum Sobel3x3 {
    static func gradients(_ image: [Float], width W: Int, height H: Int) -> (dx: [Float], dy: [Float]) {
        var dx = [Float](repeating: 0, count: W * H)
        var dy = [Float](repeating: 0, count: W * H)
        guard W > 0, H > 0 else { return (dx, dy) }
        // REFLECT_101: index -1 -> 1, n -> n - 2 (a 1-pixel side reflects onto itself).
        func reflect(_ i: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            if i < 0 { return -i }
            if i >= n { return 2 * n - 2 - i }
            return i
        }
        let left = (0..<W).map { reflect($0 - 1, W) }
        let right = (0..<W).map { reflect($0 + 1, W) }
        // Horizontal passes, then vertical, as OpenCV's separable filter does.
        var difference = [Float](repeating: 0, count: W * H)  // [-1 0 1] along x
        var smooth = [Float](repeating: 0, count: W * H)      // [1 2 1] along x
        image.withUnsafeBufferPointer { src in
            difference.withUnsafeMutableBufferPointer { diff in
                smooth.withUnsafeMutableBufferPointer { smooth in
                    for y in 0..<H {
                        let row = y * W
                        for x in 0..<W {
                            let l = src[row + left[x]], c = src[row + x], r = src[row + right[x]]
                            diff[row + x] = r - l
                            smooth[row + x] = (l + r) + 2 * c
                        }
                    }
                }
            }
        }
        difference.withUnsafeBufferPointer { diff in
            smooth.withUnsafeBufferPointer { smooth in
                dx.withUnsafeMutableBufferPointer { dx in
                    dy.withUnsafeMutableBufferPointer { dy in
                        for y in 0..<H {
                            let up = reflect(y - 1, H) * W, row = y * W, down = reflect(y + 1, H) * W
                            for x in 0..<W {
                                dx[row + x] = (diff[up + x] + diff[down + x]) + 2 * diff[row + x]
                                dy[row + x] = smooth[down + x] - smooth[up + x]
                            }
                        }
                    }
                }
            }
        }
        return (dx, dy)
    }
}
