import Testing
@testable import PrepNN

@Suite struct AttentionTests {
    /// (context dimension or nil for self-attention)
    static let contexts: [Int?] = [nil, 6, 8]

    func weights(_ arena: ParameterArena, c: Int, kdim: Int) -> (q: [Float], k: [Float], v: [Float]) {
        if let packed = arena.entry(named: "in_proj_weight") {
            let all = arena.value(named: packed.name)
            return (Array(all[0..<(c * c)]), Array(all[(c * c)..<(2 * c * c)]), Array(all[(2 * c * c)...]))
        }
        return (arena.value(named: "q_proj_weight"), arena.value(named: "k_proj_weight"), arena.value(named: "v_proj_weight"))
    }

    @Test(arguments: 0..<3) func forwardMatchesDirectLoops(caseIndex: Int) {
        let contextDimension = Self.contexts[caseIndex]
        let c = 8, kdim = contextDimension ?? c
        let workspace = Workspace()
        let (arena, attention) = makeArena { scope, random in
            MultiHeadAttention(scope, embedDimension: c, contextDimension: contextDimension, headCount: 2, workspace: workspace, random: &random)
        }
        let x = randomTensor([2, 5, c], seed: 1)
        let context = contextDimension.map { randomTensor([2, 3, $0], seed: 2) }
        let y = attention.forward(x, context: context).values
        let w = weights(arena, c: c, kdim: kdim)
        let expected = MultiHeadAttention.referenceForward(
            query: x.values, context: (context ?? x).values, N: 2, T: 5, S: context == nil ? 5 : 3, c: c, kdim: kdim, heads: 2,
            wq: w.q, wk: w.k, wv: w.v, bias: arena.value(named: "in_proj_bias"),
            wo: arena.value(named: "out_proj.weight"), bo: arena.value(named: "out_proj.bias"))
        #expect(maxDifference(y, expected) < 1e-5)
    }

    @Test(arguments: 0..<3) func gradientsMatchCentralDifferences(caseIndex: Int) {
        let contextDimension = Self.contexts[caseIndex]
        let c = 8
        let workspace = Workspace()
        let (arena, attention) = makeArena { scope, random in
            MultiHeadAttention(scope, embedDimension: c, contextDimension: contextDimension, headCount: 2, workspace: workspace, random: &random)
        }
        attention.computesContextGradient = true
        let x = randomTensor([2, 5, c], seed: 3)
        let context = contextDimension.map { randomTensor([2, 3, $0], seed: 4) }
        let r = randomTensor([2, 5, c], seed: 5)
        _ = attention.forward(x, context: context)
        arena.zeroGradients()
        let dx = attention.backward(r)
        let loss = { weightedSum(attention.forward(x, context: context), r) }
        expectInputGradient("attention dx", input: x, analytic: dx, loss: loss)
        if let context {
            expectInputGradient("attention dcontext", input: context, analytic: attention.contextGradient, loss: loss)
        }
        expectParameterGradients(arena, loss: loss)
    }

    @Test func parameterNamesFollowTorch() {
        let workspace = Workspace()
        let (packed, _) = makeArena { scope, random in
            MultiHeadAttention(scope, embedDimension: 8, contextDimension: 8, headCount: 2, workspace: workspace, random: &random)
        }
        #expect(packed.parameterNames == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        let (separate, _) = makeArena(randomize: false) { scope, random in
            MultiHeadAttention(scope, embedDimension: 8, contextDimension: 4, headCount: 2, workspace: workspace, random: &random)
        }
        #expect(separate.parameterNames == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(separate.value(named: "in_proj_bias").allSatisfy { $0 == 0 })
        #expect(separate.value(named: "out_proj.bias").allSatisfy { $0 == 0 })
        // Xavier bound for k_proj_weight [8, 4]: sqrt(6 / 12).
        #expect(separate.value(named: "k_proj_weight").allSatisfy { abs($0) <= Float(0.5).squareRoot() })
    }
}
