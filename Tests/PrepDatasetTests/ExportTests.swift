import Foundation
import PrepImage
import Testing
@testable import PrepDataset

@Suite(.serialized)
struct ExportTests {
    /// A dataset of `count` records with the canny stage.
    func cannyDataset(count: Int) throws -> TestDataset {
        let data = try TestDataset()
        try data.writeGoodSource(count: count)
        var options = data.options()
        options.stages = ["canny"]
        _ = try DatasetBuilder(options: options).run()
        return data
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func imageFolderHoldsTheMembersBytesAndMetadataInColumnOrder() throws {
        let data = try cannyDataset(count: 5)
        let out = data.path("export")
        let summary = try DatasetExport(dataset: data.output, output: out, format: .imagefolder).run()
        #expect(summary.records == 5)
        #expect(summary.condition == "canny")  // the only stage: no --condition needed

        let text = try String(contentsOfFile: out + "/metadata.jsonl", encoding: .utf8)
        let first = try #require(text.split(separator: "\n").first)
        // HF datasets takes the column order from the first object: image, conditioning_image, text.
        #expect(first.hasPrefix(#"{"file_name": "images/000000000.jpg", "conditioning_image_file_name": "conditioning_images/000000000.png", "text": "#))
        let reader = try DatasetReader(directory: data.output)
        for (i, line) in try lines(out + "/metadata.jsonl").enumerated() {
            let key = String(format: "%09d", i)
            #expect(line["text"] as? String == "a picture number \(i)")  // kept without --bake-caption-dropout
            let image = try FileSystem.readFile(out + "/" + (line["file_name"] as! String))
            let condition = try FileSystem.readFile(out + "/" + (line["conditioning_image_file_name"] as! String))
            #expect(image == (try reader.read(key: key, member: "jpg")))
            #expect(condition == (try reader.read(key: key, member: "canny.png")))
        }
        let readme = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        #expect(readme.contains("--proportion_empty_prompts=0.5"))
        #expect(summary.instructions.contains("--train_data_dir=\(out)"))
        #expect(summary.instructions.contains("--train_data_dir=\(data.output)/shards"))
        #expect(summary.instructions.contains("--conditioning_image_column=canny.png"))
        #expect(!FileSystem.exists(out + "/metadata.jsonl.partial"))
    }

    @Test func bakedCaptionDropoutEmptiesExactlyTheDroppedCaptions() throws {
        let data = try cannyDataset(count: 12)
        let out = data.path("export")
        let summary = try DatasetExport(dataset: data.output, output: out, format: .imagefolder, bakeCaptionDropout: true).run()
        let index = try DatasetIndex(path: data.output + "/index.sqlite", readOnly: true)
        let dropped = Set(try index.query("SELECT key FROM samples WHERE caption_dropped = 1").compactMap { $0[0].string })
        #expect(!dropped.isEmpty && dropped.count < 12)  // both kinds present, or the test proves nothing
        #expect(summary.emptiedCaptions == dropped.count)
        for line in try lines(out + "/metadata.jsonl") {
            let key = String((line["file_name"] as! String).dropFirst("images/".count).prefix(9))
            #expect((line["text"] as! String).isEmpty == dropped.contains(key))
        }
        #expect(summary.instructions.contains("--proportion_empty_prompts=0\n") || summary.instructions.contains("--proportion_empty_prompts=0 "))
    }

    @Test func promptJSONIsTheFill50kLayout() throws {
        let data = try cannyDataset(count: 3)
        let out = data.path("export")
        _ = try DatasetExport(dataset: data.output, output: out, format: .jsonl).run()
        let text = try String(contentsOfFile: out + "/prompt.json", encoding: .utf8)
        #expect(text.hasPrefix(#"{"source": "source/000000000.png", "target": "target/000000000.jpg", "prompt": "a picture number 0"}"#))
        let reader = try DatasetReader(directory: data.output)
        for (i, line) in try lines(out + "/prompt.json").enumerated() {
            let key = String(format: "%09d", i)
            #expect(try FileSystem.readFile(out + "/" + (line["source"] as! String)) == reader.read(key: key, member: "canny.png"))
            #expect(try FileSystem.readFile(out + "/" + (line["target"] as! String)) == reader.read(key: key, member: "jpg"))
        }
    }

    @Test func recordsWhoseStageWasSkippedAreLeftOut() throws {
        let data = try TestDataset()
        try data.writePNG("a.png", width: 64, height: 64)
        try data.writePNG("b.png", width: 64, height: 64, seed: 2)
        try data.write("a.depth.png", PNGCodec.encode(DepthMap(width: 64, height: 64, values: (0..<4096).map { UInt16($0 * 16) })))
        try data.writeSource(["a.png\thas depth\ta.depth.png", "b.png\thas none\t"])
        var options = data.options()
        options.stages = ["canny", "depth"]
        _ = try DatasetBuilder(options: options).run()
        let summary = try DatasetExport(dataset: data.output, output: data.path("export"), format: .imagefolder, condition: "depth").run()
        #expect(summary.records == 1)
        #expect(summary.skippedCount == 1)
        #expect(summary.instructions.contains("Left out: 1 records"))
        let both = try DatasetExport(dataset: data.output, output: data.path("export2"), format: .imagefolder, condition: "canny").run()
        #expect(both.records == 2)
    }

    @Test func badRequestsSayWhatToDo() throws {
        let data = try TestDataset()
        try data.writeGoodSource(count: 2)
        var options = data.options()
        options.stages = ["canny", "hough"]
        _ = try DatasetBuilder(options: options).run()
        func message(_ export: DatasetExport) -> String {
            do {
                _ = try export.run()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message(DatasetExport(dataset: data.output, output: data.path("a"), format: .imagefolder))
            .contains("several conditions (canny, hough): choose one with --condition"))
        #expect(message(DatasetExport(dataset: data.output, output: data.path("b"), format: .imagefolder, condition: "depth"))
            .contains("unknown condition 'depth'"))
        #expect(message(DatasetExport(dataset: data.path("nothing"), output: data.path("c"), format: .imagefolder, condition: "canny"))
            .contains("no dataset index at"))
        try data.write("full/file.txt", text: "x")
        #expect(message(DatasetExport(dataset: data.output, output: data.path("full"), format: .imagefolder, condition: "canny"))
            .contains("is not empty"))
    }
}
