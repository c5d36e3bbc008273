import Foundation

/// `prep merge OUT DIR...`: joins the datasets of a distributed build (`prep build --part i/N`)
/// into one. Checks that every part was built from the same source with the same options and that
/// all N parts are there and complete; links (or copies) every shard under a new name, rewrites
/// the index rows to those names, and refuses records present in two parts. The result has a
/// whole build's fingerprint: a `prep build` of the same source and options calls it up to date.
/// It is written in `OUT.partial` and renamed into place when complete.
public struct DatasetMerger {
    public let output: String
    public let inputs: [String]

    public init(output: String, inputs: [String]) {
        self.output = output
        self.inputs = inputs
    }

    public struct Summary: Sendable {
        public var parts = 0
        public var shards = 0
        public var ok = 0
        public var failed = 0
    }

    public func run() throws -> Summary {
        guard !inputs.isEmpty else { throw DatasetError("prep merge needs at least one dataset folder") }
        if FileSystem.exists(output) {
            throw DatasetError("\(output) exists: prep merge writes a new dataset; remove it or choose another OUT")
        }
        let parts = try inputs.map(Part.init(directory:)).sorted { $0.part.index < $1.part.index }
        try check(parts)

        let staging = output + ".partial"
        if FileSystem.exists(staging) { try FileManager.default.removeItem(atPath: staging) }
        try FileSystem.createDirectory(staging + "/shards")
        let index = try DatasetIndex(path: staging + "/" + DatasetIndex.fileName, create: true)
        let options = parts[0].optionsWithoutPart
        let fingerprint = SHA256.hexHash(Array(("prep-build-1\n" + options).utf8))
        try index.setMeta("fingerprint", fingerprint)
        try index.setMeta("options", options)
        let manifest = parts[0].manifest.replacingOccurrences(
            of: "part = \"\(parts[0].part)\"", with: "part = \"\(BuildPart.whole)\"")
        try index.setMeta("manifest", manifest)
        let runID = try index.beginRun(fingerprint: fingerprint, command: "merge")

        let clock = Date()
        var summary = Summary(parts: parts.count)
        for part in parts {
            // ATTACH and DETACH cannot run inside a transaction; the part's rows go in one.
            try index.database.run("ATTACH DATABASE ? AS part", .text(part.directory + "/" + DatasetIndex.fileName))
            do {
                try index.database.transaction {
                    try merge(part, into: index, staging: staging, runID: runID, summary: &summary)
                }
            } catch {
                try? index.database.execute("DETACH DATABASE part")
                throw error
            }
            try index.database.execute("DETACH DATABASE part")
        }
        let totals = try index.query("SELECT SUM(status = 'ok'), SUM(status = 'failed') FROM samples").first
        summary.ok = totals?[0].int ?? 0
        summary.failed = totals?[1].int ?? 0
        try index.finishRun(runID, status: "complete", ok: summary.ok, failed: summary.failed,
                            seconds: Date().timeIntervalSince(clock))
        try index.closeForRest()
        let file = try OutputFile(path: staging + "/manifest.toml")
        try file.write(Array(manifest.utf8))
        try file.sync()
        try file.close()
        try FileSystem.syncDirectory(staging + "/shards")
        try FileSystem.rename(staging, output)
        return summary
    }

    /// One input dataset.
    struct Part {
        let directory: String
        let part: BuildPart
        let optionsWithoutPart: String
        let manifest: String

        init(directory: String) throws {
            let index = try DatasetIndex(path: directory + "/" + DatasetIndex.fileName, readOnly: true)
            defer { index.close() }
            guard index.schemaVersion == IndexSchema.version else {
                throw DatasetError("\(directory) has index schema version \(index.schemaVersion): run its `prep build` command "
                    + "once more (it upgrades the index in place and does nothing else) before merging")
            }
            guard try index.lastRunStatus() == "complete" else {
                throw DatasetError("\(directory) is not a complete build: finish it with the same `prep build` command first")
            }
            let lines = (try index.meta("options") ?? "").split(separator: "\n").map(String.init)
            let partLine = lines.first { $0.hasPrefix("output.part=") }
            part = try partLine.map { try BuildPart(parsing: String($0.dropFirst("output.part=".count))) } ?? .whole
            optionsWithoutPart = lines.filter { !$0.hasPrefix("output.part=") }.joined(separator: "\n")
            manifest = try index.meta("manifest") ?? ""
            self.directory = directory
        }
    }

