import Foundation
import PrepImage
import Testing
@testable import PrepStages

/// Inputs and goldens shared by the canny and hough tests (made by scripts/goldens/canny_hough.py).
enum CannyHoughFixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let goldens = testsDirectory.appendingPathComponent("Goldens")

    struct CannyManifest: Decodable {
        struct Output: Decodable {
            let file: String
            let edge_pixels: Int
        }
        struct Case: Decodable {
            let name, source: String
            let width, height, channels: Int
            let input_fnv1a64: String
            let outputs: [String: Output]
        }
        let pairs: [[Int]]
        let cases: [Case]
    }

    struct HoughManifest: Decodable {
        struct Case: Decodable {
            let name, source: String
            let width, height: Int
            let input_fnv1a64: String
            /// HoughLinesP's lengths: the stage's defaults scaled to the image.
            let min_line_length, max_line_gap: Int
            let edges, lines: String
            let segments: [[Int]]
        }
        struct Tiles: Decodable {
            let file: String
            let tile_width, tile_height: Int
            let segments: [[Int]]
        }
        let cases: [Case]
        let line_tiles: Tiles
    }

    static func cannyManifest() throws -> CannyManifest {
        try JSONDecoder().decode(CannyManifest.self, from: Data(contentsOf: goldens.appendingPathComponent("canny/manifest.json")))
    }

    static func houghManifest() throws -> HoughManifest {
        try JSONDecoder().decode(HoughManifest.self, from: Data(contentsOf: goldens.appendingPathComponent("hough/manifest.json")))
    }

    /// A 1-channel 0/255 golden (stored as a 1-bit PNG; the decoder hands out RGB).
    static func grayGolden(_ relativePath: String) throws -> Image {
        let rgb = try PNGCodec.decode([UInt8](Data(contentsOf: goldens.appendingPathComponent(relativePath))))
        let gray = stride(from: 0, to: rgb.pixels.count, by: 3).map { rgb.pixels[$0] }
        return Image(width: rgb.width, height: rgb.height, channels: 1, pixels: gray)
    }

    /// The input a golden case was made from: an Examples image decoded as prep decodes it, or a
    /// synthetic image rebuilt from its formula.
    static func input(source: String) throws -> Image {
        if source.hasPrefix("examples:") {
            let url = packageRoot.appendingPathComponent("Examples/images").appendingPathComponent(String(source.dropFirst(9)))
            return try ImageDecoder.decode([UInt8](Data(contentsOf: url)))
        }
        precondition(source.hasPrefix("synthetic:"), "unknown source \(source)")
        return synthetic(String(source.dropFirst(10)))
    }

    /// The seed-free integer hash of the golden script: 0...255 for a sample position.
    static func patternHash(_ x: Int, _ y: Int, _ c: Int) -> Int {
        let mask: UInt64 = 0xFFFF_FFFF
        var h = (UInt64(x) &* 374_761_393 &+ UInt64(y) &* 668_265_263 &+ UInt64(c) &* 2_246_822_519) & mask
        h = ((h ^ (h >> 13)) &* 1_274_126_177) & mask
        return Int((h ^ (h >> 16)) & 255)
    }

    /// The synthetic images of the golden script (`synthetic_cases`), same formulas.
    static func synthetic(_ name: String) -> Image {
        func make(_ width: Int, _ height: Int, _ channels: Int, _ formula: (Int, Int, Int) -> Int) -> Image {
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<channels {
                        pixels[(y * width + x) * channels + c] = UInt8(min(255, max(0, formula(x, y, c))))
                    }
                }
            }
            return Image(width: width, height: height, channels: channels, pixels: pixels)
        }
        switch name {
        case "flat": return make(64, 48, 3) { _, _, _ in 128 }
        case "vertical_edge": return make(64, 48, 1) { x, _, _ in x < 29 ? 40 : 200 }
        case "horizontal_edge": return make(64, 48, 3) { _, y, c in y < 21 ? 200 - 70 * c : 20 + 70 * c }
        case "diagonal_edge": return make(64, 64, 3) { x, y, c in 2 * x > 3 * y ? 220 - 90 * c : 30 + 80 * c }
        case "anti_diagonal_edge": return make(64, 64, 1) { x, y, _ in x + y < 70 ? 30 : 220 }
        case "step_noise": return make(96, 64, 3) { x, y, c in (x < 48 ? 70 : 170) + patternHash(x, y, c) % 41 - 20 }
        case "noise": return make(80, 60, 3) { x, y, c in patternHash(x, y, c) }
        case "noise_gray": return make(80, 60, 1) { x, y, c in patternHash(x, y, c) }
        case "column": return make(1, 50, 3) { x, y, c in (y < 25 ? 50 : 200) + patternHash(x, y, c) % 20 }
        case "row": return make(50, 1, 1) { x, y, c in patternHash(x, y, c) }
        case "odd": return make(37, 23, 3) { x, y, c in (x * 29 + y * 47 + c * 83) % 256 }
        case "grid":
            return make(320, 240, 1) { x, y, _ in x % 40 < 2 || y % 30 < 2 || abs(x - 2 * y) < 2 ? 255 : 0 }
        case "large":
            return make(2000, 1500, 3) { x, y, c in
                let rings = (((x - 1000) * (x - 1000) + (y - 750) * (y - 750)) / 20000) % 2 * 150
                return rings + 50 + 20 * c + ((x / 250 + y / 250) % 2) * 30
            }
        default: preconditionFailure("no synthetic image \(name)")
        }
    }

    static func fnv1a64(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Number of pixels where two same-size 1-channel images differ.
    static func differingPixels(_ a: Image, _ b: Image) -> Int {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels)
        return zip(a.pixels, b.pixels).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
    }
}

