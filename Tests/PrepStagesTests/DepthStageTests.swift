import PrepImage
import Testing
@testable import PrepStages

struct DepthStageTests {
    @Test func depthIsMinMaxNormalisedAndTruncatedLikeTheMidasAnnotator() throws {
        let depth = DepthMap(width: 4, height: 1, values: [1000, 1500, 2000, 3000])
        var random = RecordRandom(seed: 0, key: "k", stream: "depth")
        let result = try DepthStage().run(StageInput(image: Image(width: 4, height: 1, channels: 3), depth: depth), random: &random)
        // (d - min) / (max - min) * 255, truncated: 0, 63.75 -> 63, 127.5 -> 127, 255.
        #expect(result.condition.pixels == [0, 63, 127, 255])
        #expect(result.condition.channels == 1)
        #expect(result.parameters["depth_min"] == .int(1000))
        #expect(result.parameters["depth_max"] == .int(3000))
    }

    @Test func aFlatDepthMapGivesBlackAndNoDepthIsAnError() throws {
        var random = RecordRandom(seed: 0, key: "k", stream: "depth")
        let flat = DepthMap(width: 2, height: 2, values: [7, 7, 7, 7])
        let image = Image(width: 2, height: 2, channels: 3)
        #expect(try DepthStage().run(StageInput(image: image, depth: flat), random: &random).condition.pixels == [0, 0, 0, 0])
        #expect(throws: StageError.self) { try DepthStage().run(StageInput(image: image), random: &random) }
        #expect(DepthStage().placeholder(width: 3, height: 2).pixels == [UInt8](repeating: 0, count: 6))
    }

    @Test func theCatalogKnowsItsStagesAndRefusesOthers() throws {
        #expect(try StageCatalog.stage(named: "depth").name == "depth")
        let error = #expect(throws: StageError.self) { try StageCatalog.stage(named: "canny2") }
        #expect(error?.description.contains("known stages") == true)
    }
}
