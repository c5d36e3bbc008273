import Foundation
import PrepImage
import Testing
@testable import PrepDataset

@Suite(.serialized)
struct BuildTests {
    @Test func buildsGoodRowsIntoShardsAndIndex() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 7)
        let summary = try DatasetBuilder(options: data.options()).run()
        #expect(summary.ok == 7)
        #expect(summary.failed == 0)
        #expect(summary.shardCount == 3)  // 3 + 3 + 1 with --shard-size 3
        #expect(try shardFiles(data.output).keys.sorted() == ["shard-000000.tar", "shard-000001.tar", "shard-000002.tar"])

        // Every member row's offset and size return exactly that member's bytes.
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        let members = try index.query("SELECT key, member, shard, offset, size FROM members ORDER BY key, member")
        #expect(members.count == 7 * 3)  // jpg, txt, json; no stage without a depth column
        for row in members {
            let bytes = try FileSystem.readBytes(
                path: data.output + "/shards/" + row[2].string!, offset: Int64(row[3].int!), count: row[4].int!)
            switch row[1].string! {
            case "txt":
                let sourceRow = try index.query("SELECT caption FROM samples WHERE key = ?", row[0])
                #expect(String(decoding: bytes, as: UTF8.self) == sourceRow[0][0].string)
            case "json":
                let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
                #expect(object["key"] as? String == row[0].string)
                #expect(object["width"] as? Int == 64 && object["height"] as? Int == 64)
            case "jpg":
                let image = try ImageDecoder.decode(bytes)
                #expect(image.width == 64 && image.height == 64)
            default:
                Issue.record("unexpected member \(row[1])")
            }
        }
        // The tar's own structure agrees with the index.
        let entries = try TarReader.entries(atPath: data.output + "/shards/shard-000000.tar")
        #expect(entries.map(\.name) == [
            "000000000.jpg", "000000000.txt", "000000000.json",
            "000000001.jpg", "000000001.txt", "000000001.json",
            "000000002.jpg", "000000002.txt", "000000002.json",
        ])
        let report = try DatasetVerifier(directory: data.output).run()
        #expect(report.problems == [])
        #expect(report.records == 7)
    }

    @Test func sameInputsGiveIdenticalBytesWhateverTheWorkerCount() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 10)
        var one = data.options(output: data.path("one"))
        one.workers = 1
        var four = data.options(output: data.path("four"))
        four.workers = 4
        _ = try DatasetBuilder(options: one).run()
        _ = try DatasetBuilder(options: four).run()
        #expect(try shardFiles(one.output) == shardFiles(four.output))
        let (a, b) = (try indexContents(one.output), try indexContents(four.output))
        #expect(a.count > 40)
        #expect(a == b, "\(a.filter { !b.contains($0) })")
    }

    @Test func secondRunDoesNothingAndChangesNoByte() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 4)
        _ = try DatasetBuilder(options: data.options()).run()
        let index = try Data(contentsOf: URL(fileURLWithPath: data.output + "/index.sqlite"))
        let shards = try shardFiles(data.output)
        let again = try DatasetBuilder(options: data.options()).run()
        #expect(again.upToDate)
        #expect(again.datasetOK == 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: data.output + "/index.sqlite")) == index)
        #expect(try shardFiles(data.output) == shards)
        #expect(!FileSystem.exists(data.output + "/index.sqlite-wal"))
    }

    @Test func resumeAfterACrashEqualsAnUninterruptedBuild() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 11)
        try data.write("captions.tsv", text: String(decoding: try FileSystem.readFile(data.sourcePath), as: UTF8.self)
                       + "missing.png\tgone\n")
        let clean = data.options(output: data.path("clean"))
        _ = try DatasetBuilder(options: clean).run()

        for crashAt in 1...3 {
            let crashed = data.options(output: data.path("crashed-\(crashAt)"))
            let builder = DatasetBuilder(options: crashed)
            builder.crashAfterShardRenames = crashAt
            #expect(throws: SimulatedCrash.self) { try builder.run() }
            // The renamed shard has no index rows yet: the next run must drop and rewrite it.
            #expect(try shardFiles(crashed.output).count == crashAt)
            let resumed = try DatasetBuilder(options: crashed).run()
            #expect(resumed.alreadyCommitted == (crashAt - 1) * 3)
            #expect(try shardFiles(crashed.output) == shardFiles(clean.output))
            #expect(try indexContents(crashed.output) == indexContents(clean.output))
            #expect(try DatasetVerifier(directory: crashed.output).run().problems == [])
        }
    }

    @Test func leftoversOfACrashAreCleaned() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 4)
        let options = data.options()
        let builder = DatasetBuilder(options: options)
        builder.crashAfterShardRenames = 1
        _ = try? builder.run()
        try data.write("dataset/shards/shard-000001.tar.partial", [1, 2, 3])
        #expect(try DatasetVerifier(directory: options.output).run().problems.count == 2)
        _ = try DatasetBuilder(options: options).run()
        #expect(try shardFiles(options.output).keys.sorted() == ["shard-000000.tar", "shard-000001.tar"])
        #expect(try DatasetVerifier(directory: options.output).run().problems == [])
    }

    @Test func interruptionDiscardsTheOpenShardAndTheNextRunFinishes() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 40)
        var options = data.options()
        options.shardSize = 100
        options.workers = 1  // batches of 8 rows
        Interruption.request()
        defer { Interruption.request(false) }
        let stopped = try DatasetBuilder(options: options).run()
        #expect(stopped.interrupted)
        #expect(stopped.ok == 0)  // the 8 records built went with the discarded shard
        #expect(try shardFiles(options.output).isEmpty)  // the open shard was discarded
        Interruption.request(false)
        let finished = try DatasetBuilder(options: options).run()
        #expect(!finished.interrupted)
        #expect(finished.datasetOK == 40)
    }

    @Test func everyBadInputBecomesOneFailedRowAndTheRunGoesOn() throws {
        let data = try TestDataset()
        try data.writePNG("good.png")
        try data.writeJPEG("good.jpg")
        try data.write("empty.png", [])
        let png = try FileSystem.readFile(data.path("good.png"))
        try data.write("truncated.png", Array(png.prefix(png.count / 2)))
        var flipped = try FileSystem.readFile(data.path("good.jpg"))
        for i in stride(from: 200, to: flipped.count - 2, by: 7) { flipped[i] ^= 0x55 }
        try data.write("corrupt.jpg", Array(flipped.prefix(flipped.count - 300)))
        try data.write("notes.png", text: "this is not an image\n")
        try data.write("picture.gif", Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 40))
        // Over the pixel limit set below (good images have at most 120 x 90 = 10 800 pixels).
        try data.writePNG("huge.png", width: 200, height: 200)
        try data.writeSource([
            "good.png\ta good picture\t",
            "missing.png\ta missing file\t",
            "empty.png\tan empty file\t",
            "truncated.png\ta truncated png\t",
            "corrupt.jpg\ta corrupt jpeg\t",
            "notes.png\tnot an image\t",
            "picture.gif\tan unsupported format\t",
            "huge.png\ttoo many pixels\t",
            "good.jpg\t\t",
            "good.jpg\ttoo few columns",
            "good.jpg\ttoo many\tcolumns\there",
            "good.png\ta missing depth map\tnowhere.png",
            "good.jpg\tanother good picture\t",
        ])
        var options = data.options()
        options.stages = ["depth"]
        options.maxPixels = 20_000
        options.dedup = .off  // good.png and good.jpg come back on purpose
        let summary = try DatasetBuilder(options: options).run()
        #expect(summary.ok == 3)
        #expect(summary.failed == 10)
        let index = try DatasetIndex(path: options.output + "/index.sqlite", readOnly: true)
        let errors = try index.query("SELECT source_row, error FROM samples ORDER BY source_row").map { $0[1].string }
        let expected: [String?] = [
            nil, "image file not found", "empty image file", "corrupt image", "corrupt image", "not an image",
            "unsupported format", "image too large", "empty caption", "malformed row", "malformed row", nil, nil,
        ]
        #expect(errors.map { $0.map(RecordFailure.category) } == expected)
        #expect(errors.allSatisfy { !($0 ?? "").contains("\n") })
        // A missing depth map is a per-stage skip, with a placeholder so every record has the same members.
        let skips = try index.query("SELECT key, status, reason FROM stages WHERE stage = 'depth' ORDER BY key")
        #expect(skips.count == 3)
        #expect(skips.allSatisfy { $0[1].string == "skipped" })
        #expect(skips[1][2].string?.hasPrefix("depth map file not found") == true)
        #expect(try DatasetVerifier(directory: options.output).run().problems == [])
        // Every placeholder is the same all-black 16-bit map, encoded once and shared.
        var placeholders: [[UInt8]] = []
        for row in skips {
            let key = try #require(row[0].string)
            let location = try #require(try index.location(key: key, member: "depth.png"))
            placeholders.append(try FileSystem.readBytes(path: options.output + "/shards/" + location.shard,
                                                         offset: location.offset, count: location.size))
        }
        #expect(Set(placeholders).count == 1)
        let decoded = try ImageDecoder.decodeDepth(try #require(placeholders.first))
        #expect(decoded.width == 64 && decoded.height == 64 && decoded.values.allSatisfy { $0 == 0 })
        #expect(placeholders.first == (try PNGCodec.encode(decoded, compressionLevel: options.pngCompression)))
    }

    @Test func depthMapsFollowTheImageGeometry() throws {
        let data = try TestDataset()
        try data.writePNG("image.png", width: 120, height: 80)
        var depth = DepthMap(width: 120, height: 80, values: [UInt16](repeating: 0, count: 120 * 80))
        for y in 0..<80 { for x in 0..<120 { depth.values[y * 120 + x] = UInt16(x * 500) } }
        try data.write("depth.png", PNGCodec.encode(depth))
        try data.writeSource(["image.png\ta ramp\tdepth.png"])
        var options = data.options()
        options.stages = nil  // auto: the source has a depth column, so normal and depth run too
        _ = try DatasetBuilder(options: options).run()
        let index = try DatasetIndex(path: options.output + "/index.sqlite", readOnly: true)
        let location = try #require(try index.location(key: "000000000", member: "depth.png"))
        let bytes = try FileSystem.readBytes(path: options.output + "/shards/" + location.shard, offset: location.offset, count: location.size)
        // Exactly the image's geometry: 120x80 -> 96x64, center crop 64x64 at x = 16.
        let stored = try ImageDecoder.decodeDepth(bytes)
        let geometry = ResizeGeometry(sourceWidth: 120, sourceHeight: 80, resolution: 64, crop: .center)
        #expect(geometry.cropX == 16)
        #expect(stored == Resizer.resize(depth, to: geometry))
        let row = (0..<64).map { Int(stored.values[32 * 64 + $0]) }
        #expect(zip(row, row.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func everyStageWritesItsMemberAndRecordsItsParameters() throws {
        let data = try TestDataset()
        try data.writePNG("a.png", width: 120, height: 100, seed: 3)
        var depth = DepthMap(width: 120, height: 100)
        for y in 0..<100 { for x in 0..<120 { depth.values[y * 120 + x] = UInt16(20_000 + 200 * x + 100 * y) } }
        try data.write("a-depth.png", PNGCodec.encode(depth))
        try data.writeSource(["a.png\tone\ta-depth.png", "a.png\ttwo\t"])
        var options = data.options()
        options.stages = nil
        options.resolution = 96
        options.dedup = .off  // the same picture with and without a depth map
        let summary = try DatasetBuilder(options: options).run()
        #expect(summary.ok == 2)
        let index = try DatasetIndex(path: options.output + "/index.sqlite", readOnly: true)
        let members = try index.query("SELECT member FROM members WHERE key = '000000000' ORDER BY offset").compactMap { $0[0].string }
        #expect(members == ["jpg", "txt", "json", "canny.png", "hough.png", "scribble.png", "normal.png", "depth.png"])
        let stages = try index.query("SELECT key, stage, status, parameters FROM stages ORDER BY key, stage")
        #expect(stages.count == 10)
        #expect(stages.filter { $0[2].string == "skipped" }.map { $0[1].string } == ["depth", "normal"])
        let canny = try #require(stages.first { $0[1].string == "canny" }?[3].string)
        let thresholds = try JSONSerialization.jsonObject(with: Data(canny.utf8)) as! [String: Int]
        #expect((50...150).contains(thresholds["low"]!) && thresholds["high"]! >= thresholds["low"]! + 50)
        // A skipped stage's JSON has the same fields and types as a run one (pyarrow reads one schema).
        let json = try index.query("SELECT key FROM samples").map { row -> [String: Any] in
            let location = try #require(try index.location(key: row[0].string!, member: "json"))
            let bytes = try FileSystem.readBytes(path: options.output + "/shards/" + location.shard, offset: location.offset, count: location.size)
            return try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        }
        let normalRun = (json[0]["stages"] as! [String: Any])["normal"] as! [String: Any]
        let normalSkipped = (json[1]["stages"] as! [String: Any])["normal"] as! [String: Any]
        #expect(Set(normalRun.keys) == Set(normalSkipped.keys))
        #expect(normalSkipped["reason"] as? String != "" && normalRun["reason"] as? String == "")
        #expect(try DatasetVerifier(directory: options.output).run().problems == [])
    }

    @Test func largeJPEGsAreDecodedAtAReducedScaleButRecordTheirFullSize() throws {
        let data = try TestDataset()
        try data.writeJPEG("big.jpg", width: 300, height: 260)
        try data.writeSource(["big.jpg\ta big picture"], header: "image\tcaption")
        var options = data.options()
        options.resolution = 64
        _ = try DatasetBuilder(options: options).run()
        let reader = try DatasetReader(directory: options.output)
        let json = try JSONSerialization.jsonObject(with: Data(try reader.read(key: "000000000", member: "json"))) as! [String: Any]
        let resize = json["resize"] as! [String: Any]
        #expect(json["original_width"] as? Int == 300 && json["original_height"] as? Int == 260)
        #expect(resize["decoded_width"] as? Int == 75 && resize["decoded_height"] as? Int == 65)  // 1/4 scale: 65 >= 64
        #expect(json["width"] as? Int == 64 && json["height"] as? Int == 64)

        options.crop = .none  // the long side may need every pixel: full decode
        options.output = data.path("uncropped")
        _ = try DatasetBuilder(options: options).run()
        let full = try JSONSerialization.jsonObject(with: Data(try DatasetReader(directory: options.output).read(key: "000000000", member: "json"))) as! [String: Any]
        #expect((full["resize"] as! [String: Any])["decoded_width"] as? Int == 300)
    }

    @Test func anIndexLeftHalfCreatedByAKillIsStartedAgain() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 2)
        try data.write("dataset/index.sqlite", [])  // killed right after sqlite3_open
        #expect(!DatasetIndex.isInitialized(path: data.output + "/index.sqlite"))
        #expect(try DatasetBuilder(options: data.options()).run().datasetOK == 2)
        #expect(DatasetIndex.isInitialized(path: data.output + "/index.sqlite"))
        #expect(try DatasetBuilder(options: data.options()).run().upToDate)
    }

    @Test func changedOptionsAreRefusedUntilForced() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 3)
        _ = try DatasetBuilder(options: data.options()).run()
        var other = data.options()
        other.resolution = 128
        let error = #expect(throws: DatasetError.self) { try DatasetBuilder(options: other).run() }
        #expect(error?.description.contains("image.resolution: dataset has 64, this run asks for 128") == true)
        #expect(error?.description.contains("--force") == true)
        let forced = try DatasetBuilder(options: other, force: true).run()
        #expect(forced.ok == 3)

        try data.write("captions.tsv", text: "image\tcaption\nimages/0.png\ta new caption\n")
        let changed = #expect(throws: DatasetError.self) { try DatasetBuilder(options: other).run() }
        #expect(changed?.description.contains("the source file's contents changed") == true)
        #expect(changed?.description.contains("image.resolution") == false)
    }

    @Test func retryFailedProcessesOnlyTheFailedRows() throws {
        let data = try TestDataset()
        try data.writePNG("a.png", seed: 1)
        try data.writeSource(["a.png\tfirst\t", "b.png\tsecond\t", "a.png\tthird\t"])
        var options = data.options()
        options.dedup = .off  // row 2 repeats row 0's image on purpose
        _ = try DatasetBuilder(options: options).run()
        try data.writePNG("b.png", seed: 2)
        let retried = try DatasetBuilder(options: options, retryFailed: true).run()
        #expect(retried.ok == 1)
        #expect(retried.failed == 0)
        #expect(retried.datasetOK == 3)
        #expect(try DatasetVerifier(directory: data.output).run().problems == [])
    }

    @Test func retryFailedAlsoFinishesAnInterruptedBuild() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 8)
        try data.write("captions.tsv", text: "image\tcaption\nnone.png\tmissing\n"
                       + String(decoding: try FileSystem.readFile(data.sourcePath), as: UTF8.self).split(separator: "\n").dropFirst().joined(separator: "\n") + "\n")
        let builder = DatasetBuilder(options: data.options())
        builder.crashAfterShardRenames = 2
        _ = try? builder.run()
        try data.writePNG("none.png", seed: 9)
        let retried = try DatasetBuilder(options: data.options(), retryFailed: true).run()
        #expect(retried.datasetOK == 9)
        #expect(retried.datasetFailed == 0)
        #expect(try DatasetVerifier(directory: data.output).run().problems == [])
    }

    @Test func keysComeFromTheKeyColumnSanitisedAndUnique() throws {
        let data = try TestDataset()
        try data.writePNG("a.png")
        try data.writeSource(["a.png\tone\tpic.1", "a.png\ttwo\tpic_1", "a.png\tthree\tx/y z"], header: "image\tcaption\tkey")
        _ = try DatasetBuilder(options: data.options()).run()
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        let rows = try index.query("SELECT key, error FROM samples ORDER BY source_row")
        #expect(rows.map { $0[0].string } == ["pic_1", nil, "x_y_z"])
        #expect(rows[1][1].string == "duplicate key: 'pic_1' is already used by source row 0")
    }

    @Test func captionDropoutIsSeededPerRecordAndKeepsTheCaption() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 30)
        _ = try DatasetBuilder(options: data.options()).run()
        let stats = try DatasetStats.read(directory: data.output)
        let ratio = try #require(stats.captionDropoutRatio)
        #expect(ratio > 0.2 && ratio < 0.8)
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        let captions = try index.query("SELECT caption FROM samples WHERE caption_dropped = 1")
        #expect(!captions.isEmpty && captions.allSatisfy { $0[0].string?.hasPrefix("a picture number") == true })
    }

    @Test func verifyFindsCorruptedAndMissingShards() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 6)
        _ = try DatasetBuilder(options: data.options()).run()
        var bytes = try FileSystem.readFile(data.output + "/shards/shard-000000.tar")
        bytes[600] ^= 0xff
        try data.write("dataset/shards/shard-000000.tar", bytes)
        try FileManager.default.removeItem(atPath: data.output + "/shards/shard-000001.tar")
        let problems = try DatasetVerifier(directory: data.output).run().problems
        #expect(problems.contains { $0.hasPrefix("shards/shard-000000.tar: sha256") })
        #expect(problems.contains("shards/shard-000001.tar: missing"))
    }
}