    private func check(_ parts: [Part]) throws {
        let first = parts[0]
        for other in parts.dropFirst() where other.optionsWithoutPart != first.optionsWithoutPart {
            let mine = Set(first.optionsWithoutPart.split(separator: "\n"))
            let differing = other.optionsWithoutPart.split(separator: "\n").filter { !mine.contains($0) }
            throw DatasetError("""
                \(other.directory) was built from another source or with other options than \(first.directory): \
                \(differing.map { String($0) }.joined(separator: ", "))
                """)
        }
        let count = first.part.count
        if let odd = parts.first(where: { $0.part.count != count }) {
            throw DatasetError("\(odd.directory) is part \(odd.part), \(first.directory) is part \(first.part): parts of one build share N")
        }
        var seen: [Int: String] = [:]
        for part in parts {
            if let earlier = seen[part.part.index] {
                throw DatasetError("\(part.directory) and \(earlier) are both part \(part.part)")
            }
            seen[part.part.index] = part.directory
        }
        let missing = (0..<count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw DatasetError("parts missing: \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")): merge all \(count) parts of the build")
        }
    }

    private func merge(_ part: Part, into index: DatasetIndex, staging: String, runID: Int, summary: inout Summary) throws {
        let database = index.database
        try database.execute("CREATE TEMP TABLE IF NOT EXISTS shard_map (old TEXT PRIMARY KEY, new TEXT NOT NULL); DELETE FROM shard_map;")

        for row in try index.query("SELECT name, records, bytes, sha256 FROM part.shards ORDER BY name") {
            guard let name = row[0].string else { continue }
            let newName = ShardWriter.name(ofShard: summary.shards)
            summary.shards += 1
            try FileSystem.linkOrCopy(part.directory + "/shards/" + name, to: staging + "/shards/" + newName)
            try database.run("INSERT INTO shard_map(old, new) VALUES (?, ?)", .text(name), .text(newName))
            try database.run(
                "INSERT INTO shards(name, records, bytes, sha256, run) VALUES (?, ?, ?, ?, ?)",
                .text(newName), row[1], row[2], row[3], .integer(Int64(runID)))
        }

        let duplicates = try index.query("""
            SELECT p.key, p.source_row FROM part.samples p JOIN main.samples m
            ON p.key = m.key OR p.source_row = m.source_row LIMIT 5
            """)
        if !duplicates.isEmpty {
            let keys = duplicates.map { $0[0].string ?? "row \($0[1].int ?? -1)" }.joined(separator: ", ")
            throw DatasetError("\(part.directory) holds records another part also holds (\(keys)): merge refuses duplicates")
        }
        try database.execute("""
            INSERT INTO main.samples(source_row, key, image_path, depth_path, caption, caption_dropped, width, height,
                original_width, original_height, source_sha256, dhash, status, error, shard)
            SELECT s.source_row, s.key, s.image_path, s.depth_path, s.caption, s.caption_dropped, s.width, s.height,
                s.original_width, s.original_height, s.source_sha256, s.dhash, s.status, s.error, m.new
            FROM part.samples s LEFT JOIN shard_map m ON m.old = s.shard;
            INSERT INTO main.members(key, member, shard, offset, size)
            SELECT r.key, r.member, m.new, r.offset, r.size FROM part.members r JOIN shard_map m ON m.old = r.shard;
            INSERT INTO main.stages(key, stage, status, reason, density, parameters)
            SELECT key, stage, status, reason, density, parameters FROM part.stages;
            """)
    }
}
