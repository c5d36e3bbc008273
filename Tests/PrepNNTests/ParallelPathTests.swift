// The same oracles at sizes large enough to take the multi-core paths (split sgemm, im2col and
// col2im by channel, group norm by group, attention by (sample, head)).
import Testing
@testable import PrepNN

@Suite struct ParallelPathTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitGEMMMatchesDirectLoops(transposeA: Bool, transposeB: Bool) {
        for (m, n, k) in [(64, 600, 48), (600, 64, 48)] {
            #expect(m * n * k >= GEMM.parallelThreshold)
            let a = randomTensor(transposeA ? [k, m] : [m, k], seed: 1), b = randomTensor(transposeB ? [n, k] : [k, n], seed: 2)
            let c = randomTensor([m, n], seed: 3)
            let initial = c.values
            GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                          a: a.data, lda: transposeA ? m : k, b: b.data, ldb: transposeB ? k : n, beta: 2, c: c.data, ldc: n)
            var worst: Float = 0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for l in 0..<k {
                        let av = transposeA ? a[l * m + i] : a[i * k + l], bv = transposeB ? b[j * k + l] : b[l * n + j]
                        sum += Double(av) * Double(bv)
                    }
                    worst = max(worst, abs(c[i * n + j] - Float(0.5 * sum + 2 * Double(initial[i * n + j]))))
                }
            }
            #expect(worst < 1e-4, "\(m)x\(n)x\(k): max difference \(worst)")
        }
    }

    @Test func largeConvolutionForwardAndGradients() {
        let workspace = Workspace()
        let (arena, conv) = makeArena { scope, random in
            Conv2d(scope, inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: 1, workspace: workspace, random: &random)
        }
        let x = randomTensor([2, 16, 16, 16], seed: 4)
        let y = conv.forward(x).values
        let expected = Conv2d.referenceForward(input: x.values, shape: (2, 16, 16, 16), weight: arena.value(named: "weight"),
                                               bias: arena.value(named: "bias"), outputChannels: 16, kernelSize: 3, stride: 1, padding: 1)
        #expect(maxDifference(y, expected) < 1e-4)
        let r = randomTensor([2, 16, 16, 16], seed: 5)
        arena.zeroGradients()
        let dx = conv.backward(r)!
        let loss = { weightedSum(conv.forward(x), r) }
        expectInputGradient("conv dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }

    @Test func largeGroupNormGradients() {
        let (arena, norm) = makeArena { scope, _ in GroupNorm(scope, groupCount: 8, channels: 32) }
        let x = randomTensor([2, 32, 32, 32], seed: 6)
        let r = randomTensor([2, 32, 32, 32], seed: 7)
        _ = norm.forward(x)
        arena.zeroGradients()
        let dx = norm.backward(r)
        let loss = { weightedSum(norm.forward(x), r) }
        expectInputGradient("groupnorm dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }

    @Test func largeAttentionForwardAndGradients() {
        let workspace = Workspace()
        let (arena, attention) = makeArena { scope, random in
            MultiHeadAttention(scope, embedDimension: 32, contextDimension: 16, headCount: 4, workspace: workspace, random: &random)
        }
        attention.computesContextGradient = true
        let x = randomTensor([4, 64, 32], seed: 8), context = randomTensor([4, 64, 16], seed: 9)
        let y = attention.forward(x, context: context).values
        let expected = MultiHeadAttention.referenceForward(
            query: x.values, context: context.values, N: 4, T: 64, S: 64, c: 32, kdim: 16, heads: 4,
            wq: arena.value(named: "q_proj_weight"), wk: arena.value(named: "k_proj_weight"), wv: arena.value(named: "v_proj_weight"),
            bias: arena.value(named: "in_proj_bias"), wo: arena.value(named: "out_proj.weight"), bo: arena.value(named: "out_proj.bias"))
        #expect(maxDifference(y, expected) < 1e-4)
        let r = randomTensor([4, 64, 32], seed: 10)
        arena.zeroGradients()
        let dx = attention.backward(r)
        let loss = { weightedSum(attention.forward(x, context: context), r) }
        expectInputGradient("attention dx", input: x, analytic: dx, loss: loss)
        expectInputGradient("attention dcontext", input: context, analytic: attention.contextGradient, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }
}
