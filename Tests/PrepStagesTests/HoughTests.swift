import Foundation
import PrepImage
import Testing
@testable import PrepStages

/// Agreement of two line drawings: a white pixel counts as matched when the other drawing has a
/// white pixel within `tolerance` pixels (Chebyshev distance).
enum LineMapAgreement {
    static func f1(ours: Image, theirs: Image, tolerance: Int = 2) -> (precision: Double, recall: Double, f1: Double) {
        func matched(_ a: Image, in b: Image) -> (matched: Int, total: Int) {
            var matched = 0, total = 0
            for y in 0..<a.height {
                for x in 0..<a.width where a.pixels[y * a.width + x] != 0 {
                    total += 1
                    search: for ny in max(0, y - tolerance)...min(b.height - 1, y + tolerance) {
                        for nx in max(0, x - tolerance)...min(b.width - 1, x + tolerance) where b.pixels[ny * b.width + nx] != 0 {
                            matched += 1
                            break search
                        }
                    }
                }
            }
            return (matched, total)
        }
        let p = matched(ours, in: theirs), r = matched(theirs, in: ours)
        if p.total == 0 && r.total == 0 { return (1, 1, 1) }
        let precision = p.total == 0 ? 0 : Double(p.matched) / Double(p.total)
        let recall = r.total == 0 ? 0 : Double(r.matched) / Double(r.total)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        return (precision, recall, f1)
    }
}

struct ProbabilisticHoughTests {
    static func segment(_ values: [Int]) -> LineSegment { LineSegment(x0: values[0], y0: values[1], x1: values[2], y1: values[3]) }

    @Test func withOpenCVsPointOrderTheSegmentsAreOpenCVs() throws {
        let manifest = try CannyHoughFixtures.houghManifest()
        var report: [String] = []
        for golden in manifest.cases {
            let edges = try CannyHoughFixtures.grayGolden("hough/" + golden.edges)
            let input = try CannyHoughFixtures.input(source: golden.source)
            #expect(CannyHoughFixtures.fnv1a64(input.pixels) == golden.input_fnv1a64, "\(golden.name): input pixels differ")
            #expect(Canny.edges(input, low: 50, high: 200) == edges, "\(golden.name): Canny(50, 200)")
            var order = OpenCVRandom()
            let ours = ProbabilisticHough.segments(edges: edges, rho: 1, theta: .pi / 180, threshold: 50,
                                                   minLineLength: golden.min_line_length, maxLineGap: golden.max_line_gap,
                                                   order: &order)
            let shortSide = min(golden.width, golden.height)
            #expect(HoughStage.scaledLength(50, shortSide: shortSide) == golden.min_line_length)
            #expect(HoughStage.scaledLength(10, shortSide: shortSide) == golden.max_line_gap)
            let expected = golden.segments.map(Self.segment)
            let identical = ours == expected
            report.append("\(golden.name): \(ours.count) segments, OpenCV \(expected.count), identical: \(identical)")
            #expect(identical, "\(golden.name): segments differ from cv2.HoughLinesP")
        }
        print("HoughLinesP with cv::RNG order:\n  " + report.joined(separator: "\n  "))
    }

    @Test func recordOrderIsDeterministicAndDependsOnTheKey() throws {
        let edges = try CannyHoughFixtures.grayGolden("hough/camera_edges.png")
        func run(_ key: String) -> [LineSegment] {
            var random = RecordRandom(seed: 11, key: key, stream: "hough")
            return ProbabilisticHough.segments(edges: edges, rho: 1, theta: .pi / 180, threshold: 50,
                                               minLineLength: 50, maxLineGap: 10, random: &random)
        }
        #expect(run("a") == run("a"))
        #expect(run("a") != run("b"))
        #expect(!run("a").isEmpty)
    }

    @Test func theGridsLinesAreFoundWhateverTheOrder() {
        // A synthetic 320x240 grid: every segment found must lie on one of its drawn lines.
        let image = CannyHoughFixtures.synthetic("grid")
        let edges = Canny.edges(image, low: 50, high: 200)
        var random = RecordRandom(seed: 1, key: "grid", stream: "hough")
        let segments = ProbabilisticHough.segments(edges: edges, rho: 1, theta: .pi / 180, threshold: 50,
                                                   minLineLength: 50, maxLineGap: 10, random: &random)
        #expect(segments.count >= 10)
        let drawn = LineRenderer.draw(segments, width: image.width, height: image.height)
        var onEdges = 0, total = 0
        for i in drawn.pixels.indices where drawn.pixels[i] != 0 {
            total += 1
            let x = i % image.width, y = i / image.width
            var near = false
            for ny in max(0, y - 2)...min(image.height - 1, y + 2) {
                for nx in max(0, x - 2)...min(image.width - 1, x + 2) where edges.pixels[ny * image.width + nx] != 0 { near = true }
            }
            if near { onEdges += 1 }
        }
        #expect(Double(onEdges) >= 0.99 * Double(total))
    }