struct CannyTests {
    @Test func matchesOpenCVGoldensOnExamplesAndSyntheticImages() throws {
        let manifest = try CannyHoughFixtures.cannyManifest()
        #expect(manifest.cases.count >= 20)
        var report: [String] = []
        for golden in manifest.cases {
            let input = try CannyHoughFixtures.input(source: golden.source)
            #expect(input.width == golden.width && input.height == golden.height)
            // The script's input must be exactly the pixels we feed (decoder and formulas agree).
            let channelsMatch = input.channels == golden.channels
            #expect(channelsMatch, "\(golden.name): channels")
            #expect(CannyHoughFixtures.fnv1a64(input.pixels) == golden.input_fnv1a64, "\(golden.name): input pixels differ")
            for (pair, output) in golden.outputs.sorted(by: { $0.key < $1.key }) {
                let thresholds = pair.split(separator: "_").map { Double($0)! }
                let expected = try CannyHoughFixtures.grayGolden("canny/" + output.file)
                let ours = Canny.edges(input, low: thresholds[0], high: thresholds[1])
                let differing = CannyHoughFixtures.differingPixels(ours, expected)
                let fraction = Double(differing) / Double(max(1, output.edge_pixels))
                report.append("\(golden.name) \(pair): \(differing) differing of \(output.edge_pixels) edge pixels")
                // OpenCV's own test tolerates 1% of edge pixels; we aim for (and get) 0.
                #expect(fraction <= 0.01, "\(golden.name) \(pair): \(differing) of \(output.edge_pixels) edge pixels differ")
            }
        }
        print("canny vs cv2.Canny:\n  " + report.joined(separator: "\n  "))
    }

