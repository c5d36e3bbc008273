import Foundation
import PrepStages

/// What a build did.
public struct BuildSummary: Sendable {
    /// The dataset already held this exact build: nothing was read or written.
    public var upToDate = false
    public var interrupted = false
    /// Records this run processed.
    public var ok = 0
    public var failed = 0
    /// Failure categories of this run, most frequent first.
    public var topReasons: [(reason: String, count: Int)] = []
    /// Rows a resumed run found already committed.
    public var alreadyCommitted = 0
    public var seconds = 0.0
    /// The whole dataset after the run.
    public var datasetOK = 0
    public var datasetFailed = 0
    public var shardCount = 0
}

/// `prep build`: streams the source's rows through the stages into tar shards and the index.
///
/// Crash safety: a shard is written as `.partial`, fsynced, renamed, and only then its rows are
/// committed to the index in one transaction. At start, `.partial` files and shards the index
/// does not list are deleted, and the build resumes after the last committed source row. Since
/// every record depends only on (source row, options, seed), a resumed build writes the same
/// bytes an uninterrupted one would.
public final class DatasetBuilder {
    public let options: BuildOptions
    public let force: Bool
    public let retryFailed: Bool
    public let progress: ProgressReporter?
    /// Tests set this to stop after the given number of shard commits, as a crash would (after the
    /// shard rename, before its index rows), to prove resume is exact.
    var crashAfterShardRenames: Int?

    public init(options: BuildOptions, force: Bool = false, retryFailed: Bool = false, progress: ProgressReporter? = nil) {
        self.options = options
        self.force = force
        self.retryFailed = retryFailed
        self.progress = progress
    }

    var indexPath: String { options.output + "/" + DatasetIndex.fileName }
    var shardDirectory: String { options.output + "/shards" }

