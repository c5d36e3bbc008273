/// Every condition stage `prep` knows, by name, in the order they run and are written.
public enum StageCatalog {
    public static let names = ["canny", "hough", "scribble", "normal", "depth"]

    /// The stage called `name` with its default options, or an error listing the known names.
    public static func stage(named name: String) throws -> any ConditionStage {
        switch name {
        case "canny": return CannyStage()
        case "hough": return HoughStage()
        case "scribble": return ScribbleStage()
        case "normal": return NormalStage()
        case "depth": return DepthStage()
        default:
            throw StageError("unknown stage '\(name)'; known stages: \(names.joined(separator: ", "))")
        }
    }

    /// The stage called `name` with `options` (option name -> text value) applied over its defaults.
    public static func stage(named name: String, options: [String: String]) throws -> any ConditionStage {
        var stage = try stage(named: name)
        for (option, value) in options.sorted(by: { $0.key < $1.key }) {
            try stage.setOption(option, to: value)
        }
        return stage
    }
}