    @Test func fastPathEqualsTheReferenceOnRandomInputs() {
        var random = RecordRandom(seed: 7, key: "canny-fast-vs-reference", stream: "test")
        for trial in 0..<300 {
            let width = random.uniform(in: 1...40), height = random.uniform(in: 1...40)
            let channels = random.bernoulli(0.5) ? 3 : 1
            // Full-range noise, low-amplitude noise (many equal magnitudes: tie rules), or blocks.
            let style = random.uniform(in: 0...2)
            let amplitude = style == 1 ? random.uniform(in: 1...6) : 255
            let block = random.uniform(in: 2...9)
            var blockValues: [Int: UInt8] = [:]
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<channels {
                        let value: UInt8
                        if style == 2 {
                            let key = ((y / block) * 64 + x / block) * 4 + c
                            if blockValues[key] == nil { blockValues[key] = UInt8(random.uniform(in: 0...255)) }
                            value = blockValues[key]!
                        } else {
                            value = UInt8(random.uniform(in: 0...amplitude))
                        }
                        pixels[(y * width + x) * channels + c] = value
                    }
                }
            }
            let image = Image(width: width, height: height, channels: channels, pixels: pixels)
            let scale = style == 1 ? 8.0 : 300.0
            let low = random.uniform() * scale - 2, high = random.uniform() * scale * 1.5 - 2  // any order, fractional
            let fast = Canny.edges(image, low: low, high: high)
            let reference = Canny.referenceEdges(image, low: low, high: high)
            #expect(fast == reference, "trial \(trial): \(width)x\(height)x\(channels) style \(style) low \(low) high \(high)")
            // Gradients computed once and shared (the canny and hough stages): the same edges.
            let shared = Canny.gradients(image)
            #expect(Canny.edges(shared, low: low, high: high) == reference, "trial \(trial), shared gradients")
            #expect(Canny.edges(shared, low: high, high: low + 1) == Canny.referenceEdges(image, low: high, high: low + 1))
            // The portable Swift suppression (processors without AVX2) gives the same edges too.
            #expect(Canny.edges(shared, low: low, high: high, portable: true) == reference, "trial \(trial), portable")
        }
    }

    @Test func fastPathEqualsTheReferenceOnExampleImages() throws {
        for file in ["astronaut.png", "coins.png"] {
            let image = try CannyHoughFixtures.input(source: "examples:" + file)
            for (low, high) in [(100.0, 200.0), (20.0, 40.0)] {
                let reference = Canny.referenceEdges(image, low: low, high: high)
                #expect(Canny.edges(image, low: low, high: high) == reference, "\(file) \(low)/\(high)")
                #expect(Canny.edges(Canny.gradients(image), low: low, high: high) == reference, "\(file) \(low)/\(high) shared")
            }
        }
    }

    /// A record's stages share one StageInput: the edge maps they get from it equal the
    /// unshared ones, for repeated and for floored-equal thresholds, and so do the stages' outputs.
    @Test func sharedImageWorkGivesTheUnsharedResults() throws {
        let image = try CannyHoughFixtures.input(source: "examples:astronaut.png")
        let input = StageInput(image: image)
        for (low, high) in [(50.0, 200.0), (50.9, 200.5), (100.0, 180.0), (200.0, 50.0)] {
            #expect(input.shared.cannyEdges(low: low, high: high) == Canny.edges(image, low: low, high: high), "\(low)/\(high)")
        }
        var canny = CannyStage()
        try canny.setOption("low", to: "50..50")
        try canny.setOption("gap", to: "150")
        try canny.setOption("high_max", to: "200")
        let hough = HoughStage()
        var random = RecordRandom(seed: 1, key: "k", stream: "canny")
        let sharedCanny = try canny.run(input, random: &random)
        random = RecordRandom(seed: 1, key: "k", stream: "hough")
        let sharedHough = try hough.run(input, random: &random)
        random = RecordRandom(seed: 1, key: "k", stream: "canny")
        #expect(try canny.run(StageInput(image: image), random: &random).condition == sharedCanny.condition)
        random = RecordRandom(seed: 1, key: "k", stream: "hough")
        #expect(try hough.run(StageInput(image: image), random: &random).condition == sharedHough.condition)
    }

    @Test func outputIsBinaryGrayOfTheInputSize() {
        let image = CannyHoughFixtures.synthetic("step_noise")
        let edges = Canny.edges(image, low: 30, high: 90)
        #expect(edges.width == image.width && edges.height == image.height && edges.channels == 1)
        #expect(edges.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        #expect(edges.pixels.contains(255))
        let empty = Canny.edges(Image(width: 0, height: 5, channels: 3), low: 1, high: 2)
        #expect(empty.width == 0 && empty.height == 5 && empty.pixels.isEmpty)
    }

    @Test func thresholdsAreSwappedAndFlooredLikeOpenCV() {
        // A vertical step of 25 gives L1 magnitude 4 * 25 = 100 on one column.
        let step = Image(width: 20, height: 20, channels: 1, pixels: (0..<400).map { $0 % 20 < 10 ? 0 : 25 })
        func edgeCount(_ low: Double, _ high: Double) -> Int { Canny.edges(step, low: low, high: high).pixels.filter { $0 == 255 }.count }
        #expect(edgeCount(50, 99) == 20)
        #expect(edgeCount(50, 99.5) == 20)  // floor(99.5) = 99 < 100
        #expect(edgeCount(50, 100) == 0)  // strict >
        #expect(edgeCount(99.9, 99.9) == 20)
        #expect(edgeCount(99, 50) == 20)  // swapped to 50/99
        #expect(Canny.integerThresholds(low: .nan, high: 1e9) == (-1, 32767))
    }
}

