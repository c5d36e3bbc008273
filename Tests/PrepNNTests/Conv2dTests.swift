import Testing
@testable import PrepNN

@Suite struct Conv2dTests {
    static let cases: [(kernel: Int, stride: Int, padding: Int)] = [(3, 1, 1), (3, 2, 1), (1, 1, 0)]

    @Test(arguments: 0..<3) func forwardMatchesDirectLoops(caseIndex: Int) {
        let (k, s, p) = Self.cases[caseIndex]
        let workspace = Workspace()
        let (arena, conv) = makeArena { scope, random in
            Conv2d(scope, inputChannels: 3, outputChannels: 5, kernelSize: k, stride: s, padding: p, workspace: workspace, random: &random)
        }
        let x = randomTensor([2, 3, 7, 6], seed: 1)
        let y = conv.forward(x)
        let expected = Conv2d.referenceForward(
            input: x.values, shape: (2, 3, 7, 6), weight: arena.value(named: "weight"), bias: arena.value(named: "bias"),
            outputChannels: 5, kernelSize: k, stride: s, padding: p)
        #expect(y.shape == [2, 5, conv.outputSize(7), conv.outputSize(6)])
        #expect(maxDifference(y.values, expected) < 1e-5)
    }

    @Test(arguments: 0..<3) func gradientsMatchCentralDifferences(caseIndex: Int) {
        let (k, s, p) = Self.cases[caseIndex]
        let workspace = Workspace()
        let (arena, conv) = makeArena { scope, random in
            Conv2d(scope, inputChannels: 3, outputChannels: 4, kernelSize: k, stride: s, padding: p, workspace: workspace, random: &random)
        }
        let x = randomTensor([2, 3, 6, 5], seed: 2)
        let r = randomTensor([2, 4, conv.outputSize(6), conv.outputSize(5)], seed: 3)
        _ = conv.forward(x)
        arena.zeroGradients()
        let dx = conv.backward(r)!
        let loss = { weightedSum(conv.forward(x), r) }
        expectInputGradient("conv dx", input: x, analytic: dx, loss: loss)
        expectParameterGradients(arena, loss: loss)
    }

    @Test func lockedArenaLeavesGradientsAtZeroButStillGivesInputGradient() {
        let workspace = Workspace()
        let (arena, conv) = makeArena { scope, random in
            Conv2d(scope, inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1, workspace: workspace, random: &random)
        }
        arena.requiresGradients = false
        let x = randomTensor([1, 2, 4, 4], seed: 4)
        _ = conv.forward(x)
        let dx = conv.backward(randomTensor([1, 2, 4, 4], seed: 5))!
        #expect(arena.allGradients.allSatisfy { $0 == 0 })
        #expect(dx.values.contains { $0 != 0 })
    }
}
