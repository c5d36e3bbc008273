import Foundation
import Testing
@testable import PrepNN

@Suite struct ActivationTests {
    @Test func siluForwardAndGradient() {
        let silu = SiLU()
        let x = randomTensor([2, 3, 4], seed: 1, scale: 3)
        let y = silu.forward(x).values
        for i in 0..<x.count {
            let v = Double(x[i])
            #expect(abs(Double(y[i]) - v / (1 + exp(-v))) < 1e-6)
        }
        let r = randomTensor([2, 3, 4], seed: 2)
        let dx = silu.backward(r)
        expectInputGradient("silu dx", input: x, analytic: dx, epsilon: 1e-3) { weightedSum(silu.forward(x), r) }
    }

    @Test func geluIsTheExactErfForm() {
        let gelu = GELU()
        let x = randomTensor([50], seed: 3, scale: 3)
        let y = gelu.forward(x).values
        for i in 0..<x.count {
            let v = Double(x[i])
            #expect(abs(Double(y[i]) - 0.5 * v * (1 + erf(v / 2.0.squareRoot()))) < 1e-6)
        }
        // The tanh approximation differs by more than 1e-4 somewhere in [-3, 3].
        let probe = Tensor(shape: [1], values: [-2.5])
        let approximation = 0.5 * -2.5 * (1 + tanh((2 / Double.pi).squareRoot() * (-2.5 + 0.044715 * -15.625)))
        #expect(abs(Double(gelu.forward(probe)[0]) - approximation) > 1e-4)
        let r = randomTensor([50], seed: 4)
        _ = gelu.forward(x)
        let dx = gelu.backward(r)
        expectInputGradient("gelu dx", input: x, analytic: dx, epsilon: 1e-3) { weightedSum(gelu.forward(x), r) }
    }

    @Test func linearForwardAndGradients() {
        let (arena, linear) = makeArena { scope, random in Linear(scope, inputFeatures: 5, outputFeatures: 3, random: &random) }
        let x = randomTensor([2, 4, 5], seed: 5)
        let y = linear.forward(x)
        #expect(y.shape == [2, 4, 3])
        let w = arena.value(named: "weight"), b = arena.value(named: "bias")
        for r in 0..<8 {
            for o in 0..<3 {
                var sum = Double(b[o])
                for i in 0..<5 { sum += Double(x[r * 5 + i]) * Double(w[o * 5 + i]) }
                #expect(abs(Double(y[r * 3 + o]) - sum) < 1e-5)
            }
        }
        let r = randomTensor([2, 4, 3], seed: 6)
        arena.zeroGradients()
        let dx = linear.backward(r)!
        let loss = { weightedSum(linear.forward(x), r) }
        expectInputGradient("linear dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }
}