struct CannyStageTests {
    @Test func thresholdsFollowTheDocumentedLaw() throws {
        var stage = CannyStage()
        for options in [("50..150", "255", "50"), ("1..250", "255", "100"), ("0..0", "0", "0"), ("200..240", "255", "50")] {
            try stage.setOption("low", to: options.0)
            try stage.setOption("high_max", to: options.1)
            try stage.setOption("gap", to: options.2)
            var seenLow = Set<Int>(), seenHigh = Set<Int>()
            for key in 0..<2000 {
                var random = RecordRandom(seed: 3, key: "record\(key)", stream: "canny")
                let thresholds = try stage.drawThresholds(random: &random)
                #expect(stage.low.contains(thresholds.low))
                #expect(thresholds.high <= stage.highMax)
                #expect(thresholds.high >= min(thresholds.low + stage.gap, stage.highMax))
                seenLow.insert(thresholds.low)
                seenHigh.insert(thresholds.high)
            }
            // Both ends of the low range are reached (uniform, not a fixed value).
            #expect(seenLow.contains(stage.low.lowerBound) && seenLow.contains(stage.low.upperBound))
            #expect(seenHigh.contains(stage.highMax))
        }
    }

    @Test func runDependsOnlyOnSeedKeyAndOptions() throws {
        let image = CannyHoughFixtures.synthetic("step_noise")
        let stage = CannyStage()
        func run(_ seed: UInt64, _ key: String) throws -> StageResult {
            var random = RecordRandom(seed: seed, key: key, stream: "canny")
            return try stage.run(StageInput(image: image), random: &random)
        }
        let first = try run(1, "a"), again = try run(1, "a")
        #expect(first.condition == again.condition && first.parameters == again.parameters)
        guard case .int(let low) = first.parameters["low"], case .int(let high) = first.parameters["high"] else {
            Issue.record("parameters must be ints")
            return
        }
        #expect(first.condition == .image(Canny.edges(image, low: Double(low), high: Double(high))))
        // The low threshold is the first draw, the high one the second.
        var random = RecordRandom(seed: 1, key: "a", stream: "canny")
        let drawnLow = random.uniform(in: 50...150)
        #expect(drawnLow == low)
        #expect(random.uniform(in: min(drawnLow + 50, 255)...255) == high)
        let others = try (0..<20).map { try run(2, "k\($0)").parameters }
        #expect(Set(others.map { "\($0)" }).count > 1)
        #expect(Set(stage.skippedParameters.keys) == Set(first.parameters.keys))
        #expect(stage.skippedParameters["low"] == .int(0))
        #expect(stage.outputKind == .gray && stage.name == "canny")
    }

    @Test func optionsRoundTripAndBadValuesThrow() throws {
        var stage = CannyStage()
        #expect(stage.options.map(\.name) == ["gap", "high_max", "low"])
        #expect(stage.options.map(\.value) == ["50", "255", "50..150"])
        try stage.setOption("low", to: "10..20")
        try stage.setOption("high_max", to: "90")
        try stage.setOption("gap", to: "5")
        var copy = CannyStage()
        for option in stage.options { try copy.setOption(option.name, to: option.value) }
        #expect(copy.options.map(\.value) == stage.options.map(\.value))
        #expect(copy.options.map(\.value) == ["5", "90", "10..20"])

        for (name, value) in [("low", "abc"), ("low", "20..10"), ("low", "-5..10"), ("high_max", "x"), ("high_max", "5000"), ("gap", "-1")] {
            let error = #expect(throws: StageError.self) { try stage.setOption(name, to: value) }
            #expect(error?.description.contains(name) == true)
        }
        #expect(throws: StageError.self) { try stage.setOption("sigma", to: "1") }

        // A low range above high_max is refused when a record runs.
        var bad = CannyStage()
        try bad.setOption("high_max", to: "100")
        var random = RecordRandom(seed: 0, key: "k", stream: "canny")
        let error = #expect(throws: StageError.self) { try bad.run(StageInput(image: Image(width: 4, height: 4, channels: 3)), random: &random) }
        #expect(error?.description.contains("high_max") == true)
    }
}
