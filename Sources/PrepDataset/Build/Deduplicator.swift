/// Decides, in source order, which built records repeat a kept one (`DedupMode`). It runs in the
/// build's ordered stage (one thread, rows in source order), so its decisions do not depend on the
/// worker count; and it starts from the index's kept (`ok`) records, so a resumed build decides
/// exactly as an uninterrupted one. A record kept earlier is always the one named; with
/// `--retry-failed` a retried row may be named a duplicate of a later row that is already kept.
struct Deduplicator {
    let mode: DedupMode
    /// Kept records of this run not yet committed: sha256 -> key. Committed ones are looked up in
    /// the index (`samples_by_sha256`).
    private var pendingSHA256: [String: String] = [:]
    private var near: NearDuplicateIndex?

    /// Loads the kept records' perceptual hashes for `--dedup near`.
    init(mode: DedupMode, maxDistance: Int, index: DatasetIndex) throws {
        self.mode = mode
        guard mode == .near else { return }
        var near = NearDuplicateIndex(maxDistance: maxDistance)
        for row in try index.query("SELECT key, dhash FROM samples WHERE status = 'ok' AND dhash IS NOT NULL ORDER BY source_row") {
            guard let key = row[0].string, let hash = row[1].string.flatMap(PerceptualHash.parse(hex:)) else { continue }
            near.insert(hash, key: key)
        }
        self.near = near
    }

    /// Why `sample` (an ok record, in source order) is a duplicate, or nil: it is kept and
    /// remembered.
    mutating func duplicateReason(for sample: SampleRow, index: DatasetIndex) throws -> String? {
        guard mode != .off, let key = sample.key else { return nil }
        if let sha256 = sample.sourceSHA256, let original = try pendingSHA256[sha256] ?? keptKey(sha256: sha256, index: index) {
            return "duplicate of \(original)"
        }
        let hash = near == nil ? nil : sample.dhash.flatMap(PerceptualHash.parse(hex:))
        if let hash, let (original, distance) = near!.nearest(to: hash) {
            return "near duplicate of \(original) (hamming \(distance))"
        }
        if let sha256 = sample.sourceSHA256 { pendingSHA256[sha256] = key }
        if let hash { near!.insert(hash, key: key) }
        return nil
    }

    /// The pending records are now in the index.
    mutating func committed() { pendingSHA256.removeAll(keepingCapacity: true) }

    private func keptKey(sha256: String, index: DatasetIndex) throws -> String? {
        try index.query(
            "SELECT key FROM samples WHERE source_sha256 = ? AND status = 'ok' ORDER BY source_row LIMIT 1", .text(sha256)
        ).first?[0].string
    }

    /// Stats group failures by category: these messages have no `category: detail` form.
    static func category(of message: String) -> String? {
        if message.hasPrefix("duplicate of ") { return "duplicate" }
        if message.hasPrefix("near duplicate of ") { return "near duplicate" }
        return nil
    }
}
