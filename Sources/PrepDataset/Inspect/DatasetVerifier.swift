import Foundation
import PrepImage

/// `prep verify`: re-reads every shard and checks it against the index: tar structure, each
/// member's offset and size, the shard's sha256, that every image member decodes and every JSON
/// member parses, that every ok record has the dataset's member set, and that the shard folder
/// holds nothing else.
public struct DatasetVerifier {
    public struct Report: Sendable {
        public var shards = 0
        public var records = 0
        public var members = 0
        public var problems: [String] = []
        public var isValid: Bool { problems.isEmpty }
    }

    public let directory: String
    /// Decode every image member (the slow part). On by default.
    public var decodeImages = true

    public init(directory: String) {
        self.directory = directory
    }

    public func run(progress: ProgressReporter? = nil) throws -> Report {
        let index = try DatasetIndex(path: directory + "/" + DatasetIndex.fileName, readOnly: true)
        defer { index.close() }
        let shardDirectory = directory + "/shards"
        var report = Report()

        let shards = try index.query("SELECT name, records, bytes, sha256 FROM shards ORDER BY name")
        progress?.expect(shards.count)
        for (number, shard) in shards.enumerated() {
            guard let name = shard[0].string else { continue }
            report.shards += 1
            verifyShard(
                name: name, path: shardDirectory + "/" + name, records: shard[1].int ?? -1,
                bytes: Int64(shard[2].int ?? -1), sha256: shard[3].string ?? "", index: index, report: &report)
            progress?.update(done: number + 1, failed: report.problems.count)
        }
        progress?.finish()

        // Files in the shard folder that the index does not list.
        let listed = Set(shards.compactMap { $0[0].string })
        let present = (try? FileManager.default.contentsOfDirectory(atPath: shardDirectory)) ?? []
        for name in present.sorted() where !listed.contains(name) {
            report.problems.append("shards/\(name): not in the index (a leftover; `prep build` removes it)")
        }

        // Every ok record lives in a listed shard and has the same member set.
        let memberSets = try index.query("""
            SELECT s.key, s.shard, GROUP_CONCAT(m.member, ',')
            FROM samples s LEFT JOIN (SELECT key, member FROM members ORDER BY key, member) m ON m.key = s.key
            WHERE s.status = 'ok' GROUP BY s.key ORDER BY s.source_row
            """)
        report.records = memberSets.count
        var expected: (key: String, members: String)?
        for row in memberSets {
            let key = row[0].string ?? "?"
            let members = (row[2].string ?? "").split(separator: ",").sorted().joined(separator: ",")
            if let shard = row[1].string, !listed.contains(shard) {
                report.problems.append("record \(key): its shard \(shard) is not in the shards table")
            } else if row[1].string == nil {
                report.problems.append("record \(key): status ok but no shard")
            }
            if let expected, expected.members != members {
                report.problems.append(
                    "record \(key): members {\(members)} differ from record \(expected.key)'s {\(expected.members)}")
            } else if expected == nil {
                expected = (key, members)
            }
        }
        return report
    }

    private func verifyShard(name: String, path: String, records: Int, bytes: Int64, sha256: String,
                             index: DatasetIndex, report: inout Report) {
        func problem(_ text: String) { report.problems.append("shards/\(name): \(text)") }
        guard FileSystem.exists(path) else { return problem("missing") }
        do {
            let size = try FileSystem.fileSize(path)
            if size != bytes { problem("\(size) bytes, the index says \(bytes)") }
            let actual = try SHA256.hexHash(fileAt: path)
            if actual != sha256 { problem("sha256 \(actual), the index says \(sha256)") }
            let entries = try TarReader.entries(atPath: path)
            let indexed = try index.query(
                "SELECT key, member, offset, size FROM members WHERE shard = ? ORDER BY offset", .text(name))
            var byName: [String: TarEntry] = [:]
            for entry in entries { byName[entry.name] = entry }
            var keys = Set<String>()
            var seen = Set<String>()
            for row in indexed {
                guard let key = row[0].string, let member = row[1].string, let offset = row[2].int, let size = row[3].int
                else { continue }
                let memberName = key + "." + member
                seen.insert(memberName)
                keys.insert(key)
                report.members += 1
                guard let entry = byName[memberName] else {
                    problem("\(memberName) is in the index but not in the tar")
                    continue
                }
                if entry.dataOffset != Int64(offset) || entry.size != size {
                    problem("\(memberName) is at offset \(entry.dataOffset) size \(entry.size), the index says offset \(offset) size \(size)")
                    continue
                }
                try checkContents(memberName: memberName, member: member, path: path, offset: Int64(offset), size: size, problem: problem)
            }
            for entry in entries where !seen.contains(entry.name) {
                problem("\(entry.name) is in the tar but not in the index")
            }
            if keys.count != records { problem("\(keys.count) records, the index says \(records)") }
        } catch {
            problem("\(error)")
        }
    }

    private func checkContents(memberName: String, member: String, path: String, offset: Int64, size: Int,
                               problem: (String) -> Void) throws {
        let isImage = member.hasSuffix("png") || member == "jpg"
        guard member == "json" || (isImage && decodeImages) else { return }
        let bytes = try FileSystem.readBytes(path: path, offset: offset, count: size)
        if member == "json" {
            if (try? JSONSerialization.jsonObject(with: Data(bytes))) == nil { problem("\(memberName) is not valid JSON") }
            return
        }
        do {
            _ = try ImageDecoder.decode(bytes)
        } catch {
            problem("\(memberName) does not decode: \(error)")
        }
    }
}
