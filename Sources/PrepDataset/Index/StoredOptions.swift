/// The output-defining options a dataset was built with, as stored in `meta.options`
/// (`name=value` lines, e.g. `image.resolution=512`, `stages.caption_dropout=0.5`).
public struct StoredOptions: Sendable {
    public let values: [String: String]

    public init(index: DatasetIndex) throws {
        var values: [String: String] = [:]
        for line in (try index.meta("options") ?? "").split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    /// The probability of caption dropout the build drew with (`--caption-dropout`).
    public var captionDropout: Double? { self["stages.caption_dropout"].flatMap(Double.init) }

    /// The short side of the records (`--resolution`).
    public var resolution: Int? { self["image.resolution"].flatMap { Int($0) } }
}
