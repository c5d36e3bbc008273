import Foundation
import Testing

/// `prep export` on a small built dataset: the layout, the printed trainer flags, bad input.
extension CommandLineTests {
    @Test func exportWritesImageFolderAndPrintsTheTrainerFlags() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("fill50k").path
        let dataset = directory.appendingPathComponent("ds").path
        let out = directory.appendingPathComponent("export").path
        _ = try run(["synth", "fill50k", "--count", "4", "--size", "64", "--out", source, "--quiet"])
        let build = try run(["build", "--source", source + "/captions.tsv", "--out", dataset, "--stages", "canny,hough",
                             "--resolution", "64", "--quiet"])
        #expect(build.status == 0, "\(build.stderr)")

        let export = try run(["export", dataset, "--format", "imagefolder", "--condition", "canny", "--out", out])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("\(out): 4 records (imagefolder, condition canny)"))
        #expect(export.stdout.contains("--train_data_dir=\(out) \\\n    --image_column=image \\\n    --conditioning_image_column=conditioning_image \\\n    --caption_column=text"))
        #expect(export.stdout.contains("--train_data_dir=\(dataset)/shards \\\n    --image_column=jpg"))
        let metadata = try String(contentsOfFile: out + "/metadata.jsonl", encoding: .utf8)
        #expect(metadata.split(separator: "\n").count == 4)
        #expect(FileManager.default.fileExists(atPath: out + "/conditioning_images/000000003.png"))

        let badFormat = try run(["export", dataset, "--format", "parquet", "--out", out + "2"])
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("--format must be imagefolder or jsonl (got 'parquet')"))
        let noCondition = try run(["export", dataset, "--format", "jsonl", "--out", out + "3"])
        #expect(noCondition.status != 0)
        #expect(noCondition.stderr.contains("choose one with --condition"))
        let missing = try run(["export", directory.appendingPathComponent("none").path, "--format", "jsonl", "--out", out + "4"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no dataset index at"))
    }
}
