import PrepImage

/// The canny condition: `Canny.edges` (OpenCV's `cv2.Canny`) on the record's RGB image with
/// thresholds drawn per record, since ControlNet was trained on "Canny with random thresholds"
/// (no range was published).
///
/// The law, drawn from the record's generator in this order:
///
///     low  = uniform integer in `low`                          (default 50...150)
///     high = uniform integer in min(low + gap, high_max)...high_max   (defaults gap 50, high_max 255)
///
/// so `high >= low + gap` whenever that fits under `high_max`, else `high = high_max`. A `low`
/// range whose upper end exceeds `high_max` is refused when a record runs (options are set one at
/// a time, so the pair is checked only once both are known).
///
/// Options (text forms): `gap = "50"`, `high_max = "255"`, `low = "50..150"`. Parameters recorded:
/// `low`, `high` (`.int`).
// reference: lllyasviel/ControlNet annotator/canny/__init__.py (cv2.Canny(img, low, high) on RGB)
public struct CannyStage: ConditionStage {
    public let name = "canny"
    public let outputKind = ConditionKind.gray
    public let skippedParameters: [String: StageParameter] = ["low": .int(0), "high": .int(0)]

    /// The largest L1 gradient a 3x3 Sobel can give on 8-bit input (4 * 255 * 2): no threshold
    /// above it changes anything.
    public static let largestMagnitude = 2040

    /// Range of the low threshold.
    public var low: ClosedRange<Int> = 50...150
    /// Upper end of the high threshold.
    public var highMax = 255
    /// Preferred distance from low to high.
    public var gap = 50

    public init() {}

    public var options: [(name: String, value: String)] {
        [("gap", String(gap)), ("high_max", String(highMax)), ("low", StageOption.text(low))]
    }

    public mutating func setOption(_ name: String, to value: String) throws {
        let bounds = 0...Self.largestMagnitude
        switch name {
        case "low": low = try StageOption.intRange(value, option: "low", within: bounds)
        case "high_max": highMax = try StageOption.int(value, option: "high_max", in: bounds)
        case "gap": gap = try StageOption.int(value, option: "gap", in: bounds)
        default: throw StageError("stage canny has no option '\(name)'; options: gap, high_max, low")
        }
    }

    /// The two thresholds for one record, drawn by the documented law (low first).
    public func drawThresholds(random: inout RecordRandom) throws -> (low: Int, high: Int) {
        guard low.upperBound <= highMax else {
            throw StageError("option low (\(StageOption.text(low))) must not exceed high_max (\(highMax))")
        }
        let lowThreshold = random.uniform(in: low)
        let highThreshold = random.uniform(in: min(lowThreshold + gap, highMax)...highMax)
        return (lowThreshold, highThreshold)
    }

    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        let thresholds = try drawThresholds(random: &random)
        let edges = input.shared.cannyEdges(low: Double(thresholds.low), high: Double(thresholds.high))
        return StageResult(condition: edges, parameters: ["low": .int(thresholds.low), "high": .int(thresholds.high)])
    }
}
