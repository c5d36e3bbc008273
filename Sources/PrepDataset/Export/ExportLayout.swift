/// Where an export puts a record's files and what its metadata line says: one conforming type per
/// `ExportFormat`. Paths are relative to the export folder.
protocol ExportLayout: Sendable {
    /// The JSON Lines file that lists the records.
    var metadataFileName: String { get }
    /// Folders the record files go into.
    var folders: [String] { get }
    func imagePath(of record: ExportRecord) -> String
    func conditionPath(of record: ExportRecord) -> String
    /// One JSON object (no newline) naming the record's files and its caption `text`.
    func metadataLine(for record: ExportRecord, text: String) -> String
}
