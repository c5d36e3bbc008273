import Foundation
import Testing
@testable import PrepDataset

/// A build puts each record's rows into the index as it writes the record (`beginPending`,
/// `insertPending`) and commits them with their shard's row (`commitPending`): until then no other
/// connection sees them, a rollback drops them all, and foreign keys hold at the commit.
struct PendingRowsTests {
    func rows(key: String, sourceRow: Int, shard: String) -> (SampleRow, [MemberRow], [StageRow]) {
        var sample = SampleRow(sourceRow: sourceRow, key: key)
        sample.caption = "a caption"
        sample.shard = shard
        let members = ["jpg", "txt"].enumerated().map { i, member in
            MemberRow(key: key, member: member, shard: shard, offset: Int64(512 * (2 * sourceRow + i)), size: 10)
        }
        let stages = [StageRow(key: key, stage: "canny", skipReason: nil, density: 0.1, parametersJSON: "{}")]
        return (sample, members, stages)
    }

    func count(_ table: String, at path: String) throws -> Int {
        let reader = try DatasetIndex(path: path, readOnly: true)
        defer { reader.close() }
        return try reader.query("SELECT COUNT(*) FROM \(table)").first?[0].int ?? -1
    }

    @Test func pendingRowsAreInvisibleUntilTheirShardCommits() throws {
        let path = NSTemporaryDirectory() + "pending-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(path + suffix) } }
        let index = try DatasetIndex(path: path, create: true)
        let runID = try index.beginRun(fingerprint: "f", command: "build")

        try index.beginPending()
        for i in 0..<3 {
            let (sample, members, stages) = rows(key: "k\(i)", sourceRow: i, shard: "shard-000000.tar")
            try index.insertPending(sample: sample, members: members, stages: stages)
        }
        // The writer's own connection sees its rows (duplicate keys are found there); no other does.
        #expect(try index.sourceRow(ofKey: "k2") == 2)
        #expect(try count("samples", at: path) == 0)
        #expect(try count("members", at: path) == 0)
        try index.commitPending(shard: ShardRow(name: "shard-000000.tar", records: 3, bytes: 4096, sha256: "00"), runID: runID)
        #expect(!index.hasPending)
        #expect(try count("samples", at: path) == 3)
        #expect(try count("members", at: path) == 6)
        #expect(try count("stages", at: path) == 3)

        // Rolled back: nothing of it stays.
        try index.beginPending()
        let (sample, members, stages) = rows(key: "k3", sourceRow: 3, shard: "shard-000001.tar")
        try index.insertPending(sample: sample, members: members, stages: stages)
        index.rollbackPending()
        #expect(!index.hasPending)
        #expect(try index.sourceRow(ofKey: "k3") == nil)

        // A row naming a shard that never gets its row fails the commit, which rolls back.
        try index.beginPending()
        try index.insertPending(sample: sample, members: members, stages: stages)
        #expect(throws: (any Error).self) { try index.commitPending(shard: nil, runID: runID) }
        #expect(!index.hasPending)
        #expect(try index.sourceRow(ofKey: "k3") == nil)
        index.close()
        #expect(try count("samples", at: path) == 3)
    }
}
