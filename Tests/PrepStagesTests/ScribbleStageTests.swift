import PrepImage
import Testing
@testable import PrepStages

struct ScribbleStageTests {
    static func photo() throws -> Image { try ScribbleGoldens.input("chelsea") }

    static func types(_ parameters: [String: StageParameter]) -> [String: String] {
        parameters.mapValues {
            switch $0 {
            case .int: return "int"
            case .double: return "double"
            case .string: return "string"
            case .bool: return "bool"
            }
        }
    }

    @Test func outputIsBinaryOneChannelOfTheInputSize() throws {
        let image = try Self.photo()
        for augment in ["paper", "none"] {
            var stage = ScribbleStage()
            try stage.setOption("augment", to: augment)
            for key in ["a", "b", "c"] {
                var random = RecordRandom(seed: 1, key: key, stream: stage.name)
                let result = try stage.run(StageInput(image: image), random: &random)
                guard case .image(let scribble) = result.condition else { Issue.record("not an image"); continue }
                #expect(scribble.width == image.width && scribble.height == image.height && scribble.channels == 1)
                #expect(scribble.pixels.allSatisfy { $0 == 0 || $0 == 255 })
                #expect(result.condition.density > 0.005 && result.condition.density < 0.6, "\(augment) \(key)")
            }
        }
    }

    @Test func parametersHaveFixedNamesAndTypesAndSkippedOnesMatch() throws {
        let image = try Self.photo()
        let expectedTypes = Self.types(ScribbleStage().skippedParameters)
        for augment in ["paper", "none"] {
            var stage = ScribbleStage()
            try stage.setOption("augment", to: augment)
            for key in ["k1", "k2", "k3", "k4"] {
                var random = RecordRandom(seed: 7, key: key, stream: "scribble")
                let result = try stage.run(StageInput(image: image), random: &random)
                #expect(Self.types(result.parameters) == expectedTypes)
                #expect(result.parameters["boundary"] == .string("soft"))
            }
        }
        var random = RecordRandom(seed: 7, key: "given", stream: "scribble")
        let given = ScribbleStage().run(boundary: ScribbleStage.softBoundary(image), random: &random)
        #expect(given.parameters["boundary"] == .string("given"))
        #expect(Self.types(given.parameters) == expectedTypes)
    }

    @Test func deterministicPerSeedKeyAndOptions() throws {
        let image = try Self.photo()
        let stage = ScribbleStage()
        func run(_ stage: ScribbleStage, seed: UInt64, key: String) throws -> StageResult {
            var random = RecordRandom(seed: seed, key: key, stream: stage.name)
            return try stage.run(StageInput(image: image), random: &random)
        }
        let first = try run(stage, seed: 1, key: "x")
        let again = try run(stage, seed: 1, key: "x")
        #expect(first.condition == again.condition && first.parameters == again.parameters)
        let otherKey = try run(stage, seed: 1, key: "y")
        let otherSeed = try run(stage, seed: 2, key: "x")
        #expect(otherKey.parameters != first.parameters)
        #expect(otherSeed.parameters != first.parameters)
        var narrow = stage
        try narrow.setOption("stroke_width", to: "3..3")
        let narrowResult = try run(narrow, seed: 1, key: "x")
        #expect(narrowResult.parameters["stroke_width"] == .int(3))
        // The same draws for the other laws: only the stroke width changed.
        #expect(narrowResult.parameters["threshold"] == first.parameters["threshold"])
        #expect(narrowResult.parameters["sigma"] == first.parameters["sigma"])
    }

    @Test func augmentNoneIsTheDeterministicChain() throws {
        let image = try Self.photo()
        var stage = ScribbleStage()
        try stage.setOption("augment", to: "none")
        var random = RecordRandom(seed: 3, key: "k", stream: "scribble")
        let before = random
        let result = try stage.run(StageInput(image: image), random: &random)
        #expect(result.condition == .image(ScribbleStage.scribble(boundary: ScribbleStage.softBoundary(image), threshold: 127, sigma: 3.0)))
        #expect(result.parameters["threshold"] == .int(127) && result.parameters["sigma"] == .double(3.0))
        #expect(result.parameters["morphology"] == .string("none") && result.parameters["stroke_width"] == .int(0))
        // Nothing was drawn.
        var after = random, untouched = before
        #expect(after.next() == untouched.next())
        // A given three-channel boundary with equal channels is the same as its one channel.
        let boundary = ScribbleStage.softBoundary(image)
        let rgb = Image(width: boundary.width, height: boundary.height, channels: 3, pixels: boundary.pixels.flatMap { [$0, $0, $0] })
        #expect(stage.run(boundary: rgb, random: &random).condition == .image(ScribbleStage.scribble(boundary: boundary)))
    }

    @Test func optionsRoundTripAndAreSorted() throws {
        var stage = ScribbleStage()
        let names = stage.options.map(\.name)
        #expect(names == names.sorted())
        #expect(Dictionary(uniqueKeysWithValues: stage.options.map { ($0.name, $0.value) }) == [
            "augment": "paper", "boundary_scale": "1.0", "masked_fraction": "0.0..0.5",
            "morphology_probability": "0.5", "morphology_radius": "1..2", "sigma": "1.5..4.5",
            "stroke_width": "1..24", "threshold": "80..160",
        ])
        let changes = [
            ("augment", "none"), ("boundary_scale", "1.5"), ("masked_fraction", "0.1..0.3"),
            ("morphology_probability", "0.25"), ("morphology_radius", "2..3"), ("sigma", "2.0..3.0"),
            ("stroke_width", "4..12"), ("threshold", "100..150"),
        ]
        for (name, value) in changes { try stage.setOption(name, to: value) }
        #expect(stage.options.map(\.value) == changes.map(\.1))
        var copy = ScribbleStage()
        for (name, value) in stage.options { try copy.setOption(name, to: value) }
        #expect(copy.options.map(\.value) == stage.options.map(\.value))
        #expect(copy.augmentation == stage.augmentation && copy.boundaryScale == 1.5 && copy.augment == .none)
    }

    @Test(arguments: [
        ("augment", "random"), ("boundary_scale", "0"), ("boundary_scale", "x"), ("masked_fraction", "0.5..0.1"),
        ("masked_fraction", "0..1.5"), ("morphology_probability", "2"), ("morphology_radius", "0..2"),
        ("sigma", "0.1..3"), ("stroke_width", "0..24"), ("stroke_width", "1..100"), ("threshold", "60..300"),
        ("threshold", "abc"), ("colour", "red"),
    ])
    func badOptionValuesThrow(_ name: String, _ value: String) {
        var stage = ScribbleStage()
        let error = #expect(throws: StageError.self) { try stage.setOption(name, to: value) }
        #expect(error?.description.contains(name) == true)
    }

    @Test func emptyAndTinyImagesWork() throws {
        for (width, height) in [(0, 0), (1, 1), (1, 9), (9, 1), (3, 2)] {
            let image = Image(width: width, height: height, channels: 3,
                              pixels: (0..<(width * height * 3)).map { UInt8($0 * 37 % 256) })
            for augment in ["paper", "none"] {
                var stage = ScribbleStage()
                try stage.setOption("augment", to: augment)
                var random = RecordRandom(seed: 0, key: "tiny", stream: "scribble")
                let result = try stage.run(StageInput(image: image), random: &random)
                #expect(result.condition.width == width && result.condition.height == height)
            }
        }
    }
}
