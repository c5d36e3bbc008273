import Foundation
import PrepImage
import Testing
@testable import PrepDataset

@Suite("fill50k")
struct Fill50kTests {
    @Test func samplesAreDeterministicAndWellFormed() {
        let synth = Fill50k(count: 50, size: 64, seed: 3)
        for index in 0..<50 {
            let sample = synth.sample(index)
            #expect(sample == Fill50k(count: 1, size: 64, seed: 3).sample(index))  // depends on (seed, index) only
            #expect(sample.circleColour != sample.backgroundColour)
            #expect(sample.radius >= 4 && sample.radius <= 16)
            #expect(sample.centreX - sample.radius >= 0 && sample.centreX + sample.radius < 64)
            #expect(sample.centreY - sample.radius >= 0 && sample.centreY + sample.radius < 64)
            #expect(sample.caption == "\(sample.circleColour.name) circle with \(sample.backgroundColour.name) background")
        }
        #expect(synth.sample(0) != Fill50k(count: 1, size: 64, seed: 4).sample(0) || synth.sample(1) != Fill50k(count: 1, size: 64, seed: 4).sample(1))
    }

    @Test func pictureAndOutlineFollowTheCircle() {
        let synth = Fill50k(count: 1, size: 128)
        let sample = synth.sample(7)
        let target = synth.target(sample), source = synth.source(sample)
        func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(3 * (y * 128 + x))..<(3 * (y * 128 + x) + 3)]) }
        let (cr, cg, cb) = sample.circleColour.rgb, (br, bg, bb) = sample.backgroundColour.rgb
        #expect(pixel(target, sample.centreX, sample.centreY) == [cr, cg, cb])
        #expect(pixel(target, 0, 0) == [br, bg, bb] || (sample.centreX - 0) * (sample.centreX - 0) + sample.centreY * sample.centreY <= sample.radius * sample.radius)
        // The outline: white on the circle's edge, black at its centre and far outside.
        #expect(pixel(source, sample.centreX + sample.radius, sample.centreY) == [255, 255, 255])
        #expect(pixel(source, sample.centreX, sample.centreY - sample.radius) == [255, 255, 255])
        #expect(pixel(source, sample.centreX, sample.centreY) == [0, 0, 0])
        let white = stride(from: 0, to: source.pixels.count, by: 3).filter { source.pixels[$0] == 255 }.count
        let circumference = 2 * Double.pi * Double(sample.radius)
        #expect(Double(white) > circumference * 1.5 && Double(white) < circumference * 3.5)  // a ring about 2 px thick at 128
    }

    @Test func writesTheTutorialLayoutAndASourceForPrepBuild() throws {
        let directory = NSTemporaryDirectory() + "fill50k-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fill50k(count: 5, size: 32, seed: 1).write(to: directory)
        let prompts = try String(contentsOfFile: directory + "/prompt.json", encoding: .utf8).split(separator: "\n")
        #expect(prompts.count == 5)
        let first = try JSONSerialization.jsonObject(with: Data(prompts[0].utf8)) as? [String: String]
        #expect(first?["source"] == "source/0.png" && first?["target"] == "target/0.png")
        #expect(first?["prompt"] == Fill50k(count: 5, size: 32, seed: 1).sample(0).caption)
        let captions = try String(contentsOfFile: directory + "/captions.tsv", encoding: .utf8).split(separator: "\n")
        #expect(captions.first == "image\tcaption\toutline")
        #expect(captions.count == 6)
        let decoded = try PNGCodec.decode(try FileSystem.readFile(directory + "/target/4.png"))
        #expect(decoded.width == 32 && decoded.height == 32)
        #expect(decoded == Fill50k(count: 5, size: 32, seed: 1).target(Fill50k(count: 5, size: 32, seed: 1).sample(4)))

        // prep build reads it as it is.
        var options = BuildOptions()
        options.source = directory + "/captions.tsv"
        options.output = directory + "/dataset"
        options.stages = ["canny"]
        options.resolution = 64
        options.workers = 1
        let summary = try DatasetBuilder(options: options).run()
        #expect(summary.ok == 5 && summary.failed == 0)
    }

    @Test func refusesBadInput() throws {
        let directory = NSTemporaryDirectory() + "fill50k-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: Fill50kError.self) { try Fill50k(count: 0).write(to: directory) }
        #expect(throws: Fill50kError.self) { try Fill50k(count: 1, size: 8).write(to: directory) }
        try Fill50k(count: 1, size: 16).write(to: directory)
        #expect(throws: Fill50kError.self) { try Fill50k(count: 1, size: 16).write(to: directory) }  // not empty any more
    }
}
