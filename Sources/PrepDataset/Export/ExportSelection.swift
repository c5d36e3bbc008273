import PrepStages

/// Which records of a dataset an export (or a trainer) can use for one condition: the `ok`
/// records whose condition stage ran. A record whose stage was skipped (no depth map, ...) holds
/// an all-black placeholder, which would teach a ControlNet to ignore its input: it is left out
/// and counted.
public struct ExportSelection: Sendable {
    public let condition: String
    public let records: [ExportRecord]
    /// Records left out because their stage skipped them, by skip reason.
    public let skipped: [(reason: String, count: Int)]
    public var skippedCount: Int { skipped.reduce(0) { $0 + $1.count } }

    /// Reads the selection from the index. `condition` nil picks the dataset's only stage.
    public init(index: DatasetIndex, directory: String, condition: String?) throws {
        // In the catalog's order (the members' order), unknown names last.
        let stages = try index.query("SELECT DISTINCT stage FROM stages ORDER BY stage").compactMap { $0[0].string }
            .sorted { (StageCatalog.names.firstIndex(of: $0) ?? Int.max, $0) < (StageCatalog.names.firstIndex(of: $1) ?? Int.max, $1) }
        let condition = try Self.resolve(condition, available: stages, directory: directory)
        let imageMembers = try index.query(
            "SELECT DISTINCT member FROM members WHERE member IN ('jpg', 'png') ORDER BY member").compactMap { $0[0].string }
        guard let imageMember = imageMembers.first else {
            throw DatasetError("the dataset in \(directory) has no image members: no record was built (see `prep stats \(directory)`)")
        }
        var records: [ExportRecord] = []
        var skipped: [String: Int] = [:]
        let rows = try index.query("""
            SELECT s.key, s.caption, s.caption_dropped, st.status, st.reason
            FROM samples s JOIN stages st ON st.key = s.key AND st.stage = ?
            WHERE s.status = 'ok' ORDER BY s.source_row
            """, .text(condition))
        for row in rows {
            guard let key = row[0].string else { continue }
            if row[3].string != "ok" {
                skipped[row[4].string ?? "skipped", default: 0] += 1
                continue
            }
            records.append(ExportRecord(
                key: key, caption: row[1].string ?? "", captionDropped: row[2].int == 1,
                imageMember: imageMember, conditionMember: condition + ".png"))
        }
        self.condition = condition
        self.records = records
        self.skipped = skipped.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    /// The condition to export: the one asked for, which the dataset must have, or its only one.
    static func resolve(_ condition: String?, available: [String], directory: String) throws -> String {
        guard !available.isEmpty else {
            throw DatasetError("the dataset in \(directory) has no condition stages: build it with --stages (e.g. --stages canny)")
        }
        guard let condition else {
            if available.count == 1 { return available[0] }
            throw DatasetError("the dataset in \(directory) has several conditions (\(available.joined(separator: ", "))): choose one with --condition")
        }
        guard available.contains(condition) else {
            throw DatasetError("unknown condition '\(condition)': the dataset in \(directory) has \(available.joined(separator: ", "))")
        }
        return condition
    }
}
