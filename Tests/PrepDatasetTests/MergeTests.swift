import Foundation
import Testing
@testable import PrepDataset

@Suite(.serialized)
struct MergeTests {
    /// Every record's rows, and every member's bytes read through the index, keyed by record key.
    static func records(_ directory: String) throws -> [String: [String]] {
        let reader = try DatasetReader(directory: directory)
        let index = try DatasetIndex(path: directory + "/index.sqlite", readOnly: true)
        var records: [String: [String]] = [:]
        for row in try index.query("""
            SELECT source_row, key, image_path, caption, caption_dropped, width, height, source_sha256, status, error
            FROM samples ORDER BY source_row
            """) {
            let key = row[1].string ?? "row \(row[0])"
            var lines = [row.map { "\($0)" }.joined(separator: "|")]
            for member in try reader.members(of: key) {
                lines.append(member.member + "=" + SHA256.hexHash(try reader.read(key: key, member: member.member)))
            }
            for stage in try index.query("SELECT stage, status, reason, density, parameters FROM stages WHERE key = ? ORDER BY stage", .text(key)) {
                lines.append(stage.map { "\($0)" }.joined(separator: "|"))
            }
            records[key] = lines
        }
        return records
    }

    func source(_ data: TestDataset, count: Int) throws {
        var rows: [String] = []
        for i in 0..<count {
            try data.writePNG("images/\(i).png", width: 70 + i % 4 * 9, height: 66 + i % 3 * 7, seed: i)
            rows.append("images/\(i).png\tpicture \(i)")
        }
        rows.append("missing.png\ta missing picture")
        try data.writeSource(rows, header: "image\tcaption")
    }

    @Test func partsMergedEqualASingleBuildRecordForRecord() throws {
        let data = try TestDataset()
        try source(data, count: 14)
        var options = data.options(output: data.path("whole"))
        options.stages = ["canny", "scribble"]
        _ = try DatasetBuilder(options: options).run()

        var parts: [String] = []
        var seen = 0
        for i in 0..<3 {
            var part = options
            part.output = data.path("part-\(i)")
            part.part = BuildPart(index: i, count: 3)
            seen += try DatasetBuilder(options: part).run().datasetOK
            parts.append(part.output)
        }
        #expect(seen == 14)  // the parts are disjoint and cover the source
        let merged = data.path("merged")
        let summary = try DatasetMerger(output: merged, inputs: parts.reversed()).run()
        #expect(summary.ok == 14 && summary.failed == 1 && summary.parts == 3)
        #expect(try Self.records(merged) == Self.records(options.output))
        #expect(try DatasetVerifier(directory: merged).run().problems == [])
        // The merged dataset has the single build's fingerprint: building it again does nothing.
        var again = options
        again.output = merged
        #expect(try DatasetBuilder(options: again).run().upToDate)
        #expect(!FileSystem.exists(merged + ".partial"))
    }

    @Test func mergeRefusesMissingRepeatedMismatchedAndIncompleteParts() throws {
        let data = try TestDataset()
        try source(data, count: 4)
        var parts: [String] = []
        for i in 0..<2 {
            var part = data.options(output: data.path("part-\(i)"))
            part.part = BuildPart(index: i, count: 2)
            _ = try DatasetBuilder(options: part).run()
            parts.append(part.output)
        }
        func refusal(_ inputs: [String], output: String = "out") -> String {
            do {
                _ = try DatasetMerger(output: data.path(output), inputs: inputs).run()
                return "merged"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal([parts[0]]).contains("parts missing: 1/2"))
        #expect(refusal([parts[0], parts[0]]).contains("are both part 0/2"))

        var other = data.options(output: data.path("other-1"))
        other.part = BuildPart(index: 1, count: 2)
        other.seed = 9
        _ = try DatasetBuilder(options: other).run()
        #expect(refusal([parts[0], other.output]).contains("stages.seed=9"))

        var crashed = data.options(output: data.path("crashed-1"))
        crashed.part = BuildPart(index: 1, count: 2)
        crashed.shardSize = 1
        let builder = DatasetBuilder(options: crashed)
        builder.crashAfterShardRenames = 1
        _ = try? builder.run()
        #expect(refusal([parts[0], crashed.output]).contains("not a complete build"))

        try FileSystem.createDirectory(data.path("taken"))
        #expect(refusal(parts, output: "taken").contains("exists"))
        #expect(refusal(parts) == "merged")
    }

    @Test func readerReturnsExactlyTheStoredBytes() throws {
        let data = try TestDataset()
        try source(data, count: 5)
        var options = data.options()
        options.stages = ["canny"]
        _ = try DatasetBuilder(options: options).run()
        let reader = try DatasetReader(directory: options.output)
        var checked = 0
        for shard in try FileManager.default.contentsOfDirectory(atPath: options.output + "/shards") {
            let bytes = try FileSystem.readFile(options.output + "/shards/" + shard)
            for entry in try TarReader.entries(in: bytes) {
                let dot = entry.name.firstIndex(of: ".")!
                let stored = Array(bytes[Int(entry.dataOffset)..<(Int(entry.dataOffset) + entry.size)])
                #expect(try reader.read(key: String(entry.name[..<dot]), member: String(entry.name[entry.name.index(after: dot)...])) == stored)
                checked += 1
            }
        }
        #expect(checked == 5 * 4)
        #expect(try reader.keys().count == 5)
        let missingKey = #expect(throws: DatasetError.self) { try reader.read(key: "nope", member: "jpg") }
        #expect(missingKey?.description.contains("no record with key 'nope'") == true)
        let missingMember = #expect(throws: DatasetError.self) { try reader.read(key: "000000000", member: "hough.png") }
        #expect(missingMember?.description.contains("members: jpg, txt, json, canny.png") == true)
    }
}
