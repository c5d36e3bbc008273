import Foundation
import Testing
@testable import PrepNN

@Suite struct NormalizationTests {
    @Test func groupNormForwardMatchesDoubleFormula() {
        let (arena, norm) = makeArena { scope, _ in GroupNorm(scope, groupCount: 2, channels: 4) }
        let x = randomTensor([2, 4, 3, 3], seed: 1, scale: 2)
        let y = norm.forward(x).values
        let gamma = arena.value(named: "weight"), beta = arena.value(named: "bias")
        let xs = x.values
        for n in 0..<2 {
            for g in 0..<2 {
                let group = (0..<18).map { Double(xs[n * 36 + g * 18 + $0]) }
                let mean = group.reduce(0, +) / 18
                let variance = group.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
                for i in 0..<18 {
                    let c = g * 2 + i / 9
                    let expected = (group[i] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c])
                    #expect(abs(Double(y[n * 36 + g * 18 + i]) - expected) < 1e-5)
                }
            }
        }
    }

    @Test func groupNormGradients() {
        let (arena, norm) = makeArena { scope, _ in GroupNorm(scope, groupCount: 2, channels: 4) }
        let x = randomTensor([2, 4, 3, 2], seed: 2)
        let r = randomTensor([2, 4, 3, 2], seed: 3)
        _ = norm.forward(x)
        arena.zeroGradients()
        let dx = norm.backward(r)
        let loss = { weightedSum(norm.forward(x), r) }
        expectInputGradient("groupnorm dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }

    @Test func layerNormForwardMatchesDoubleFormula() {
        let (arena, norm) = makeArena { scope, _ in LayerNorm(scope, channels: 5) }
        let x = randomTensor([3, 5], seed: 4, scale: 3)
        let y = norm.forward(x).values
        let gamma = arena.value(named: "weight"), beta = arena.value(named: "bias")
        for r in 0..<3 {
            let row = (0..<5).map { Double(x[r * 5 + $0]) }
            let mean = row.reduce(0, +) / 5
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5
            for c in 0..<5 {
                let expected = (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[c]) + Double(beta[c])
                #expect(abs(Double(y[r * 5 + c]) - expected) < 1e-5)
            }
        }
    }

    @Test func layerNormGradients() {
        let (arena, norm) = makeArena { scope, _ in LayerNorm(scope, channels: 6) }
        let x = randomTensor([2, 3, 6], seed: 5)
        let r = randomTensor([2, 3, 6], seed: 6)
        _ = norm.forward(x)
        arena.zeroGradients()
        let dx = norm.backward(r)
        let loss = { weightedSum(norm.forward(x), r) }
        expectInputGradient("layernorm dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }
}
