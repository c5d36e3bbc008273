import Foundation
import Testing

/// `prep preview` and `prep build --dedup` from the command line.
extension CommandLineTests {
    @Test func previewWritesASheetAndExplainsBadInput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("fill50k").path
        let dataset = directory.appendingPathComponent("ds").path
        let sheet = directory.appendingPathComponent("sheet.png").path
        _ = try run(["synth", "fill50k", "--count", "3", "--size", "64", "--out", source, "--quiet"])
        _ = try run(["build", "--source", source + "/captions.tsv", "--out", dataset, "--stages", "canny", "--resolution", "64", "--quiet"])
        let preview = try run(["preview", dataset, "--out", sheet, "--tile", "64"])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("\(sheet): \(8 + 2 * 72 + 480 + 8)x\(8 + 18 + 3 * 72 + 8), 3 records x 2 pictures"))
        #expect(FileManager.default.fileExists(atPath: sheet))
        let bad = try run(["preview", dataset, "--out", sheet, "--where", "no_such = 1"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no such column: no_such"))
        let dedup = try run(["build", "--source", source + "/captions.tsv", "--out", dataset + "2", "--dedup", "fuzzy"])
        #expect(dedup.status != 0)
        #expect(dedup.stderr.contains("--dedup must be off, exact or near (got 'fuzzy')"))
    }
}
