import Foundation

/// `DIR/index.sqlite`: what the dataset holds. Written only in whole commits (one transaction per
/// shard, committed after the shard's bytes are durable under their final name; see
/// `beginPending`), read by stats, verify and loaders. See `IndexSchema` for the tables.
public final class DatasetIndex {
    public static let fileName = "index.sqlite"

    let database: SQLiteDatabase

    /// Opens an existing index, or creates one when `create` is set. Refuses an index written by
    /// another schema version, except version 1 (before `samples.dhash`): read-only opens read it
    /// as it is (no reader but dedup and merge uses the column), and a writable open upgrades it
    /// in place (the column added, NULL for every row).
    public init(path: String, create: Bool = false, readOnly: Bool = false) throws {
        if !create && !FileSystem.exists(path) {
            throw DatasetError("no dataset index at \(path): build one with `prep build`, or pass the dataset's folder")
        }
        database = try SQLiteDatabase(path: path, readOnly: readOnly)
        if readOnly {
            try checkVersion(path: path, acceptingVersion1: true)
            return
        }
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        // The schema and its version in one transaction: a kill during creation leaves either a
        // complete empty index or none (`isInitialized` false).
        try database.transaction {
            if try hasMetaTable(), try meta("schema_version") == "1" {
                try database.execute("ALTER TABLE samples ADD COLUMN dhash TEXT")
                try setMeta("schema_version", String(IndexSchema.version))
            }
            try database.execute(IndexSchema.statements)
            if try meta("schema_version") == nil {
                try setMeta("schema_version", String(IndexSchema.version))
            }
        }
        try checkVersion(path: path)
    }

