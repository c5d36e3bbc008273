import PrepImage

/// The normal-map condition, from the record's depth map, as ControlNet's MiDaS annotator makes it.
///
/// With d the depth as float (larger = nearer): x = Sobel_x(d), y = Sobel_y(d) (3x3, float32,
/// BORDER_REFLECT_101), z = a; where the min-max normalised depth (d - min) / (max - min) is below
/// `background_threshold`, x = y = 0; n = (x, y, z) / |(x, y, z)|; each channel
/// `uint8(clip(n * 127.5 + 127.5, 0, 255))` (truncated), written in the order (z, y, x), so a flat
/// background is (255, 127, 127).
///
/// The annotator applies this to MiDaS's raw output, whose scale depends on the MiDaS model; a
/// depth PNG has lost it. `prep` reads 16-bit values v as d = v / 65535 * `depth_scale`
/// (default 255: an 8-bit depth map's units). Larger scales give stronger slopes.
// reference: lllyasviel/ControlNet annotator/midas/__init__.py (MidasDetector, normal branch)
// reference: huggingface/controlnet_aux src/controlnet_aux/midas/__init__.py (channel order z, y, x)
public struct NormalStage: ConditionStage {
    public let name = "normal"
    public let needsDepth = true
    public let outputKind = ConditionKind.rgb
    public let skippedParameters: [String: StageParameter] = ["background_fraction": .double(0)]

    /// z component before normalisation (`a` in the annotator).
    public var a: Double = 2 * Double.pi
    /// Normalised depth below this is background: flat normal (0.1 in the annotator, 0.4 in the app).
    public var backgroundThreshold: Double = 0.1
    /// Depth units of the full 16-bit range.
    public var depthScale: Double = 255

    public init() {}

    public var options: [(name: String, value: String)] {
        [("a", "\(a)"), ("background_threshold", "\(backgroundThreshold)"), ("depth_scale", "\(depthScale)")]
    }

    public mutating func setOption(_ name: String, to value: String) throws {
        switch name {
        case "a": a = try StageOption.double(value, option: "normal.a", in: 1e-6...1e6)
        case "background_threshold":
            backgroundThreshold = try StageOption.double(value, option: "normal.background_threshold", in: 0...1)
        case "depth_scale": depthScale = try StageOption.double(value, option: "normal.depth_scale", in: 1e-6...1e9)
        default: throw StageError("stage normal has no option '\(name)'; options: a, background_threshold, depth_scale")
        }
    }

    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        guard let depth = input.depth else { throw StageError("no depth map") }
        let (normal, background) = Self.normals(
            depth: depth, a: Float(a), backgroundThreshold: Float(backgroundThreshold), depthScale: Float(depthScale))
        let fraction = depth.values.isEmpty ? 0 : Double(background) / Double(depth.values.count)
        return StageResult(condition: .image(normal), parameters: ["background_fraction": .double(fraction)])
    }

    /// The normal map (RGB, channels z, y, x) and the count of background pixels.
    static func normals(depth: DepthMap, a: Float, backgroundThreshold: Float, depthScale: Float) -> (Image, Int) {
        let (W, H) = (depth.width, depth.height)
        let unit = depthScale / 65535
        let d = depth.values.map { Float($0) * unit }
        let low = d.min() ?? 0, high = d.max() ?? 0
        // numpy: depth -= min; depth /= max (of the shifted map); a flat map divides by zero and
        // compares NaN < t as false: no background.
        let range = high - low
        let (dx, dy) = Sobel3x3.gradients(d, width: W, height: H)
        var out = Image(width: W, height: H, channels: 3)
        var background = 0
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            dx.withUnsafeBufferPointer { dx in
                dy.withUnsafeBufferPointer { dy in
                    d.withUnsafeBufferPointer { d in
                        for i in 0..<(W * H) {
                            var x = dx[i], y = dy[i]
                            if range > 0, (d[i] - low) / range < backgroundThreshold {
                                x = 0
                                y = 0
                                background += 1
                            }
                            let length = ((x * x + y * y) + a * a).squareRoot()
                            pixels[3 * i] = Self.quantize(a / length)
                            pixels[3 * i + 1] = Self.quantize(y / length)
                            pixels[3 * i + 2] = Self.quantize(x / length)
                        }
                    }
                }
            }
        }
        return (out, background)
    }

    @inline(__always)
    static func quantize(_ n: Float) -> UInt8 {
        UInt8(min(max(n * 127.5 + 127.5, 0), 255))  // clip, then truncate like astype(uint8)
    }
}
