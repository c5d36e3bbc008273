import Foundation
import Testing
@testable import PrepNN

@Suite struct OptimizerTests {
    func scalarArena(_ values: [Float]) -> ParameterArena {
        let arena = ParameterArena()
        _ = arena.add("p", shape: [values.count], values: values)
        arena.seal()
        return arena
    }

    /// 19 parameters: two SIMD blocks of eight and a scalar tail of three.
    @Test func adamWMatchesAHandComputedUpdate() {
        let initial: [Float] = (0..<19).map { Float($0 % 5) * 0.5 - 1 }
        let arena = scalarArena(initial)
        let gradients: [[Float]] = [(0..<19).map { Float($0 % 7) * 0.1 - 0.3 }, (0..<19).map { Float($0 % 3) * 0.05 + 0.01 }]
        var optimizer = AdamW(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        var p = initial.map(Double.init), m = [Double](repeating: 0, count: 19), v = m
        for (t, g) in gradients.enumerated() {
            arena.allGradients = g
            optimizer.step([arena], zeroingGradients: t == 1)
            let step = Double(t + 1)
            for i in 0..<19 {
                p[i] -= 0.1 * 0.01 * p[i]
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mHat = m[i] / (1 - pow(0.9, step)), vHat = v[i] / (1 - pow(0.999, step))
                p[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
            let got = arena.allValues
            for i in 0..<19 { #expect(abs(Double(got[i]) - p[i]) < 1e-6, "step \(t + 1) parameter \(i): \(got[i]) vs \(p[i])") }
        }
        #expect(optimizer.stepCount == 2)
        #expect(arena.allGradients.allSatisfy { $0 == 0 })
        // Hand values of step 1 for p0: 1 - 0.001 = 0.999, then - 0.1 * 0.1 / (0.1 + 1e-8) = 0.899.
        let fresh = scalarArena([1.0])
        fresh.allGradients = [0.1]
        var single = AdamW(learningRate: 0.1)
        single.step([fresh])
        #expect(abs(fresh.allValues[0] - 0.899) < 1e-6)
    }

    @Test func lockedArenasAreNotUpdated() {
        let arena = scalarArena([1, 2])
        arena.requiresGradients = false
        arena.allGradients = [1, 1]
        var optimizer = AdamW()
        optimizer.step([arena])
        #expect(arena.allValues == [1, 2])
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let arena = scalarArena([0, 0])
        arena.allGradients = [3, 4]
        let norm = GradientClipping.clipGlobalNorm([arena], maxNorm: 1)
        #expect(norm == 5)
        let g = arena.allGradients
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        arena.allGradients = [0.3, 0.4]
        GradientClipping.clipGlobalNorm([arena], maxNorm: 1)
        #expect(arena.allGradients == [0.3, 0.4])
    }

    @Test func accumulatingTwoHalvesEqualsOneBatch() {
        let config = ModelConfig.tiny
        let whole = ModelTests.tinyBatch(config, N: 2)
        func half(_ n: Int) -> DiffusionBatch {
            func slice(_ t: Tensor) -> Tensor {
                let size = t.count / 2
                return Tensor(shape: [1] + Array(t.shape.dropFirst()), values: Array(t.values[(n * size)..<((n + 1) * size)]))
            }
            return DiffusionBatch(latents: slice(whole.latents), noise: slice(whole.noise), timesteps: [whole.timesteps[n]],
                                  context: slice(whole.context!))
        }
        let a = BaseTrainingStep(unet: UNet(config: config, seed: 3))
        a.accumulate(whole)
        let b = BaseTrainingStep(unet: UNet(config: config, seed: 3))
        b.accumulate(half(0), lossScale: 0.5)
        b.accumulate(half(1), lossScale: 0.5)
        #expect(maxDifference(a.unet.arena.allGradients, b.unet.arena.allGradients) < 1e-5)
    }
}
