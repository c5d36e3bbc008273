import PrepImage

/// The depth condition: the record's depth map (larger = nearer), min-max normalised to 8-bit
/// gray, as ControlNet's MiDaS annotator returns it for its depth model.
// reference: lllyasviel/ControlNet annotator/midas/__init__.py (depth -= min; depth /= max; * 255, clip, uint8)
public struct DepthStage: ConditionStage {
    public let name = "depth"
    public let needsDepth = true
    public let outputChannels = 1
    public let skippedParameters: [String: StageParameter] = ["depth_min": .int(0), "depth_max": .int(0)]

    public init() {}

    public func run(_ input: StageInput, random: inout RecordRandom) throws -> StageResult {
        guard let depth = input.depth else { throw StageError("no depth map") }
        var low = UInt16.max, high = UInt16.min
        for value in depth.values {
            low = min(low, value)
            high = max(high, value)
        }
        var condition = Image(width: depth.width, height: depth.height, channels: 1)
        if high > low {
            let scale = 255.0 / Double(high - low)
            condition.pixels.withUnsafeMutableBufferPointer { out in
                depth.values.withUnsafeBufferPointer { values in
                    for i in 0..<values.count {
                        // numpy's astype(uint8) after clip truncates toward zero.
                        out[i] = UInt8(min(255.0, Double(values[i] - low) * scale))
                    }
                }
            }
        }
        return StageResult(
            condition: condition,
            parameters: ["depth_min": .int(Int(low)), "depth_max": .int(Int(high))]
        )
    }
}
