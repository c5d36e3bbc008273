import PrepImage
import Testing
@testable import PrepStages

struct DepthStageTests {
    @Test func depthIsKeptAt16BitsWithItsRange() throws {
        let depth = DepthMap(width: 4, height: 1, values: [1000, 1500, 2000, 3000])
        var random = RecordRandom(seed: 0, key: "k", stream: "depth")
        let result = try DepthStage().run(StageInput(image: Image(width: 4, height: 1, channels: 3), depth: depth), random: &random)
        #expect(result.condition == .depth(depth))
        #expect(result.parameters["depth_min"] == .int(1000))
        #expect(result.parameters["depth_max"] == .int(3000))
    }

    @Test func noDepthIsAnErrorAndThePlaceholderIsBlack16Bit() throws {
        var random = RecordRandom(seed: 0, key: "k", stream: "depth")
        let image = Image(width: 2, height: 2, channels: 3)
        #expect(throws: StageError.self) { try DepthStage().run(StageInput(image: image), random: &random) }
        #expect(DepthStage().placeholder(width: 3, height: 2) == .depth(DepthMap(width: 3, height: 2, values: [0, 0, 0, 0, 0, 0])))
    }

    @Test func theCatalogKnowsItsStagesAndRefusesOthers() throws {
        #expect(try StageCatalog.stage(named: "depth").name == "depth")
        let error = #expect(throws: StageError.self) { try StageCatalog.stage(named: "canny2") }
        #expect(error?.description.contains("known stages") == true)
    }
}
