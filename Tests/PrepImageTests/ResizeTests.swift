import Foundation
import Testing
@testable import PrepImage

@Suite("Resize")
struct ResizeTests {
    /// (source size, resolution, crop) cases covering integer and fractional shrinking and enlarging.
    static let shapes: [(Int, Int, Int, CropMode)] = [
        (64, 48, 24, .center),   // k = 1/2: exact 2x2 box average
        (90, 60, 20, .center),   // k = 1/3
        (50, 37, 23, .center),   // fractional shrink
        (37, 50, 17, .center),   // fractional shrink, portrait
        (64, 48, 48, .center),   // k = 1: a plain crop
        (13, 7, 20, .center),    // enlarge x2.86
        (9, 12, 25, .center),    // enlarge, portrait
        (130, 70, 64, .none),    // shrink to multiples of 64, per-axis scales differ
        (40, 30, 64, .none),     // enlarge to multiples of 64
        (3, 2, 5, .center),      // tiny source: Lanczos taps past both borders
    ]

    static var cases: [String] { shapes.indices.map { "\($0)" } }

    func geometry(_ index: String) -> ResizeGeometry {
        let (w, h, resolution, crop) = Self.shapes[Int(index)!]
        return ResizeGeometry(sourceWidth: w, sourceHeight: h, resolution: resolution, crop: crop)
    }

    @Test("fast RGB resize matches the 2-D reference", arguments: cases)
    func rgbMatchesReference(index: String) {
        let g = geometry(index)
        let image = randomImage(width: g.sourceWidth, height: g.sourceHeight, channels: 3, seed: 7)
        let fast = Resizer.resize(image, to: g)
        let slow = ReferenceResizer.resize(image, to: g)
        #expect(fast.width == g.outputWidth && fast.height == g.outputHeight && fast.channels == 3)
        #expect(difference(fast, slow).max <= 1, "\(g): max diff \(difference(fast, slow).max)")
    }

    @Test("the RGB vector kernel gives the portable loop's bytes", arguments: cases)
    func rgbVectorKernelEqualsPortableLoop(index: String) {
        guard VectorKernels.available else { return }
        let g = geometry(index)
        let image = randomImage(width: g.sourceWidth, height: g.sourceHeight, channels: 3, seed: 11)
        func resized(portable: Bool) -> [UInt8] {
            image.pixels.withUnsafeBufferPointer { pixels in
                Resizer.resample(channels: 3, geometry: g, maximum: 255, portable: portable) { row in
                    pixels.baseAddress! + row * g.sourceWidth * 3
                }
            }
        }
        #expect(resized(portable: false) == resized(portable: true), "\(g)")
    }

    @Test("fast gray resize matches the 2-D reference", arguments: cases)
    func grayMatchesReference(index: String) {
        let g = geometry(index)
        let image = smoothImage(width: g.sourceWidth, height: g.sourceHeight, channels: 1)
        #expect(difference(Resizer.resize(image, to: g), ReferenceResizer.resize(image, to: g)).max <= 1)
    }

    @Test("fast depth resize matches the 2-D reference", arguments: cases)
    func depthMatchesReference(index: String) {
        let g = geometry(index)
        var generator = SeededGenerator(seed: 99)
        let values = (0..<(g.sourceWidth * g.sourceHeight)).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
        let depth = DepthMap(width: g.sourceWidth, height: g.sourceHeight, values: values)
        let fast = Resizer.resize(depth, to: g)
        let slow = ReferenceResizer.resize(depth, to: g)
        #expect(fast.width == g.outputWidth && fast.height == g.outputHeight)
        let worst = zip(fast.values, slow.values).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1, "\(g): max diff \(worst)")
    }

    @Test("halving is an exact 2x2 box average, rounded half up")
    func boxAverage() {
        let image = Image(width: 4, height: 2, channels: 1, pixels: [1, 2, 10, 10, 3, 4, 10, 11])
        let g = ResizeGeometry(sourceWidth: 4, sourceHeight: 2, resolution: 1, crop: .none)
        #expect(g.outputWidth == 64)  // .none rounds up to 64; use center mode for the exact check
        let half = ResizeGeometry(sourceWidth: 4, sourceHeight: 2, resolution: 1, crop: .center)
        #expect(half.scaledWidth == 2 && half.scaledHeight == 1 && half.cropX == 0)
        // The crop keeps the left block (cropX = (2 - 1) / 2 = 0): (1+2+3+4)/4 = 2.5 -> 3.
        #expect(Resizer.resize(image, to: half).pixels == [3])
        let mirrored = Image(width: 4, height: 2, channels: 1, pixels: [10, 10, 1, 2, 10, 11, 3, 4])
        #expect(Resizer.resize(mirrored, to: half).pixels == [10])  // (10+10+10+11)/4 = 10.25
    }

    @Test("a fractional shrink weights partially covered pixels by their overlap")
    func fractionalArea() {
        // 3 -> 2 pixels: output 0 covers [0, 1.5) = pixel 0 + half of pixel 1.
        let image = Image(width: 3, height: 3, channels: 1, pixels: [0, 90, 180, 0, 90, 180, 0, 90, 180])
        let g = ResizeGeometry(sourceWidth: 3, sourceHeight: 3, resolution: 2, crop: .center)
        #expect(Resizer.resize(image, to: g).pixels == [30, 150, 30, 150])  // (0 + 45)/1.5, (45 + 180)/1.5
    }

    @Test("scale 1 is a plain crop")
    func identityCrop() {
        let image = randomImage(width: 10, height: 6, channels: 3, seed: 3)
        let g = ResizeGeometry(sourceWidth: 10, sourceHeight: 6, resolution: 6, crop: .center)
        let cropped = Resizer.resize(image, to: g)
        for y in 0..<6 {
            for x in 0..<6 { #expect(cropped[x, y] == image[x + 2, y]) }
        }
    }

    @Test("a constant picture stays constant, shrinking and enlarging", arguments: [(40, 30, 17), (7, 5, 30)])
    func constant(w: Int, h: Int, resolution: Int) {
        let image = Image(width: w, height: h, channels: 3, pixels: [UInt8](repeating: 201, count: w * h * 3))
        let g = ResizeGeometry(sourceWidth: w, sourceHeight: h, resolution: resolution, crop: .center)
        #expect(Resizer.resize(image, to: g).pixels.allSatisfy { $0 == 201 })
        let depth = DepthMap(width: w, height: h, values: [UInt16](repeating: 65535, count: w * h))
        #expect(Resizer.resize(depth, to: g).values.allSatisfy { $0 == 65535 })
    }

    @Test("Lanczos overshoot on a hard edge saturates instead of wrapping")
    func saturation() {
        var pixels = [UInt8](repeating: 0, count: 8 * 8)
        for y in 0..<8 { for x in 4..<8 { pixels[y * 8 + x] = 255 } }
        let image = Image(width: 8, height: 8, channels: 1, pixels: pixels)
        let g = ResizeGeometry(sourceWidth: 8, sourceHeight: 8, resolution: 29, crop: .center)
        let out = Resizer.resize(image, to: g)
        let row = Array(out.pixels[0..<29])
        // Monotone-ish edge: far left 0, far right 255, no wrapped values (e.g. 250 on the dark side).
        #expect(row.first == 0 && row.last == 255)
        #expect(row.prefix(10).allSatisfy { $0 < 20 } && row.suffix(10).allSatisfy { $0 > 235 })
    }
}
