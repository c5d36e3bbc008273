import Foundation
import PrepStages

/// `prep stats`: what a dataset holds, what failed and why, computed from its index.
public struct DatasetStats: Codable, Equatable, Sendable {
    public struct Distribution: Codable, Equatable, Sendable {
        public var count: Int
        public var min: Double
        public var median: Double
        public var mean: Double
        public var max: Double

        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            count = sorted.count
            min = sorted.first!
            max = sorted.last!
            mean = sorted.reduce(0, +) / Double(sorted.count)
            let middle = sorted.count / 2
            median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    public struct Reason: Codable, Equatable, Sendable {
        public var reason: String
        public var count: Int
        /// One full message of this category, to show what it looks like.
        public var example: String
    }

    public struct Stage: Codable, Equatable, Sendable {
        public var name: String
        public var ok: Int
        public var skipped: Int
        public var skipReasons: [Reason]
        /// Mean fraction of non-zero pixels of the conditions the stage produced (skips excluded).
        public var meanDensity: Double?
        public var parameters: [String: Distribution]
    }

    /// Repeated images (`--dedup`).
    public struct Duplicates: Codable, Equatable, Sendable {
        /// The `--dedup` mode of the build (nil: built before dedup existed).
        public var mode: String?
        /// Rows failed as exact duplicates (same image file sha256 as a kept record).
        public var exact: Int
        /// Rows failed as near duplicates (dHash within the build's distance).
        public var near: Int
        /// Ok records whose image file has the sha256 of an earlier ok record (only with `--dedup off`).
        public var keptWithSameSHA256: Int
    }

    public struct Run: Codable, Equatable, Sendable {
        public var command: String
        public var status: String
        public var startedAt: String
        public var records: Int
        public var seconds: Double?
        public var recordsPerSecond: Double?
    }

    public var dataset: String
    public var records: Int
    public var ok: Int
    public var failed: Int
    public var failedByReason: [Reason]
    public var captionsDropped: Int
    /// Realised dropout ratio over ok records.
    public var captionDropoutRatio: Double?
    public var captionDropoutProbability: Double?
    /// Caption lengths in characters, ok records.
    public var captionLength: Distribution?
    public var originalWidth: Distribution?
    public var originalHeight: Distribution?
    public var originalMegapixels: Distribution?
    public var stages: [Stage]
    public var duplicates: Duplicates
    public var shards: Int
    public var shardBytes: Int64
    public var lastRun: Run?

    /// Reads the stats of the dataset in `directory`.
    public static func read(directory: String) throws -> DatasetStats {
        let index = try DatasetIndex(path: directory + "/" + DatasetIndex.fileName, readOnly: true)
        defer { index.close() }

        var counts: [String: Int] = [:]
        for row in try index.query("SELECT status, COUNT(*) FROM samples GROUP BY status") {
            counts[row[0].string ?? ""] = row[1].int ?? 0
        }
        let failures = try index.query("SELECT error FROM samples WHERE status = 'failed'").compactMap { $0[0].string }
        let captions = try index.query("SELECT caption, caption_dropped FROM samples WHERE status = 'ok'")
        let dropped = captions.filter { $0[1].int == 1 }.count
        let sizes = try index.query("SELECT original_width, original_height FROM samples WHERE status = 'ok'")
        let widths = sizes.compactMap { $0[0].double }
        let heights = sizes.compactMap { $0[1].double }

        var stages: [Stage] = []
        // In the catalog's order (the members' order), unknown names last.
        let stageNames = try index.query("SELECT DISTINCT stage FROM stages ORDER BY stage").compactMap { $0[0].string }
            .sorted { (StageCatalog.names.firstIndex(of: $0) ?? Int.max, $0) < (StageCatalog.names.firstIndex(of: $1) ?? Int.max, $1) }
        for name in stageNames {
            let rows = try index.query("SELECT status, reason, density, parameters FROM stages WHERE stage = ?", .text(name))
            let ok = rows.filter { $0[0].string == "ok" }
            var parameterValues: [String: [Double]] = [:]
            for row in ok {
                guard let text = row[3].string,
                      let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
                for (parameter, value) in object {
                    if let number = value as? NSNumber { parameterValues[parameter, default: []].append(number.doubleValue) }
                }
            }
            let densities = ok.compactMap { $0[2].double }
            stages.append(Stage(
                name: name, ok: ok.count, skipped: rows.count - ok.count,
                skipReasons: Self.group(rows.filter { $0[0].string == "skipped" }.compactMap { $0[1].string }),
                meanDensity: densities.isEmpty ? nil : densities.reduce(0, +) / Double(densities.count),
                parameters: parameterValues.compactMapValues(Distribution.init)))
        }

        let failureGroups = group(failures)
        let keptWithSameSHA256 = try index.query("""
            SELECT COUNT(source_sha256) - COUNT(DISTINCT source_sha256) FROM samples WHERE status = 'ok'
            """).first?[0].int ?? 0
        let duplicates = Duplicates(
            mode: try StoredOptions(index: index)["dedup.mode"],
            exact: failureGroups.first { $0.reason == "duplicate" }?.count ?? 0,
            near: failureGroups.first { $0.reason == "near duplicate" }?.count ?? 0,
            keptWithSameSHA256: keptWithSameSHA256)

        let shardRow = try index.query("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM shards").first
        var lastRun: Run?
        if let row = try index.query(
            "SELECT command, status, started_at, records_ok + records_failed, seconds FROM runs ORDER BY id DESC LIMIT 1").first {
            let records = row[3].int ?? 0
            let seconds = row[4].double
            lastRun = Run(
                command: row[0].string ?? "", status: row[1].string ?? "", startedAt: row[2].string ?? "",
                records: records, seconds: seconds,
                recordsPerSecond: seconds.flatMap { $0 > 0 ? Double(records) / $0 : nil })
        }
        let probability = try index.meta("options").flatMap { options in
            options.split(separator: "\n").first { $0.hasPrefix("stages.caption_dropout=") }
                .flatMap { Double($0.dropFirst("stages.caption_dropout=".count)) }
        }

        return DatasetStats(
            dataset: directory,
            records: counts.values.reduce(0, +),
            ok: counts["ok"] ?? 0,
            failed: counts["failed"] ?? 0,
            failedByReason: failureGroups,
            captionsDropped: dropped,
            captionDropoutRatio: captions.isEmpty ? nil : Double(dropped) / Double(captions.count),
            captionDropoutProbability: probability,
            captionLength: Distribution(captions.compactMap { $0[0].string.map { Double($0.count) } }),
            originalWidth: Distribution(widths),
            originalHeight: Distribution(heights),
            originalMegapixels: Distribution(zip(widths, heights).map { $0 * $1 / 1e6 }),
            stages: stages,
            duplicates: duplicates,
            shards: shardRow?[0].int ?? 0,
            shardBytes: Int64(shardRow?[1].int ?? 0),
            lastRun: lastRun)
    }