    @Test func emptyAndDegenerateEdgeMaps() {
        var random = RecordRandom(seed: 0, key: "k", stream: "hough")
        let black = Image(width: 30, height: 20, channels: 1)
        #expect(ProbabilisticHough.segments(edges: black, rho: 1, theta: .pi / 180, threshold: 1,
                                            minLineLength: 0, maxLineGap: 0, random: &random).isEmpty)
        let empty = Image(width: 0, height: 0, channels: 1)
        #expect(ProbabilisticHough.segments(edges: empty, rho: 1, theta: .pi / 180, threshold: 1,
                                            minLineLength: 0, maxLineGap: 0, random: &random).isEmpty)
        #expect(ProbabilisticHough.angleBinCount(thetaStep: Double(Float(Double.pi / 180))) == 180)
        #expect(ProbabilisticHough.angleBinCount(thetaStep: Double.pi / 2) == 2)
    }

    @Test func roundingIsCvRoundsHalfToEven() {
        let cases: [(Float, Int)] = [(0.5, 0), (1.5, 2), (2.5, 2), (-0.5, 0), (-1.5, -2), (-2.5, -2), (0.49, 0), (-0.51, -1),
                                     (1023.7, 1024), (-1023.7, -1024), (4_000_000.5, 4_000_000)]
        for (value, expected) in cases { #expect(ProbabilisticHough.roundHalfEven(value) == expected, "\(value)") }
    }

    @Test func openCVRandomMatchesCvRNG() {
        // cv::RNG((uint64)-1): state = low32 * 4164903690 + high32, starting from all ones.
        var rng = OpenCVRandom()
        let first = rng.next()
        #expect(first == UInt32(truncatingIfNeeded: UInt64(0xFFFF_FFFF) &* 4_164_903_690 &+ 0xFFFF_FFFF))
    }
}

struct LineRendererTests {
    @Test func matchesCv2LineOnSingleSegmentsIncludingClipping() throws {
        let manifest = try CannyHoughFixtures.houghManifest()
        let tiles = manifest.line_tiles
        let stacked = try CannyHoughFixtures.grayGolden("hough/" + tiles.file)
        #expect(stacked.height == tiles.tile_height * tiles.segments.count)
        for (k, values) in tiles.segments.enumerated() {
            let ours = LineRenderer.draw([ProbabilisticHoughTests.segment(values)], width: tiles.tile_width, height: tiles.tile_height)
            let start = k * tiles.tile_width * tiles.tile_height
            let expected = Array(stacked.pixels[start..<(start + tiles.tile_width * tiles.tile_height)])
            #expect(ours.pixels == expected, "segment \(values)")
        }
    }

    @Test func matchesCv2LineOnTheHoughGoldens() throws {
        for golden in try CannyHoughFixtures.houghManifest().cases {
            let expected = try CannyHoughFixtures.grayGolden("hough/" + golden.lines)
            let ours = LineRenderer.draw(golden.segments.map(ProbabilisticHoughTests.segment), width: golden.width, height: golden.height)
            #expect(ours == expected, "\(golden.name): \(CannyHoughFixtures.differingPixels(ours, expected)) pixels differ")
        }
    }

    @Test func drawsEndpointsInclusiveAndClipsAway() {
        let image = LineRenderer.draw([LineSegment(x0: 1, y0: 1, x1: 4, y1: 1), LineSegment(x0: -5, y0: -5, x1: -1, y1: -9)], width: 6, height: 3)
        #expect(image.pixels == [0, 0, 0, 0, 0, 0,
                                 0, 255, 255, 255, 255, 0,
                                 0, 0, 0, 0, 0, 0])
        #expect(LineRenderer.draw([LineSegment(x0: 0, y0: 0, x1: 3, y1: 3)], width: 0, height: 4).pixels.isEmpty)
    }
}

