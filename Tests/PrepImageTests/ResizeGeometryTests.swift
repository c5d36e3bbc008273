import Testing
import PrepImage

@Suite("Resize geometry")
struct ResizeGeometryTests {
    struct Case: Sendable, CustomStringConvertible {
        var source: (Int, Int), resolution: Int, crop: CropMode
        var scaled: (Int, Int), cropOrigin: (Int, Int), output: (Int, Int), enlarging: Bool
        var description: String { "\(source.0)x\(source.1) @\(resolution) \(crop)" }
    }

    static let cases: [Case] = [
        // center: short side -> resolution, long side rounded, centered square.
        Case(source: (768, 512), resolution: 512, crop: .center, scaled: (768, 512), cropOrigin: (128, 0), output: (512, 512), enlarging: false),
        Case(source: (512, 768), resolution: 512, crop: .center, scaled: (512, 768), cropOrigin: (0, 128), output: (512, 512), enlarging: false),
        Case(source: (1000, 667), resolution: 512, crop: .center, scaled: (768, 512), cropOrigin: (128, 0), output: (512, 512), enlarging: false),
        Case(source: (300, 200), resolution: 512, crop: .center, scaled: (768, 512), cropOrigin: (128, 0), output: (512, 512), enlarging: true),
        Case(source: (333, 333), resolution: 512, crop: .center, scaled: (512, 512), cropOrigin: (0, 0), output: (512, 512), enlarging: true),
        // 1001 * 512/500 = 1025.024 -> 1025; (1025 - 512) / 2 = 256.5 -> 256.
        Case(source: (1001, 500), resolution: 512, crop: .center, scaled: (1025, 512), cropOrigin: (256, 0), output: (512, 512), enlarging: true),
        // 3 * 3/2 = 4.5 rounds half away from zero to 5.
        Case(source: (3, 2), resolution: 3, crop: .center, scaled: (5, 3), cropOrigin: (1, 0), output: (3, 3), enlarging: true),
        // none: ControlNet resize_image, multiples of 64, no crop.
        Case(source: (768, 512), resolution: 512, crop: .none, scaled: (768, 512), cropOrigin: (0, 0), output: (768, 512), enlarging: false),
        Case(source: (1000, 667), resolution: 512, crop: .none, scaled: (768, 512), cropOrigin: (0, 0), output: (768, 512), enlarging: false),
        Case(source: (300, 200), resolution: 512, crop: .none, scaled: (768, 512), cropOrigin: (0, 0), output: (768, 512), enlarging: true),
        // 160/64 = 2.5 rounds half to even (2), 96/64 = 1.5 to 2: numpy.round, not half-up.
        Case(source: (160, 64), resolution: 64, crop: .none, scaled: (128, 64), cropOrigin: (0, 0), output: (128, 64), enlarging: false),
        Case(source: (64, 96), resolution: 64, crop: .none, scaled: (64, 128), cropOrigin: (0, 0), output: (64, 128), enlarging: false),
        Case(source: (224, 64), resolution: 64, crop: .none, scaled: (256, 64), cropOrigin: (0, 0), output: (256, 64), enlarging: false),
        // 1000 * 0.512 = 512 -> 512; 1300 * 0.512 = 665.6 -> 10.4 -> 640.
        Case(source: (1300, 1000), resolution: 512, crop: .none, scaled: (640, 512), cropOrigin: (0, 0), output: (640, 512), enlarging: false),
        // A side rounding to 0 is kept at 64.
        Case(source: (1000, 10), resolution: 20, crop: .none, scaled: (1984, 64), cropOrigin: (0, 0), output: (1984, 64), enlarging: true),
    ]

    @Test("scaled size, crop window and filter choice", arguments: cases)
    func geometry(c: Case) {
        let g = ResizeGeometry(sourceWidth: c.source.0, sourceHeight: c.source.1, resolution: c.resolution, crop: c.crop)
        #expect(g.sourceWidth == c.source.0 && g.sourceHeight == c.source.1)
        #expect(g.scaledWidth == c.scaled.0 && g.scaledHeight == c.scaled.1, "scaled \(g.scaledWidth)x\(g.scaledHeight)")
        #expect(g.cropX == c.cropOrigin.0 && g.cropY == c.cropOrigin.1, "crop at \(g.cropX),\(g.cropY)")
        #expect(g.outputWidth == c.output.0 && g.outputHeight == c.output.1, "output \(g.outputWidth)x\(g.outputHeight)")
        #expect(g.isEnlarging == c.enlarging)
    }

    @Test("none mode always gives multiples of 64")
    func multiplesOf64() {
        for (w, h) in [(17, 913), (640, 480), (1920, 1080), (4000, 3000), (123, 456)] {
            for resolution in [256, 512, 768] {
                let g = ResizeGeometry(sourceWidth: w, sourceHeight: h, resolution: resolution, crop: .none)
                #expect(g.outputWidth % 64 == 0 && g.outputHeight % 64 == 0 && g.outputWidth >= 64 && g.outputHeight >= 64)
            }
        }
    }
}