    /// Messages grouped by category (text before the first ": "), most frequent first.
    static func group(_ messages: [String]) -> [Reason] {
        var groups: [String: (count: Int, example: String)] = [:]
        for message in messages {
            let category = RecordFailure.category(of: message)
            groups[category, default: (0, message)].count += 1
        }
        return groups.map { Reason(reason: $0.key, count: $0.value.count, example: $0.value.example) }
            .sorted { ($0.count, $1.reason) > ($1.count, $0.reason) }
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The readable report.
    public func table() -> String {
        var lines: [String] = []
        func add(_ label: String, _ value: String) {
            lines.append(label.padding(toLength: 22, withPad: " ", startingAt: 0) + value)
        }
        func describe(_ d: Distribution?, _ format: String = "%.0f") -> String {
            guard let d else { return "-" }
            return "min \(String(format: format, d.min))  median \(String(format: format, d.median))  "
                + "mean \(String(format: format, d.mean))  max \(String(format: format, d.max))"
        }
        lines.append("dataset \(dataset)")
        add("records", "\(records): \(ok) ok, \(failed) failed")
        for reason in failedByReason {
            add("  failed", "\(reason.count) × \(reason.reason)   e.g. \(reason.example)")
        }
        if let ratio = captionDropoutRatio {
            let expected = captionDropoutProbability.map { String(format: " (probability %.2f)", $0) } ?? ""
            add("caption dropout", String(format: "%d of %d dropped = %.1f%%", captionsDropped, ok, ratio * 100) + expected)
        }
        add("caption length", describe(captionLength) + " characters")
        add("original width", describe(originalWidth))
        add("original height", describe(originalHeight))
        add("original megapixels", describe(originalMegapixels, "%.2f"))
        for stage in stages {
            let density = stage.meanDensity.map { String(format: "mean density %.4f", $0) } ?? "no condition produced"
            add("stage \(stage.name)", "\(stage.ok) ok, \(stage.skipped) skipped, \(density)")
            for reason in stage.skipReasons {
                add("  skipped", "\(reason.count) × \(reason.reason)   e.g. \(reason.example)")
            }
            for (name, distribution) in stage.parameters.sorted(by: { $0.key < $1.key }) {
                add("  \(name)", describe(distribution, "%.4g"))
            }
        }
        add("duplicates", "dedup \(duplicates.mode ?? "unknown"): \(duplicates.exact) failed as exact, \(duplicates.near) as near duplicates; "
            + "\(duplicates.keptWithSameSHA256) ok records repeat an earlier one's image sha256")
        add("shards", "\(shards), \(Self.bytes(shardBytes))")
        if let run = lastRun {
            var text = "\(run.command), \(run.status), \(run.records) records, started \(run.startedAt)"
            if let seconds = run.seconds { text += String(format: ", %.1f s", seconds) }
            if let rate = run.recordsPerSecond { text += String(format: ", %.1f records/s", rate) }
            add("last run", text)
        }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f ", value) + units[unit]
    }
}
