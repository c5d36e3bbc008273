import Testing
import PrepImage

/// Resizer against OpenCV's own cv2.resize output (fixtures written by
/// scripts/make-image-fixtures.py with opencv-python-headless). OpenCV computes 8-bit
/// resizes in fixed point, so ±1 is allowed.
@Suite("Resize matches OpenCV")
struct OpenCVReferenceTests {
    @Test("INTER_AREA (fractional shrink) and INTER_LANCZOS4 (enlarge) within 1",
          arguments: [("area", 50, 37, 23), ("lanczos4", 13, 7, 20)])
    func matchesOpenCV(filter: String, width: Int, height: Int, resolution: Int) throws {
        let g = ResizeGeometry(sourceWidth: width, sourceHeight: height, resolution: resolution, crop: .center)
        #expect(g.isEnlarging == (filter == "lanczos4"))

        let source = try Fixtures.rgb("opencv-input-\(width)x\(height).rgb", width: width, height: height)
        let expected = try Fixtures.rgb("opencv-\(filter)-\(width)x\(height)-r\(resolution).rgb",
                                        width: resolution, height: resolution)
        let diff = difference(Resizer.resize(source, to: g), expected)
        #expect(diff.max <= 1, "max \(diff.max)")
        #expect(diff.mean < 0.1, "mean \(diff.mean)")

        let depthSource = DepthMap(width: width, height: height,
                                   values: try Fixtures.depth16("opencv-input-\(width)x\(height).depth16"))
        let depthExpected = try Fixtures.depth16("opencv-\(filter)-\(width)x\(height)-r\(resolution).depth16")
        let depth = Resizer.resize(depthSource, to: g)
        let worst = zip(depth.values, depthExpected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1, "depth max diff \(worst)")
    }
}