struct HoughStageTests {
    /// The stage's default (`point_order = opencv`): the drawing is OpenCV's, pixel for pixel (F1 = 1).
    @Test func byDefaultTheDrawingIsOpenCVsOnEveryExampleImage() throws {
        let stage = HoughStage()
        #expect(stage.pointOrder == .opencv)
        for golden in try CannyHoughFixtures.houghManifest().cases where golden.source.hasPrefix("examples:") {
            let input = try CannyHoughFixtures.input(source: golden.source)
            var random = RecordRandom(seed: 42, key: golden.name, stream: "hough")
            guard case .image(let drawing) = try stage.run(StageInput(image: input), random: &random).condition else {
                Issue.record("hough must produce an 8-bit image")
                continue
            }
            let expected = try CannyHoughFixtures.grayGolden("hough/" + golden.lines)
            #expect(drawing == expected, "\(golden.name): F1 \(LineMapAgreement.f1(ours: drawing, theirs: expected).f1)")
        }
    }

    /// With the record's own point order the segments differ from OpenCV's (which points start a
    /// line is random), so the drawings agree only approximately. Measured with 6 seeds, two of our
    /// own orders disagree about as much as ours and OpenCV's do (F1 between seeds: astronaut
    /// 0.85-0.87, horse 0.74-0.82 with only 7 lines, the rest 0.88-0.99): the bounds below are that
    /// intrinsic spread, not an implementation tolerance (the test above shows exactness).
    @Test func withTheRecordOrderTheDrawingAgreesWithOpenCVs() throws {
        var stage = HoughStage()
        try stage.setOption("point_order", to: "record")
        var report: [String] = []
        var pooled = (ours: 0, oursMatched: 0, theirs: 0, theirsMatched: 0)
        for golden in try CannyHoughFixtures.houghManifest().cases where golden.source.hasPrefix("examples:") {
            let input = try CannyHoughFixtures.input(source: golden.source)
            var random = RecordRandom(seed: 42, key: golden.name, stream: "hough")
            let result = try stage.run(StageInput(image: input), random: &random)
            guard case .image(let drawing) = result.condition else {
                Issue.record("hough must produce an 8-bit image")
                continue
            }
            #expect(drawing.channels == 1 && drawing.width == input.width && drawing.height == input.height)
            let expected = try CannyHoughFixtures.grayGolden("hough/" + golden.lines)
            let agreement = LineMapAgreement.f1(ours: drawing, theirs: expected)
            let ourPixels = drawing.pixels.filter { $0 != 0 }.count, theirPixels = expected.pixels.filter { $0 != 0 }.count
            pooled.ours += ourPixels
            pooled.oursMatched += Int((agreement.precision * Double(ourPixels)).rounded())
            pooled.theirs += theirPixels
            pooled.theirsMatched += Int((agreement.recall * Double(theirPixels)).rounded())
            guard case .int(let lines) = result.parameters["lines"] else {
                Issue.record("lines must be an int")
                continue
            }
            report.append(String(format: "%@: F1 %.3f (precision %.3f, recall %.3f), lines %d, OpenCV %d", golden.name,
                                 agreement.f1, agreement.precision, agreement.recall, lines, golden.segments.count))
            let bound = golden.segments.count >= 50 ? 0.8 : 0.5
            #expect(agreement.f1 >= bound, "\(golden.name): F1 \(agreement.f1)")
        }
        let precision = Double(pooled.oursMatched) / Double(pooled.ours), recall = Double(pooled.theirsMatched) / Double(pooled.theirs)
        let pooledF1 = 2 * precision * recall / (precision + recall)
        report.append(String(format: "all images pooled: F1 %.3f", pooledF1))
        print("hough stage vs cv2 (Chebyshev tolerance 2):\n  " + report.joined(separator: "\n  "))
        #expect(pooledF1 >= 0.9)
    }

    @Test func sameSeedAndKeyGiveTheSameResult() throws {
        let input = try CannyHoughFixtures.input(source: "examples:camera.png")
        let stage = HoughStage()
        func run(_ key: String) throws -> StageResult {
            var random = RecordRandom(seed: 5, key: key, stream: "hough")
            return try stage.run(StageInput(image: input), random: &random)
        }
        let first = try run("r1"), again = try run("r1")
        #expect(first.condition == again.condition && first.parameters == again.parameters)
        guard case .int(let lines) = first.parameters["lines"] else {
            Issue.record("lines must be an int")
            return
        }
        var random = RecordRandom(seed: 5, key: "r1", stream: "hough")
        #expect(stage.segments(of: input, random: &random).count == lines)
        #expect(Set(stage.skippedParameters.keys) == Set(first.parameters.keys))
        #expect(stage.skippedParameters["lines"] == .int(0))
        #expect(stage.name == "hough" && stage.outputKind == .gray)
    }

