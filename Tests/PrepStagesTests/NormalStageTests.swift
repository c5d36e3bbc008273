import Foundation
import PrepImage
import Testing
@testable import PrepStages

/// The normal stage against the annotator's own output (scripts/goldens/normal.py): at most 1 per channel.
struct NormalStageTests {
    struct Case: Decodable {
        let input: String
        let output: String
        let a: Double
        let background_threshold: Double
        let depth_scale: Double
    }

    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens/normal")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func cases() throws -> [Case] {
        try JSONDecoder().decode([Case].self, from: Data(contentsOf: goldens.appendingPathComponent("cases.json")))
    }

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    @Test func matchesTheAnnotatorWithinOnePerChannel() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 20)
        for golden in cases {
            let inputURL = golden.input.hasPrefix("Examples/")
                ? Self.root.appendingPathComponent(golden.input) : Self.goldens.appendingPathComponent(golden.input)
            let depth = try ImageDecoder.decodeDepth(Self.bytes(inputURL))
            var stage = NormalStage()
            try stage.setOption("a", to: "\(golden.a)")
            try stage.setOption("background_threshold", to: "\(golden.background_threshold)")
            try stage.setOption("depth_scale", to: "\(golden.depth_scale)")
            var random = RecordRandom(seed: 0, key: "k", stream: "normal")
            let result = try stage.run(StageInput(image: Image(width: depth.width, height: depth.height, channels: 3), depth: depth), random: &random)
            guard case .image(let ours) = result.condition else { Issue.record("not an image"); continue }
            let expected = try ImageDecoder.decode(Self.bytes(Self.goldens.appendingPathComponent(golden.output)))
            #expect(ours.width == expected.width && ours.height == expected.height)
            var maxDifference = 0, differing = 0
            for (a, b) in zip(ours.pixels, expected.pixels) {
                let difference = abs(Int(a) - Int(b))
                maxDifference = max(maxDifference, difference)
                if difference > 0 { differing += 1 }
            }
            #expect(maxDifference <= 1, "\(golden.output): max difference \(maxDifference), \(differing) channel values differ")
        }
    }

    @Test func aFlatDepthGivesTheFlatNormalEverywhere() throws {
        var random = RecordRandom(seed: 0, key: "k", stream: "normal")
        let depth = DepthMap(width: 5, height: 4, values: [UInt16](repeating: 300, count: 20))
        let result = try NormalStage().run(StageInput(image: Image(width: 5, height: 4, channels: 3), depth: depth), random: &random)
        guard case .image(let normal) = result.condition else { Issue.record("not an image"); return }
        #expect(normal.pixels == [UInt8](repeating: 0, count: 20).flatMap { _ in [255, 127, 127] })
        #expect(result.parameters["background_fraction"] == .double(0))
    }

    @Test func optionsRoundTripAndBadValuesThrow() throws {
        var stage = NormalStage()
        try stage.setOption("background_threshold", to: "0.4")
        #expect(stage.options.first { $0.name == "background_threshold" }?.value == "0.4")
        #expect(throws: StageError.self) { try stage.setOption("background_threshold", to: "2") }
        #expect(throws: StageError.self) { try stage.setOption("alpha", to: "1") }
        var copy = NormalStage()
        for (name, value) in stage.options { try copy.setOption(name, to: value) }
        #expect(copy.options.map(\.value) == stage.options.map(\.value))
    }
}