    /// Whether the file at `path` holds an index whose creation completed. A build killed while
    /// creating it can leave an empty or schema-less SQLite file, which holds no data to keep.
    public static func isInitialized(path: String) -> Bool {
        guard FileSystem.exists(path), let database = try? SQLiteDatabase(path: path, readOnly: true) else { return false }
        defer { database.close() }
        let hasMeta = (try? database.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"))??.int == 1
        guard hasMeta else { return false }
        return (try? database.scalar("SELECT value FROM meta WHERE name = 'schema_version'")) != nil
    }

    private func hasMetaTable() throws -> Bool {
        try database.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")?.int == 1
    }

    /// The index's schema version (1 only for a read-only open of an index not yet upgraded).
    public var schemaVersion: Int { (try? meta("schema_version")).flatMap { $0.flatMap { Int($0) } } ?? 0 }

    private func checkVersion(path: String, acceptingVersion1: Bool = false) throws {
        let found = try meta("schema_version")
        guard found == String(IndexSchema.version) || (acceptingVersion1 && found == "1") else {
            throw DatasetError(
                "\(path) has index schema version \(found ?? "none"); this prep reads version \(IndexSchema.version): rebuild the dataset with `prep build --force`")
        }
    }

    /// Puts the index back in rollback-journal mode so that, at rest, the dataset is one file
    /// that any SQLite reader opens (WAL is used only while a build writes).
    public func closeForRest() throws {
        try database.execute("PRAGMA journal_mode=DELETE;")
        database.close()
    }

    public func close() { database.close() }

    // MARK: meta

    public func meta(_ name: String) throws -> String? {
        try database.scalar("SELECT value FROM meta WHERE name = ?", .text(name))?.string
    }

    public func setMeta(_ name: String, _ value: String) throws {
        try database.run("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", .text(name), .text(value))
    }

    // MARK: build progress

    /// The first source row not yet committed: where a resumed build starts.
    public func nextSourceRow() throws -> Int {
        (try database.scalar("SELECT MAX(source_row) FROM samples")?.int).map { $0 + 1 } ?? 0
    }

    public func shardNames() throws -> [String] {
        try database.query("SELECT name FROM shards ORDER BY name").compactMap { $0[0].string }
    }

    public func failedSourceRows() throws -> Set<Int> {
        Set(try database.query("SELECT source_row FROM samples WHERE status = 'failed'").compactMap { $0[0].int })
    }

    /// The source row that holds `key`, if any.
    public func sourceRow(ofKey key: String) throws -> Int? {
        try database.scalar("SELECT source_row FROM samples WHERE key = ?", .text(key))?.int
    }

    // MARK: rows waiting for their shard

    /// The statements of the open pending transaction.
    private struct PendingStatements {
        let deleteSample: SQLiteStatement
        let deleteStages: SQLiteStatement
        let insertSample: SQLiteStatement
        let insertMember: SQLiteStatement
        let insertStage: SQLiteStatement
    }
    private var pending: PendingStatements?

    /// Opens the write transaction in which a build puts each record's rows as the record is
    /// written to its shard (`insertPending`), so that rows wait for their shard in the database
    /// (bounded memory, however large the shard) instead of in the builder. Nothing of it is
    /// visible to other connections before `commitPending`; `rollbackPending` (or a crash) drops
    /// it. Foreign keys are checked at the commit: the rows name their shard before its row exists.
    public func beginPending() throws {
        precondition(pending == nil, "a pending transaction is already open")
        // A page cache of 256 KiB (SQLite's default is 2 MiB): the transaction's pages beyond it
        // spill to the WAL, so a build's memory does not grow with its shard (the lookups by key
        // read the rest through the OS's page cache).
        try database.execute("PRAGMA cache_size = -256; BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;")
        do {
            pending = PendingStatements(
                deleteSample: try database.prepare("DELETE FROM samples WHERE source_row = ?"),
                deleteStages: try database.prepare("DELETE FROM stages WHERE key = ?"),
                insertSample: try database.prepare("""
                    INSERT INTO samples(source_row, key, image_path, depth_path, caption, caption_dropped, width, height,
                        original_width, original_height, source_sha256, dhash, status, error, shard)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """),
                insertMember: try database.prepare(
                    "INSERT INTO members(key, member, shard, offset, size) VALUES (?, ?, ?, ?, ?)"),
                insertStage: try database.prepare(
                    "INSERT INTO stages(key, stage, status, reason, density, parameters) VALUES (?, ?, ?, ?, ?, ?)"))
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    /// Whether a pending transaction is open.
    public var hasPending: Bool { pending != nil }

    /// One record's rows, into the open pending transaction. A retried row replaces its earlier
    /// failed row.
    public func insertPending(sample: SampleRow, members: [MemberRow], stages: [StageRow]) throws {
        guard let statements = pending else { preconditionFailure("insertPending needs beginPending first") }
        try statements.deleteSample.run(.integer(Int64(sample.sourceRow)))
        if let key = sample.key { try statements.deleteStages.run(.text(key)) }
        try statements.insertSample.run(
            .integer(Int64(sample.sourceRow)), .optional(sample.key), .optional(sample.imagePath),
            .optional(sample.depthPath), .optional(sample.caption),
            .optional(sample.captionDropped.map { $0 ? 1 : 0 }),
            .optional(sample.width), .optional(sample.height),
            .optional(sample.originalWidth), .optional(sample.originalHeight),
            .optional(sample.sourceSHA256), .optional(sample.dhash), .text(sample.isOK ? "ok" : "failed"), .optional(sample.error),
            .optional(sample.shard))
        for member in members {
            try statements.insertMember.run(
                .text(member.key), .text(member.member), .text(member.shard), .integer(member.offset),
                .integer(Int64(member.size)))
        }
        for stage in stages {
            try statements.insertStage.run(
                .text(stage.key), .text(stage.stage), .text(stage.skipReason == nil ? "ok" : "skipped"),
                .optional(stage.skipReason), .real(stage.density), .text(stage.parametersJSON))
        }
    }

    /// Adds the shard's row (nil when the rows are all failed ones) and commits the pending
    /// transaction; on failure it is rolled back and the error rethrown.
    public func commitPending(shard: ShardRow?, runID: Int) throws {
        precondition(pending != nil, "commitPending needs beginPending first")
        do {
            if let shard {
                try database.run(
                    "INSERT INTO shards(name, records, bytes, sha256, run) VALUES (?, ?, ?, ?, ?)",
                    .text(shard.name), .integer(Int64(shard.records)), .integer(shard.bytes), .text(shard.sha256),
                    .integer(Int64(runID)))
            }
            pending = nil  // the statements are finalized before the commit
            try database.execute("COMMIT")
        } catch {
            // A failed COMMIT (a foreign key broken, say) leaves the transaction open.
            pending = nil
            if !database.isAutocommit { try? database.execute("ROLLBACK") }
            throw error
        }
    }

    /// Drops the pending transaction, if one is open (and nothing else).
    public func rollbackPending() {
        guard pending != nil else { return }
        pending = nil
        try? database.execute("ROLLBACK")
    }

    // MARK: runs

    public func beginRun(fingerprint: String, command: String) throws -> Int {
        try database.run(
            "INSERT INTO runs(fingerprint, command, started_at, status) VALUES (?, ?, ?, 'running')",
            .text(fingerprint), .text(command), .text(Self.timestamp()))
        return try database.scalar("SELECT last_insert_rowid()")?.int ?? 0
    }

    public func finishRun(_ id: Int, status: String, ok: Int, failed: Int, seconds: Double) throws {
        try database.run(
            "UPDATE runs SET finished_at = ?, status = ?, records_ok = ?, records_failed = ?, seconds = ? WHERE id = ?",
            .text(Self.timestamp()), .text(status), .integer(Int64(ok)), .integer(Int64(failed)), .real(seconds),
            .integer(Int64(id)))
    }

    /// Status of the newest run: "complete", "running" (it crashed), "interrupted", ...
    public func lastRunStatus() throws -> String? {
        try database.scalar("SELECT status FROM runs ORDER BY id DESC LIMIT 1")?.string
    }

    // MARK: reading

    /// Where member `member` of record `key` is: one indexed query.
    public func location(key: String, member: String) throws -> MemberRow? {
        let rows = try query(
            "SELECT shard, offset, size FROM members WHERE key = ? AND member = ?", .text(key), .text(member))
        guard let row = rows.first, let shard = row[0].string, let offset = row[1].int, let size = row[2].int else {
            return nil
        }
        return MemberRow(key: key, member: member, shard: shard, offset: Int64(offset), size: size)
    }

    /// Runs a read query; for stats, verify and tools.
    public func query(_ sql: String, _ values: SQLiteValue...) throws -> [[SQLiteValue]] {
        let statement = try database.prepare(sql)
        try statement.bind(values)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.column($0) })
        }
        return rows
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

extension SQLiteValue {
    static func optional(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    static func optional(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
}

/// An error that stops a whole command (not one record): unreadable source, unwritable output,
/// a dataset built with other options. The message says what to do.
public struct DatasetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
