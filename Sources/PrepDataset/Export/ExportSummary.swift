/// What `prep export` wrote, and how to train on it.
public struct ExportSummary: Sendable {
    public var output: String
    public var format: ExportFormat
    public var condition: String
    public var records: Int
    /// Records left out because their condition stage skipped them, by reason.
    public var skipped: [(reason: String, count: Int)]
    /// Captions written empty (`--bake-caption-dropout`).
    public var emptiedCaptions: Int
    /// The text printed after an export: the trainer command lines.
    public var instructions: String
}

extension ExportSummary {
    public var skippedCount: Int { skipped.reduce(0) { $0 + $1.count } }
}
