import PrepImage

extension Canny {
    /// The slow, obviously correct sibling of `edges`: the same definition written with plain
    /// loops, `Int` arithmetic, clamped coordinates and a worklist flood fill. Tests require the
    /// two to agree on every pixel.
    // reference: opencv/opencv modules/imgproc/src/canny.cpp (cv::Canny)
    static func referenceEdges(_ image: Image, low: Double, high: Double) -> Image {
        let width = image.width, height = image.height, channels = image.channels
        var output = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return output }
        let thresholds = integerThresholds(low: low, high: high)

        func sample(_ x: Int, _ y: Int, _ c: Int) -> Int {
            let cx = min(max(x, 0), width - 1), cy = min(max(y, 0), height - 1)  // BORDER_REPLICATE
            return Int(image.pixels[(cy * width + cx) * channels + c])
        }

        // Sobel per channel, then the channel with the largest |dx| + |dy| (first wins ties).
        var magnitude = [Int](repeating: 0, count: width * height)
        var gradientX = [Int](repeating: 0, count: width * height)
        var gradientY = [Int](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var best = -1
                for c in 0..<channels {
                    let dx = (sample(x + 1, y - 1, c) + 2 * sample(x + 1, y, c) + sample(x + 1, y + 1, c))
                        - (sample(x - 1, y - 1, c) + 2 * sample(x - 1, y, c) + sample(x - 1, y + 1, c))
                    let dy = (sample(x - 1, y + 1, c) + 2 * sample(x, y + 1, c) + sample(x + 1, y + 1, c))
                        - (sample(x - 1, y - 1, c) + 2 * sample(x, y - 1, c) + sample(x + 1, y - 1, c))
                    let m = abs(dx) + abs(dy)
                    if m > best {
                        best = m
                        gradientX[y * width + x] = dx
                        gradientY[y * width + x] = dy
                    }
                }
                magnitude[y * width + x] = best
            }
        }
        func magnitudeAt(_ x: Int, _ y: Int) -> Int {
            guard x >= 0, x < width, y >= 0, y < height else { return 0 }
            return magnitude[y * width + x]
        }

        // Non-maximum suppression with the fixed-point tangents, then the two thresholds.
        var isCandidate = [Bool](repeating: false, count: width * height)
        var seeds: [Int] = []
        for y in 0..<height {
            for x in 0..<width {
                let m = magnitude[y * width + x]
                guard m > thresholds.low else { continue }
                let dx = gradientX[y * width + x], dy = gradientY[y * width + x]
                let scaledY = abs(dy) * (1 << 15)
                let tan22X = abs(dx) * tangent22Fixed
                let tan67X = tan22X + abs(dx) * (1 << 16)
                let survives: Bool
                if scaledY < tan22X {
                    survives = m > magnitudeAt(x - 1, y) && m >= magnitudeAt(x + 1, y)
                } else if scaledY > tan67X {
                    survives = m > magnitudeAt(x, y - 1) && m >= magnitudeAt(x, y + 1)
                } else {
                    let s = (dx < 0) != (dy < 0) ? -1 : 1
                    survives = m > magnitudeAt(x - s, y - 1) && m > magnitudeAt(x + s, y + 1)
                }
                guard survives else { continue }
                isCandidate[y * width + x] = true
                if m > thresholds.high { seeds.append(y * width + x) }
            }
        }

        // Hysteresis: flood fill over 8-connected candidates from every seed.
        var isEdge = [Bool](repeating: false, count: width * height)
        var worklist: [Int] = []
        for seed in seeds where !isEdge[seed] {
            isEdge[seed] = true
            worklist.append(seed)
            while let index = worklist.popLast() {
                let x = index % width, y = index / width
                for ny in (y - 1)...(y + 1) {
                    for nx in (x - 1)...(x + 1) where nx >= 0 && nx < width && ny >= 0 && ny < height {
                        let neighbour = ny * width + nx
                        if isCandidate[neighbour] && !isEdge[neighbour] {
                            isEdge[neighbour] = true
                            worklist.append(neighbour)
                        }
                    }
                }
            }
        }
        for i in 0..<(width * height) where isEdge[i] { output.pixels[i] = 255 }
        return output
    }
}
