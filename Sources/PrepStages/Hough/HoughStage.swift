import PrepImage

/// The hough condition (ControlNet's "Hough lines"/M-LSD model): straight segments found by the
/// classical pipeline of OpenCV's tutorial, drawn like the annotator draws them.
///
/// 1. `Canny.edges(image, canny_low, canny_high)` (defaults 50 / 200).
/// 2. `ProbabilisticHough.segments` (`cv2.HoughLinesP`) with `rho` pixels (1), `theta` degrees (1),
///    `threshold` votes (50), `min_line_length` (50) and `max_line_gap` (10); the two lengths are
///    given for a 512-pixel image and scaled by `min(width, height) / 512`, rounded to the nearest
///    integer (halves away from zero). `point_order` decides the order edge points are visited in:
///    `opencv` (default) is `cv2.HoughLinesP`'s own (its fixed-seed `cv::RNG`, restarted for every
///    image), so the segments equal OpenCV's exactly; `record` draws it from the record's
///    generator. Either way the output is deterministic. (With `record`, F1 against OpenCV's
///    drawing at 2 px is 0.83 to 0.99 on the Examples photos: the transform itself depends on the
///    order that much.)
/// 3. `LineRenderer.draw`: each segment as `cv2.line(out, p0, p1, 255, 1)` on black.
///
/// A record with fewer than `min_lines` segments (default 0: no limit) fails with
/// "found N lines, fewer than min_lines M" (ControlNet 1.1 kept images with more than 16 lines:
/// `min_lines = 17` reproduces that filter).
/// Parameter recorded: `lines` (`.int`), the number of segments drawn.
// reference: lllyasviel/ControlNet annotator/mlsd (cv2.line(img, p0, p1, 255, 1) per segment)
// reference: OpenCV tutorial "Hough Line Transform" (Canny(50, 200), HoughLinesP(1, pi/180, 50, 50, 10))
public struct HoughStage: ConditionStage {
    public let name = "hough"
    public let outputKind = ConditionKind.gray
    public let skippedParameters: [String: StageParameter] = ["lines": .int(0)]

    /// The resolution at which `minLineLength` and `maxLineGap` are given.
    public static let referenceSize = 512

    public var cannyLow = 50
    public var cannyHigh = 200
    public var rho = 1.0
    /// Angle resolution in degrees.
    public var thetaDegrees = 1.0
    public var threshold = 50
    public var minLineLength = 50
    public var maxLineGap = 10
    public var minLines = 0
    /// How edge points are ordered: OpenCV's fixed sequence, or the record's generator.
    public var pointOrder = PointOrder.opencv

    public enum PointOrder: String, Sendable { case opencv, record }

    public init() {}

    public var options: [(name: String, value: String)] {
        [
            ("canny_high", String(cannyHigh)),
            ("canny_low", String(cannyLow)),
            ("max_line_gap", String(maxLineGap)),
            ("min_line_length", String(minLineLength)),
            ("min_lines", String(minLines)),
            ("point_order", pointOrder.rawValue),
            ("rho", String(rho)),
            ("theta", String(thetaDegrees)),
            ("threshold", String(threshold)),
        ]
    }

    public mutating func setOption(_ name: String, to value: String) throws {
        switch name {
        case "canny_low": cannyLow = try StageOption.int(value, option: name, in: 0...CannyStage.largestMagnitude)
        case "canny_high": cannyHigh = try StageOption.int(value, option: name, in: 0...CannyStage.largestMagnitude)
        case "rho": rho = try StageOption.double(value, option: name, in: 0.1...100)
        case "theta": thetaDegrees = try StageOption.double(value, option: name, in: 0.01...90)
        case "threshold": threshold = try StageOption.int(value, option: name, in: 1...1_000_000)
        case "min_line_length": minLineLength = try StageOption.int(value, option: name, in: 0...100_000)
        case "max_line_gap": maxLineGap = try StageOption.int(value, option: name, in: 0...100_000)
        case "min_lines": minLines = try StageOption.int(value, option: name, in: 0...1_000_000)
        case "point_order":
            guard let order = PointOrder(rawValue: value) else {
                throw StageError("option point_order must be opencv or record (got '\(value)')")
            }
            pointOrder = order
        default:
            let names = options.map(\.name).joined(separator: ", ")
            throw StageError("stage hough has no option '\(name)'; options: \(names)")
        }
    }

    /// A length given at `referenceSize` scaled to an image whose shorter side is `shortSide`.
    public static func scaledLength(_ length: Int, shortSide: Int) -> Int {
        Int((Double(length) * Double(shortSide) / Double(referenceSize)).rounded())
    }

    /// The segments of one record (before drawing), in the configured point order.
    /// `shared`, when given, holds the record's Canny gradients and edge maps (`StageInput.shared`).
    public func segments(of image: Image, shared: SharedImageWork? = nil, random: inout RecordRandom) -> [LineSegment] {
        switch pointOrder {
        case .record:
            return segments(of: image, shared: shared, order: &random)
        case .opencv:
            var order = OpenCVRandom()
            return segments(of: image, shared: shared, order: &order)
        }
    }

    /// The segments with any point order (`OpenCVRandom` gives exactly OpenCV's).
    func segments<Order: HoughPointOrder>(of image: Image, shared: SharedImageWork? = nil, order: inout Order) -> [LineSegment] {
        let edges = shared?.cannyEdges(low: Double(cannyLow), high: Double(cannyHigh))
            ?? Canny.edges(image, low: Double(cannyLow), high: Double(cannyHigh))
        let shortSide = min(image.width, image.height)
        return ProbabilisticHough.segments(
            edges: edges, rho: rho, theta: thetaDegrees * .pi / 180, threshold: threshold,
            minLineLength: Self.scaledLength(minLineLength, shortSide: shortSide),
            maxLineGap: Self.scaledLength(maxLineGap, shortSide: shortSide),
            order: &order
        )
    }

    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        let found = segments(of: input.image, shared: input.shared, random: &random)
        if found.count < minLines {
            throw StageError("found \(found.count) lines, fewer than min_lines \(minLines)")
        }
        let drawing = LineRenderer.draw(found, width: input.image.width, height: input.image.height)
        return StageResult(condition: drawing, parameters: ["lines": .int(found.count)])
    }
}
