/// Every condition stage `prep` knows, by name, in the order they run and are written.
public enum StageCatalog {
    public static let names = ["depth"]

    /// The stage called `name`, or an error listing the known names.
    public static func stage(named name: String) throws -> any ConditionStage {
        switch name {
        case "depth": return DepthStage()
        default:
            throw StageError("unknown stage '\(name)'; known stages: \(names.joined(separator: ", "))")
        }
    }
}
