import Foundation
import PrepImage
import Testing
@testable import PrepStages

struct ScribbleAugmentationTests {
    /// A soft boundary with a few separate ridges (Gaussian profile, peak 255): vertical lines at
    /// x = 40, 100, 160, 220 (rows 20..<236) and horizontal ones at y = 60, 130, 200
    /// (columns 240..<300).
    static func ridges(width: Int = 320, height: Int = 256) -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height)
        func ridge(_ distance: Int) -> UInt8 { UInt8(255 * exp(-Double(distance * distance) / 8)) }
        for y in 20..<236 {
            for line in [40, 100, 160, 220] {
                for dx in -6...6 { pixels[y * width + line + dx] = max(pixels[y * width + line + dx], ridge(dx)) }
            }
        }
        for line in [60, 130, 200] {
            for x in 240..<300 {
                for dy in -6...6 { pixels[(line + dy) * width + x] = max(pixels[(line + dy) * width + x], ridge(dy)) }
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }

    @Test func everyDrawStaysInItsRange() {
        let augmentation = ScribbleAugmentation()
        var morphologyCount = 0
        var operations = Set<String>(), elements = Set<String>(), radii = Set<Int>()
        var thresholds = Set<Int>(), widths = Set<Int>()
        let trials = 2000
        for i in 0..<trials {
            var random = RecordRandom(seed: 42, key: "record-\(i)", stream: "scribble")
            let draw = augmentation.draw(&random)
            #expect((80...160).contains(draw.threshold))
            #expect(draw.sigma >= 1.5 && draw.sigma < 4.5)
            #expect((1...2).contains(draw.morphologyRadius))
            #expect(draw.maskedFraction >= 0 && draw.maskedFraction < 0.5)
            #expect((1...24).contains(draw.strokeWidth))
            if let operation = draw.morphology {
                morphologyCount += 1
                operations.insert(operation.rawValue)
            }
            elements.insert(draw.morphologyElement.rawValue)
            radii.insert(draw.morphologyRadius)
            thresholds.insert(draw.threshold)
            widths.insert(draw.strokeWidth)
        }
        // Every value of the small laws occurs; the Bernoulli is near its probability.
        #expect(operations == ["dilate", "erode", "open", "close"])
        #expect(elements == ["square", "disk"])
        #expect(radii == [1, 2])
        #expect(widths == Set(1...24))
        #expect(thresholds == Set(80...160))
        #expect(abs(Double(morphologyCount) / Double(trials) - 0.5) < 0.05)
    }

    @Test func customRangesAreRespected() {
        var augmentation = ScribbleAugmentation()
        augmentation.thresholds = 100...100
        augmentation.sigmas = 2.0...2.0
        augmentation.morphologyProbability = 0
        augmentation.maskedFractions = 0.25...0.25
        augmentation.strokeWidths = 7...9
        for i in 0..<200 {
            var random = RecordRandom(seed: 1, key: "\(i)", stream: "scribble")
            let draw = augmentation.draw(&random)
            #expect(draw.threshold == 100 && draw.sigma == 2.0 && draw.morphology == nil && draw.maskedFraction == 0.25)
            #expect((7...9).contains(draw.strokeWidth))
        }
    }

    /// Morphology nicks, thins, bridges or merges strokes but never deletes one: with nothing
    /// masked, every kept line still has ink after any operation, element and radius.
    @Test func morphologyNeverDeletesAStroke() {
        let boundary = Self.ridges()
        var augmentation = ScribbleAugmentation()
        augmentation.morphologyProbability = 1
        augmentation.maskedFractions = 0...0
        augmentation.thresholds = 127...127
        augmentation.sigmas = 1.5...1.5  // the ridges' lines survive nms (7 of them)
        var operations = Set<String>()
        for i in 0..<80 {
            var random = RecordRandom(seed: 11, key: "\(i)", stream: "scribble")
            let outcome = augmentation.apply(to: boundary, random: &random)
            let components = ScribbleComponents(outcome.scribble).count
            #expect(outcome.components == 7)
            #expect(components >= 1 && components <= outcome.components, "\(outcome.draw)")
            if let applied = outcome.morphology {
                operations.insert(applied.operation.rawValue)
                if applied.operation == .erode || applied.operation == .open {
                    #expect(2 * applied.radius + 1 <= outcome.strokeWidthInPixels)
                }
            }
        }
        #expect(operations == ["dilate", "erode", "open", "close"])
    }

    /// The realised fraction of dropped components is the drawn one, to within 1/(2N).
    @Test func realisedMaskedFractionIsTheDrawnOne() {
        let boundary = Self.ridges()
        var augmentation = ScribbleAugmentation()
        augmentation.morphologyProbability = 0
        augmentation.strokeWidths = 1...1
        augmentation.thresholds = 127...127
        augmentation.sigmas = 1.5...1.5
        var sawMasking = false
        for i in 0..<40 {
            var random = RecordRandom(seed: 3, key: "\(i)", stream: "scribble")
            let outcome = augmentation.apply(to: boundary, random: &random)
            #expect(outcome.components == 7)
            let realised = Double(outcome.maskedComponents) / Double(outcome.components)
            #expect(abs(realised - outcome.draw.maskedFraction) <= 0.5 / 7 + 1e-12)
            // The output's components are exactly the kept ones.
            #expect(ScribbleComponents(outcome.scribble).count == outcome.components - outcome.maskedComponents)
            if outcome.maskedComponents > 0 { sawMasking = true }
        }
        #expect(sawMasking)
    }

    /// The realised stroke width across a vertical ridge is the suppressed line's own width L
    /// plus the applied width minus 1 (odd widths) or minus 2 (even widths: a centred disk covers
    /// an odd number of pixels across). L is 5 here, not 1: along an exactly vertical ridge the
    /// vertical neighbours tie, so ControlNet's nms keeps every pixel above the threshold.
    @Test(arguments: [1, 2, 3, 5, 8, 13, 24])
    func realisedStrokeWidthIsTheDrawnOne(_ width: Int) {
        let boundary = Self.ridges(width: 512, height: 256)  // min side 256: applied = round(w / 2)
        var augmentation = ScribbleAugmentation()
        augmentation.morphologyProbability = 0
        augmentation.maskedFractions = 0...0
        augmentation.strokeWidths = width...width
        augmentation.thresholds = 127...127
        augmentation.sigmas = 1.5...1.5
        var random = RecordRandom(seed: 9, key: "w\(width)", stream: "scribble")
        let outcome = augmentation.apply(to: boundary, random: &random)
        let applied = max(1, Int((Double(width) * 256 / 512).rounded()))
        #expect(outcome.strokeWidthInPixels == applied)
        func run(_ image: Image) -> Int {
            // Run of white pixels around x = 100 on row 128.
            let row = Array(image.pixels[(128 * 512)..<(129 * 512)])
            guard row[100] == 255 else { return 0 }
            var left = 100, right = 100
            while left > 0 && row[left - 1] == 255 { left -= 1 }
            while right < 511 && row[right + 1] == 255 { right += 1 }
            return right - left + 1
        }
        let line = run(FakeScribble.nonMaximumSuppression(boundary, threshold: 127, sigma: 1.5))
        let realised = run(outcome.scribble)
        let expected = line + (applied % 2 == 1 ? applied - 1 : applied - 2)
        print("stroke width \(width) at 512 -> \(applied) px applied on a 256 canvas; line \(line) px, stroke \(realised) px")
        #expect(line >= 1 && realised == expected, "width \(width): stroke \(realised), line \(line), applied \(applied)")
    }

    @Test func strokeThickeningOfAPointIsADisk() {
        var image = Image(width: 21, height: 21, channels: 1)
        image.pixels[10 * 21 + 10] = 255
        for width in [1, 3, 5, 7, 9] {
            let out = StrokeWidth.thicken(image, toWidth: width)
            let r = Double(width - 1) / 2
            for y in 0..<21 {
                for x in 0..<21 {
                    let inside = Double((x - 10) * (x - 10) + (y - 10) * (y - 10)) <= r * r
                    #expect(out.pixels[y * 21 + x] == (inside ? 255 : 0))
                }
            }
        }
    }

    /// Against the definition, pixel by pixel: white where some white input pixel lies within
    /// Euclidean distance (width - 1) / 2, for every width the augmentation draws.
    @Test func strokeThickeningMatchesTheDefinition() {
        var random = RecordRandom(seed: 9, key: "thicken", stream: "test")
        let width = 37, height = 29
        let image = Image(width: width, height: height, channels: 1,
                          pixels: (0..<(width * height)).map { _ in random.uniform(in: 0...60) == 0 ? 255 : 0 })
        let white = (0..<(width * height)).filter { image.pixels[$0] != 0 }.map { (x: $0 % width, y: $0 / width) }
        for strokeWidth in 1...25 {
            let out = StrokeWidth.thicken(image, toWidth: strokeWidth)
            let r = Double(strokeWidth - 1) / 2
            var mismatches = 0
            for y in 0..<height {
                for x in 0..<width {
                    let inside = white.contains { Double(($0.x - x) * ($0.x - x) + ($0.y - y) * ($0.y - y)) <= r * r }
                    if out.pixels[y * width + x] != (inside ? 255 : 0) { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "width \(strokeWidth)")
        }
    }

    @Test func greyMorphologyMatchesItsDefinition() {
        var random = RecordRandom(seed: 5, key: "morph", stream: "test")
        let width = 11, height = 8
        let image = Image(width: width, height: height, channels: 1, pixels: (0..<(width * height)).map { _ in UInt8(random.uniform(in: 0...255)) })
        for element in GreyMorphology.Element.allCases {
            for radius in 1...2 {
                let offsets = element.offsets(radius: radius)
                func reference(_ source: Image, maximum: Bool) -> Image {
                    var out = source
                    for y in 0..<height {
                        for x in 0..<width {
                            var v = source.pixels[y * width + x]
                            for (dx, dy) in offsets where (0..<width).contains(x + dx) && (0..<height).contains(y + dy) {
                                let s = source.pixels[(y + dy) * width + x + dx]
                                v = maximum ? max(v, s) : min(v, s)
                            }
                            out.pixels[y * width + x] = v
                        }
                    }
                    return out
                }
                #expect(GreyMorphology.apply(.dilate, element: element, radius: radius, to: image) == reference(image, maximum: true))
                #expect(GreyMorphology.apply(.erode, element: element, radius: radius, to: image) == reference(image, maximum: false))
                #expect(GreyMorphology.apply(.open, element: element, radius: radius, to: image)
                    == reference(reference(image, maximum: false), maximum: true))
                #expect(GreyMorphology.apply(.close, element: element, radius: radius, to: image)
                    == reference(reference(image, maximum: true), maximum: false))
            }
        }
        #expect(GreyMorphology.Element.disk.offsets(radius: 1).count == 5)
        #expect(GreyMorphology.Element.square.offsets(radius: 2).count == 25)
    }

    @Test func componentsAreEightConnected() {
        // Two diagonal-touching pixels form one component; a separate pixel another.
        var image = Image(width: 5, height: 4, channels: 1)
        image.pixels[0] = 255; image.pixels[6] = 255; image.pixels[3 * 5 + 4] = 255
        let components = ScribbleComponents(image)
        #expect(components.count == 2)
        #expect(components.labels[0] == 1 && components.labels[6] == 1 && components.labels[19] == 2)
        #expect(components.keeping(droppedLabels: [1]).pixels.filter { $0 == 255 }.count == 1)
    }
}