    @Test func tooFewLinesFailTheRecord() throws {
        var stage = HoughStage()
        let input = CannyHoughFixtures.synthetic("grid")
        var random = RecordRandom(seed: 5, key: "g", stream: "hough")
        let count = stage.segments(of: input, random: &random).count
        try stage.setOption("min_lines", to: String(count))
        random = RecordRandom(seed: 5, key: "g", stream: "hough")
        #expect(try stage.run(StageInput(image: input), random: &random).parameters["lines"] == .int(count))
        try stage.setOption("min_lines", to: String(count + 1))
        random = RecordRandom(seed: 5, key: "g", stream: "hough")
        let error = #expect(throws: StageError.self) { try stage.run(StageInput(image: input), random: &random) }
        #expect(error?.description == "found \(count) lines, fewer than min_lines \(count + 1)")
    }

    @Test func lengthsScaleWithTheShorterSide() throws {
        #expect(HoughStage.scaledLength(50, shortSide: 512) == 50)
        #expect(HoughStage.scaledLength(50, shortSide: 1024) == 100)
        #expect(HoughStage.scaledLength(50, shortSide: 256) == 25)
        #expect(HoughStage.scaledLength(10, shortSide: 300) == 6)  // 5.86 rounds to 6
        #expect(HoughStage.scaledLength(10, shortSide: 0) == 0)

        // A 40-pixel square at 256x256: found with min_line_length 50 scaled to 25, missed unscaled.
        var pixels = [UInt8](repeating: 0, count: 256 * 256)
        for y in 100..<140 { for x in 100..<140 { pixels[y * 256 + x] = 255 } }
        let image = Image(width: 256, height: 256, channels: 1, pixels: pixels)
        var stage = HoughStage()
        try stage.setOption("threshold", to: "20")
        var random = RecordRandom(seed: 1, key: "square", stream: "hough")
        let scaled = stage.segments(of: image, random: &random)
        #expect(!scaled.isEmpty)
        #expect(scaled.allSatisfy { max(abs($0.x1 - $0.x0), abs($0.y1 - $0.y0)) >= 25 })
        random = RecordRandom(seed: 1, key: "square", stream: "hough")
        let unscaled = ProbabilisticHough.segments(edges: Canny.edges(image, low: 50, high: 200), rho: 1, theta: .pi / 180,
                                                   threshold: 20, minLineLength: 50, maxLineGap: 10, random: &random)
        #expect(unscaled.isEmpty)
    }

    @Test func optionsRoundTripAndBadValuesThrow() throws {
        var stage = HoughStage()
        #expect(stage.options.map(\.name) == stage.options.map(\.name).sorted())
        #expect(stage.options.map(\.name) == ["canny_high", "canny_low", "max_line_gap", "min_line_length", "min_lines", "point_order", "rho", "theta", "threshold"])
        for (name, value) in [("canny_low", "30"), ("canny_high", "120"), ("rho", "2.0"), ("theta", "0.5"), ("threshold", "80"),
                              ("min_line_length", "70"), ("max_line_gap", "4"), ("min_lines", "17"), ("point_order", "record")] {
            try stage.setOption(name, to: value)
        }
        var copy = HoughStage()
        for option in stage.options { try copy.setOption(option.name, to: option.value) }
        #expect(copy.options.map(\.value) == stage.options.map(\.value))
        #expect(copy.options.map(\.value) == ["120", "30", "4", "70", "17", "record", "2.0", "0.5", "80"])
        for (name, value) in [("rho", "0"), ("theta", "-1"), ("theta", "abc"), ("threshold", "0"), ("min_lines", "-3"), ("canny_low", "1.5"), ("point_order", "random")] {
            let error = #expect(throws: StageError.self) { try stage.setOption(name, to: value) }
            #expect(error?.description.contains(name) == true)
        }
        let error = #expect(throws: StageError.self) { try stage.setOption("gap", to: "1") }
        #expect(error?.description.contains("options") == true)
    }
}
