import Foundation
import Testing
@testable import PrepNN

@Suite struct VectorMathTests {
    @Test func vectorExpMatchesFoundationExp() {
        var worst = 0.0
        var x: Float = -87
        while x <= 88.7 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0137 })
            let got = VectorMath.exp(lanes)
            for k in 0..<8 where lanes[k] <= 88.7 {
                let expected = Foundation.exp(Double(lanes[k]))
                worst = max(worst, abs(Double(got[k]) - expected) / expected)
            }
            x += 0.1093
        }
        #expect(worst < 2e-7, "largest relative error \(worst)")
        let edges = VectorMath.exp(SIMD8<Float>(-200, -88, 0, 1, 88.72, 89, 200, -.infinity))
        #expect(edges[0] == 0 && edges[1] == 0 && edges[2] == 1 && abs(edges[3] - Float(M_E)) < 1e-6)
        #expect(edges[4].isFinite && edges[4] > 3.3e38)
        #expect(edges[5] == .infinity && edges[6] == .infinity && edges[7] == 0)
    }

    @Test func mapHandlesTails() {
        let x = (0..<19).map { Float($0) * 0.25 - 2 }
        var y = [Float](repeating: 0, count: 19)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in VectorMath.map(xs.baseAddress!, ys.baseAddress!, 2..<19) { VectorMath.exp($0) } }
        }
        #expect(y[0] == 0 && y[1] == 0)
        for i in 2..<19 { #expect(abs(Double(y[i]) - Foundation.exp(Double(x[i]))) < 1e-6 * Foundation.exp(Double(x[i]))) }
    }
}
