import PrepImage

/// The depth condition: the record's depth map (larger = nearer), resized and cropped exactly like
/// the image, kept at 16 bits (`KEY.depth.png`) for depth ControlNets. Loaders that want
/// ControlNet's 8-bit annotator output normalise it: `(d - min) / (max - min) * 255`, truncated
/// (annotator/midas/__init__.py); `depth_min` and `depth_max` are recorded for that.
public struct DepthStage: ConditionStage {
    public let name = "depth"
    public let needsDepth = true
    public let outputKind = ConditionKind.gray16
    public let skippedParameters: [String: StageParameter] = ["depth_min": .int(0), "depth_max": .int(0)]

    public init() {}

    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        guard let depth = input.depth else { throw StageError("no depth map") }
        let low = depth.values.min() ?? 0
        let high = depth.values.max() ?? 0
        return StageResult(
            condition: .depth(depth),
            parameters: ["depth_min": .int(Int(low)), "depth_max": .int(Int(high))])
    }
}