    public func run() throws -> BuildSummary {
        let clock = Date()
        try options.validate()
        AllocatorTuning.forRecords(resolution: options.resolution)
        var options = self.options
        guard FileSystem.exists(options.source) else {
            throw DatasetError("source not found: \(options.source)")
        }
        let sourceSHA256: String
        do {
            sourceSHA256 = try SHA256.hexHash(fileAt: options.source)
        } catch {
            throw DatasetError("cannot read source \(options.source): \(error)")
        }
        options.stages = try resolveStages(options)
        let describedOptions = Self.describe(options, sourceSHA256: sourceSHA256)
        let fingerprint = SHA256.hexHash(Array(("prep-build-1\n" + describedOptions).utf8))

        if force { try removeDataset() }
        if FileSystem.exists(indexPath), !DatasetIndex.isInitialized(path: indexPath) {
            // Killed while creating the index: nothing was committed; start over.
            for suffix in ["", "-wal", "-shm", "-journal"] { try FileSystem.remove(indexPath + suffix) }
        }
        if FileSystem.exists(indexPath) {
            let existing = try DatasetIndex(path: indexPath, readOnly: true)
            let storedFingerprint = try existing.meta("fingerprint")
            let storedOptions = try existing.meta("options") ?? ""
            let lastStatus = try existing.lastRunStatus()
            existing.close()
            if let storedFingerprint, storedFingerprint != fingerprint {
                throw DatasetError(Self.mismatchMessage(
                    output: options.output, stored: storedOptions, current: describedOptions))
            }
            if storedFingerprint != nil, lastStatus == "complete", !retryFailed {
                var summary = try Self.totals(indexPath: indexPath)
                summary.upToDate = true
                return summary
            }
        }

        do {
            try FileSystem.createDirectory(shardDirectory)
        } catch {
            throw DatasetError("cannot create the output folder \(shardDirectory): \(error)")
        }
        let index = try DatasetIndex(path: indexPath, create: true)
        defer { index.close() }
        try index.setMeta("fingerprint", fingerprint)
        try index.setMeta("options", describedOptions)
        let manifest = BuildManifest.render(options)
        try index.setMeta("manifest", manifest)
        try writeManifest(manifest)
        try removeLeftovers(index: index)

        let command = retryFailed ? "retry-failed" : (try index.nextSourceRow() > 0 ? "resume" : "build")
        let runID = try index.beginRun(fingerprint: fingerprint, command: command)
        var summary = BuildSummary()
        var state = RunState(
            builder: RecordBuilder(
                options: options,
                stages: try (options.stages ?? []).map(options.stage(named:)),
                sourceDirectory: Self.directory(of: options.source)),
            deduplicator: try Deduplicator(mode: options.dedup, maxDistance: options.dedupDistance, index: index))
        do {
            try process(options: options, index: index, runID: runID, state: &state, summary: &summary)
        } catch {
            state.shard?.discard()
            index.rollbackPending()
            try? index.finishRun(runID, status: "failed", ok: summary.ok, failed: summary.failed,
                                 seconds: Date().timeIntervalSince(clock))
            throw error
        }
        progress?.finish()
        summary.seconds = Date().timeIntervalSince(clock)
        try index.finishRun(runID, status: summary.interrupted ? "interrupted" : "complete",
                            ok: summary.ok, failed: summary.failed, seconds: summary.seconds)
        summary.topReasons = state.reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) }
        let totals = try Self.totals(indexPath: indexPath, index: index)
        summary.datasetOK = totals.datasetOK
        summary.datasetFailed = totals.datasetFailed
        summary.shardCount = totals.shardCount
        try index.closeForRest()
        return summary
    }

    /// Mutable state of one run's loop.
    private struct RunState {
        let builder: RecordBuilder
        var deduplicator: Deduplicator
        var shard: ShardWriter?
        /// Records whose rows wait in the index's pending transaction for their shard's commit:
        /// how many, how many of them are ok, and the failed ones' reasons (for an interruption,
        /// which drops them).
        var pendingCount = 0
        var pendingOK = 0
        var pendingReasons: [String: Int] = [:]
        /// Keys of rows read but not yet in the index (built by the workers or waiting in order).
        var pendingKeys: [String: Int] = [:]
        var reasons: [String: Int] = [:]
        var nextShardNumber = 0
        var shardRenames = 0
    }

    private func process(options: BuildOptions, index: DatasetIndex, runID: Int, state: inout RunState, summary: inout BuildSummary) throws {
        let reader: SourceReader
        do {
            reader = try SourceReader(path: options.source, format: options.sourceFormat, columns: options.columns)
        } catch {
            throw DatasetError("cannot read source \(options.source): \(error)")
        }
        // Rows before startRow are committed. --retry-failed also takes the failed ones among them
        // (and still finishes an interrupted build).
        let startRow = try index.nextSourceRow()
        let retryRows = retryFailed ? try index.failedSourceRows() : []
        summary.alreadyCommitted = startRow - retryRows.count
        state.nextShardNumber = try index.shardNames().count
        progress?.expect(Self.estimatedRowCount(options).map { (max(0, $0 - startRow) + retryRows.count) / options.part.count })

        let workers = options.workers > 0 ? options.workers : ProcessInfo.processInfo.activeProcessorCount
        let builder = state.builder
        let pipeline = OrderedParallelMap<KeyedRow, BuiltRecord>(workers: workers, capacity: workers * 4) { item in
            Self.build(item, builder: builder)
        }
        try pipeline.run(
            next: {
                while let row = reader.next() {
                    if row.index < startRow, !retryRows.contains(row.index) { continue }
                    let (key, keyProblem) = RecordKey.candidate(for: row)
                    guard options.part.contains(key: key ?? RecordKey.forRow(row.index)) else { continue }
                    return try register(KeyedRow(row: row, key: key, keyProblem: keyProblem), index: index, state: &state)
                }
                return nil
            },
            consume: { record in
                try add(record, options: options, index: index, runID: runID, state: &state, summary: &summary)
                progress?.update(done: summary.ok + summary.failed, failed: summary.failed)
                return !Interruption.isRequested
            })
        if let error = reader.readError {
            throw DatasetError("reading source \(options.source) failed: \(error)")
        }
        if Interruption.isRequested {
            // The open shard and the rows waiting for it are dropped: count only what is committed.
            state.shard?.discard()
            state.shard = nil
            index.rollbackPending()
            summary.ok -= state.pendingOK
            summary.failed -= state.pendingCount - state.pendingOK
            for (reason, count) in state.pendingReasons { state.reasons[reason, default: 0] -= count }
            state.reasons = state.reasons.filter { $0.value > 0 }
            state.pendingCount = 0
            state.pendingOK = 0
            state.pendingReasons = [:]
            summary.interrupted = true
            progress?.update(done: summary.ok + summary.failed, failed: summary.failed, force: true)
            return
        }
        try commit(index: index, runID: runID, state: &state)
        progress?.update(done: summary.ok + summary.failed, failed: summary.failed, force: true)
    }

    /// A source row with its key (or why it has none).
    struct KeyedRow {
        var row: SourceRow
        var key: String?
        var keyProblem: String?
    }

    /// Checks the row's key is not used by another row (committed or pending); keys are unique
    /// across the dataset.
    private func register(_ item: KeyedRow, index: DatasetIndex, state: inout RunState) throws -> KeyedRow {
        guard let key = item.key else { return item }
        if let other = try state.pendingKeys[key] ?? index.sourceRow(ofKey: key), other != item.row.index {
            return KeyedRow(row: item.row, key: nil, keyProblem: "duplicate key: '\(key)' is already used by source row \(other)")
        }
        state.pendingKeys[key] = item.row.index
        return item
    }

    /// Builds one record (on a worker thread); a row without a usable key fails here.
    private static func build(_ item: KeyedRow, builder: RecordBuilder) -> BuiltRecord {
        if let key = item.key { return builder.build(row: item.row, key: key) }
        var failed = BuiltRecord(sample: SampleRow(sourceRow: item.row.index, key: nil))
        failed.sample.imagePath = item.row.image
        failed.sample.depthPath = item.row.depth
        failed.sample.caption = item.row.caption
        failed.sample.error = item.keyProblem
        return failed
    }

    /// Adds a built record, in source order, to the open shard; commits a full shard.
    private func add(_ record: BuiltRecord, options: BuildOptions, index: DatasetIndex, runID: Int,
                     state: inout RunState, summary: inout BuildSummary) throws {
        var record = record
        if record.sample.isOK, let reason = try state.deduplicator.duplicateReason(for: record.sample, index: index) {
            record.sample.error = reason
            record.sample.captionDropped = nil
            record.members = []
            record.stages = []
        }
        if let error = record.sample.error {
            let reason = RecordFailure.category(of: error)
            summary.failed += 1
            state.reasons[reason, default: 0] += 1
            try hold(record, members: [], failure: reason, index: index, state: &state)
            // Only failed rows pending: commit them now and then, so that they are saved as they go.
            if state.shard == nil, state.pendingCount >= 10_000 { try commit(index: index, runID: runID, state: &state) }
            return
        }
        if state.shard == nil {
            state.shard = try ShardWriter(directory: shardDirectory, number: state.nextShardNumber)
        }
        record.sample.shard = state.shard!.name
        let members = try state.shard!.append(record)
        try hold(record, members: members, failure: nil, index: index, state: &state)
        summary.ok += 1
        if state.shard!.recordCount >= options.shardSize {
            try commit(index: index, runID: runID, state: &state)
        }
    }

    /// Puts a record's rows into the index's pending transaction (opening it first), where they
    /// wait for their shard: the builder keeps nothing of a record once it is written, so memory
    /// does not grow with the shard size or the number of records.
    private func hold(_ record: BuiltRecord, members: [MemberRow], failure: String?, index: DatasetIndex,
                      state: inout RunState) throws {
        if !index.hasPending { try index.beginPending() }
        try index.insertPending(sample: record.sample, members: members, stages: record.stages)
        // The index now answers for this key and source hash (its own transaction's rows included).
        if let key = record.sample.key { state.pendingKeys[key] = nil }
        state.deduplicator.committed()
        state.pendingCount += 1
        if let failure {
            state.pendingReasons[failure, default: 0] += 1
        } else {
            state.pendingOK += 1
        }
    }

    /// Makes the open shard durable, then commits it with every pending row in one transaction.
    private func commit(index: DatasetIndex, runID: Int, state: inout RunState) throws {
        var shardRow: ShardRow?
        if let shard = state.shard {
            shardRow = try shard.commit()
            state.shard = nil
            state.nextShardNumber += 1
            state.shardRenames += 1
            if let limit = crashAfterShardRenames, state.shardRenames >= limit {
                throw SimulatedCrash()
            }
        }
        guard shardRow != nil || index.hasPending else { return }
        if !index.hasPending { try index.beginPending() }
        try index.commitPending(shard: shardRow, runID: runID)
        state.pendingCount = 0
        state.pendingOK = 0
        state.pendingReasons = [:]
        state.pendingKeys.removeAll(keepingCapacity: true)
        state.deduplicator.committed()
    }

    // MARK: set-up

    /// The stages to run: the ones asked for, or (auto) every stage whose input the source has.
    private func resolveStages(_ options: BuildOptions) throws -> [String] {
        if let stages = options.stages {
            // Catalog order, no duplicates: the member order of every record.
            return StageCatalog.names.filter(stages.contains)
        }
        let reader = try SourceReader(path: options.source, format: options.sourceFormat, columns: options.columns)
        let hasDepth = reader.header.contains(options.columns.depth)
            || (reader.header.isEmpty && reader.next()?.fields[options.columns.depth] != nil)
        return try StageCatalog.names.filter { name in
            try !StageCatalog.stage(named: name).needsDepth || hasDepth
        }
    }

    private func removeDataset() throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: shardDirectory)) ?? [] where name.hasPrefix("shard-") {
            try FileSystem.remove(shardDirectory + "/" + name)
        }
        for suffix in ["", "-wal", "-shm", "-journal"] { try FileSystem.remove(indexPath + suffix) }
        try FileSystem.remove(options.output + "/manifest.toml")
    }

    /// Deletes `.partial` files and shards the index does not list (a crash after the rename,
    /// before the index commit): they are rebuilt, identically.
    private func removeLeftovers(index: DatasetIndex) throws {
        let committed = Set(try index.shardNames())
        for name in (try? FileManager.default.contentsOfDirectory(atPath: shardDirectory)) ?? [] {
            guard name.hasPrefix("shard-") else { continue }
            if name.hasSuffix(ShardWriter.partialSuffix) || !committed.contains(name) {
                try FileSystem.remove(shardDirectory + "/" + name)
            }
        }
    }

    private func writeManifest(_ manifest: String) throws {
        let path = options.output + "/manifest.toml"
        if let existing = try? FileSystem.readFile(path), existing == Array(manifest.utf8) { return }
        let file = try OutputFile(path: path + ".partial")
        try file.write(Array(manifest.utf8))
        try file.sync()
        try file.close()
        try FileSystem.rename(path + ".partial", path)
    }

    // MARK: helpers

    /// The source's sha256 and every option that decides the output, as `name=value` lines:
    /// hashed into the fingerprint, stored in `meta.options`, compared to name what differs.
    static func describe(_ options: BuildOptions, sourceSHA256: String) -> String {
        (["source.sha256=\(sourceSHA256)"] + options.outputDefiningOptions.map { "\($0.0)=\($0.1)" })
            .joined(separator: "\n")
    }

    static func mismatchMessage(output: String, stored: String, current: String) -> String {
        let old = Set(stored.split(separator: "\n").map(String.init))
        var lines = ["\(output) was built from a different source or with other options:"]
        for line in current.split(separator: "\n").map(String.init) where !old.contains(line) {
            let name = line.split(separator: "=", maxSplits: 1).first.map(String.init) ?? line
            let was = old.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) } ?? "?"
            let now = line.dropFirst(name.count + 1)
            if name == "source.sha256" {
                lines.append("  the source file's contents changed (sha256 \(was.prefix(12))... -> \(now.prefix(12))...)")
            } else {
                lines.append("  \(name): dataset has \(was), this run asks for \(now)")
            }
        }
        lines.append("Use --force to rebuild it from scratch, or --out to build elsewhere.")
        return lines.joined(separator: "\n")
    }

    static func directory(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path
    }

    /// Rows in the source, for the ETA: newline count, less the TSV header. Nil if unreadable.
    static func estimatedRowCount(_ options: BuildOptions) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: options.source) else { return nil }
        defer { try? handle.close() }
        var lines = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            lines += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        let isTSV = (options.sourceFormat ?? SourceFormat.infer(path: options.source)) == .tsv
        return max(0, lines - (isTSV ? 1 : 0))
    }

    static func totals(indexPath: String, index: DatasetIndex? = nil) throws -> BuildSummary {
        let index = try index ?? DatasetIndex(path: indexPath, readOnly: true)
        var summary = BuildSummary()
        for row in try index.query("SELECT status, COUNT(*) FROM samples GROUP BY status") {
            if row[0].string == "ok" { summary.datasetOK = row[1].int ?? 0 }
            if row[0].string == "failed" { summary.datasetFailed = row[1].int ?? 0 }
        }
        summary.shardCount = try index.query("SELECT COUNT(*) FROM shards").first?[0].int ?? 0
        return summary
    }
}

/// Thrown by the crash-simulation hook of tests.
struct SimulatedCrash: Error {}
