import Foundation
import PrepImage
import Testing
@testable import PrepDataset

/// `--dedup`: in BuildTests' serialized suite (builds must not overlap its interruption test).
extension BuildTests {
    /// Rows 0-9: distinct pictures, except row 3 = row 1's file bytes under another name, row 6 =
    /// row 1 again, row 8 = row 4 recompressed as JPEG (other bytes, same picture).
    func dedupSource(_ data: TestDataset) throws {
        var rows: [String] = []
        for i in 0..<10 {
            switch i {
            case 3, 6: try data.write("images/\(i).png", FileSystem.readFile(data.path("images/1.png")))
            case 8:
                let picture = try ImageDecoder.decode(FileSystem.readFile(data.path("images/4.png")))
                try data.write("images/\(i).png", JPEGCodec.encode(picture, quality: 80))
            default: try data.write("images/\(i).png", PNGCodec.encode(Self.blocks(seed: UInt64(i))))
            }
            rows.append("images/\(i).png\tpicture \(i)")
        }
        try data.writeSource(rows, header: "image\tcaption")
    }

    /// A 96x80 picture of 8x8 random-coloured blocks: different seeds give unrelated dHashes
    /// (the gradient `TestDataset.pattern`s all look alike to it).
    static func blocks(seed: UInt64) -> Image {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var image = Image(width: 96, height: 80, channels: 3)
        var colours: [UInt8] = []
        for _ in 0..<(12 * 10 * 3) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            colours.append(UInt8(truncatingIfNeeded: state >> 32))
        }
        for y in 0..<80 {
            for x in 0..<96 {
                for c in 0..<3 { image.pixels[(y * 96 + x) * 3 + c] = colours[((y / 8) * 12 + x / 8) * 3 + c] }
            }
        }
        return image
    }

    func failedRows(_ output: String) throws -> [Int: String] {
        let index = try DatasetIndex(path: output + "/index.sqlite", readOnly: true)
        var errors: [Int: String] = [:]
        for row in try index.query("SELECT source_row, error FROM samples WHERE status = 'failed'") {
            errors[row[0].int!] = row[1].string
        }
        return errors
    }

    @Test func exactDuplicatesFailTheLaterRowsNamingTheKeptOne() throws {
        let data = try TestDataset()
        try dedupSource(data)
        let summary = try DatasetBuilder(options: data.options()).run()
        #expect(summary.ok == 8)
        #expect(try failedRows(data.output) == [3: "duplicate of 000000001", 6: "duplicate of 000000001"])
        #expect(summary.topReasons.first { $0.reason == "duplicate" }?.count == 2)
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        #expect(try index.query("SELECT COUNT(*) FROM members WHERE key = '000000003'")[0][0].int == 0)

        let stats = try DatasetStats.read(directory: data.output)
        #expect(stats.duplicates == .init(mode: "exact", exact: 2, near: 0, keptWithSameSHA256: 0))
        #expect(stats.failedByReason.map(\.reason) == ["duplicate"])
        #expect(stats.table().contains("dedup exact: 2 failed as exact, 0 as near duplicates"))
    }

    @Test func offKeepsEveryRowAndStatsStillCountTheRepeats() throws {
        let data = try TestDataset()
        try dedupSource(data)
        var options = data.options()
        options.dedup = .off
        let summary = try DatasetBuilder(options: options).run()
        #expect(summary.ok == 10)
        #expect(try DatasetStats.read(directory: data.output).duplicates == .init(mode: "off", exact: 0, near: 0, keptWithSameSHA256: 2))
    }

    @Test func nearDuplicatesAlsoFailWithTheirDistance() throws {
        let data = try TestDataset()
        try dedupSource(data)
        var options = data.options()
        options.dedup = .near
        _ = try DatasetBuilder(options: options).run()
        let failed = try failedRows(data.output)
        #expect(failed[3] == "duplicate of 000000001" && failed[6] == "duplicate of 000000001")
        let near = try #require(failed[8])
        #expect(near.hasPrefix("near duplicate of 000000004 (hamming "), "\(near)")
        #expect(failed.count == 3, "\(failed)")
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        #expect(try index.query("SELECT COUNT(*) FROM samples WHERE status = 'ok' AND length(dhash) = 16")[0][0].int == 7)
        #expect(try DatasetStats.read(directory: data.output).duplicates.near == 1)
        // `--dedup exact` keeps it: its file's bytes differ (exactDuplicatesFailTheLaterRowsNamingTheKeptOne).
    }

    @Test func decisionsDoNotDependOnWorkersAndSurviveACrash() throws {
        let data = try TestDataset()
        try dedupSource(data)
        var clean = data.options(output: data.path("clean"))
        clean.dedup = .near
        clean.workers = 1
        _ = try DatasetBuilder(options: clean).run()
        var four = clean
        four.output = data.path("four")
        four.workers = 4
        _ = try DatasetBuilder(options: four).run()
        #expect(try shardFiles(four.output) == shardFiles(clean.output))
        #expect(try indexContents(four.output) == indexContents(clean.output))
        // Shards of 3: the kept originals (rows 1 and 4) are committed before their copies come.
        for crashAt in 1...2 {
            var crashed = clean
            crashed.output = data.path("crashed-\(crashAt)")
            let builder = DatasetBuilder(options: crashed)
            builder.crashAfterShardRenames = crashAt
            #expect(throws: SimulatedCrash.self) { try builder.run() }
            _ = try DatasetBuilder(options: crashed).run()
            #expect(try shardFiles(crashed.output) == shardFiles(clean.output))
            #expect(try indexContents(crashed.output) == indexContents(clean.output))
        }
    }

    @Test func retryingFailedRowsKeepsDuplicatesFailed() throws {
        let data = try TestDataset()
        try dedupSource(data)
        _ = try DatasetBuilder(options: data.options()).run()
        let retried = try DatasetBuilder(options: data.options(), retryFailed: true).run()
        #expect(retried.ok == 0 && retried.failed == 2)
        #expect(try failedRows(data.output) == [3: "duplicate of 000000001", 6: "duplicate of 000000001"])
    }

    @Test func theModeIsPartOfTheFingerprint() throws {
        let data = try TestDataset()
        try dedupSource(data)
        _ = try DatasetBuilder(options: data.options()).run()
        var options = data.options()
        options.dedup = .near
        let error = #expect(throws: DatasetError.self) { try DatasetBuilder(options: options).run() }
        #expect(error?.description.contains("dedup.mode: dataset has exact, this run asks for near") == true)
        options.dedupDistance = 17
        #expect(throws: DatasetError.self) { try options.validate() }
    }
}
