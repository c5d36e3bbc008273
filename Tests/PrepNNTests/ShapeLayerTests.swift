import Testing
@testable import PrepNN

@Suite struct ShapeLayerTests {
    @Test func upsampleCopiesEachPixelToATwoByTwoBlockAndBackwardSumsThem() {
        let upsample = Upsample()
        let x = randomTensor([2, 3, 3, 4], seed: 1)
        let y = upsample.forward(x)
        #expect(y.shape == [2, 3, 6, 8])
        for plane in 0..<6 {
            for i in 0..<6 {
                for j in 0..<8 { #expect(y[plane * 48 + i * 8 + j] == x[plane * 12 + (i / 2) * 4 + j / 2]) }
            }
        }
        let r = randomTensor([2, 3, 6, 8], seed: 2)
        let dx = upsample.backward(r)
        expectInputGradient("upsample dx", input: x, analytic: dx) { weightedSum(upsample.forward(x), r) }
    }

    @Test func concatAndSplit() {
        let concat = ChannelConcat()
        let a = randomTensor([2, 3, 2, 2], seed: 3), b = randomTensor([2, 1, 2, 2], seed: 4)
        let y = concat.forward(a, b)
        #expect(y.shape == [2, 4, 2, 2])
        #expect(Array(y.values[0..<12]) == Array(a.values[0..<12]))
        #expect(Array(y.values[12..<16]) == Array(b.values[0..<4]))
        #expect(Array(y.values[16..<28]) == Array(a.values[12..<24]))
        let r = randomTensor([2, 4, 2, 2], seed: 5)
        let (da, db) = concat.backward(r)
        expectInputGradient("concat da", input: a, analytic: da) { weightedSum(concat.forward(a, b), r) }
        expectInputGradient("concat db", input: b, analytic: db) { weightedSum(concat.forward(a, b), r) }
    }

    @Test func pixelUnshuffleFollowsTorchChannelOrderAndShuffleInvertsIt() {
        let r = 2
        let x = Tensor(shape: [1, 2, 4, 4], values: (0..<32).map(Float.init))
        let y = PixelShuffle.unshuffle(x, factor: r)
        #expect(y.shape == [1, 8, 2, 2])
        // out[c*r*r + i*r + j, h, w] = in[c, h*r + i, w*r + j]
        for c in 0..<2 {
            for i in 0..<r {
                for j in 0..<r {
                    for h in 0..<2 {
                        for w in 0..<2 {
                            #expect(y[((c * 4 + i * r + j) * 2 + h) * 2 + w] == x[(c * 4 + h * r + i) * 4 + w * r + j])
                        }
                    }
                }
            }
        }
        // torch.arange(32.).reshape(1, 2, 4, 4) pixel_unshuffle(2), first channel: [[0, 2], [8, 10]].
        #expect(Array(y.values[0..<4]) == [0, 2, 8, 10])
        #expect(PixelShuffle.shuffle(y, factor: r).values == x.values)
        let big = randomTensor([2, 3, 8, 8], seed: 6)
        #expect(PixelShuffle.shuffle(PixelShuffle.unshuffle(big, factor: 4), factor: 4).values == big.values)
    }

    @Test func pixelShuffleIsTheGradientOfUnshuffle() {
        let x = randomTensor([2, 3, 8, 4], seed: 10)
        let r = randomTensor([2, 12, 4, 2], seed: 11)
        let dx = PixelShuffle.shuffle(r, factor: 2)
        expectInputGradient("pixel unshuffle dx", input: x, analytic: dx) { weightedSum(PixelShuffle.unshuffle(x, factor: 2), r) }
    }

    @Test func embeddingLooksUpRowsAndScatterAddsGradients() {
        let (arena, embedding) = makeArena { scope, random in Embedding(scope, vocabularySize: 5, dimension: 3, random: &random) }
        let table = arena.value(named: "weight")
        let ids: [Int32] = [4, 0, 4, 2]
        let y = embedding.forward(ids, shape: [2, 2])
        #expect(y.shape == [2, 2, 3])
        for (r, id) in ids.enumerated() { #expect(Array(y.values[(r * 3)..<(r * 3 + 3)]) == Array(table[(Int(id) * 3)..<(Int(id) * 3 + 3)])) }
        let r = randomTensor([2, 2, 3], seed: 7)
        arena.zeroGradients()
        embedding.backward(r)
        expectParameterGradients(arena) { weightedSum(embedding.forward(ids, shape: [2, 2]), r) }
        #expect(Array(arena.gradient(named: "weight")[3..<6]) == [0, 0, 0])  // id 1 unused
    }

    @Test func mseLossIsTheMeanAndItsGradient() {
        let loss = MSELoss()
        let p = randomTensor([2, 3], seed: 8), t = randomTensor([2, 3], seed: 9)
        let value = loss.forward(p, t)
        let expected = zip(p.values, t.values).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 6
        #expect(abs(Double(value) - expected) < 1e-6)
        let dp = loss.backward()
        expectInputGradient("mse dp", input: p, analytic: dp, epsilon: 1e-3) { Double(loss.forward(p, t)) }
    }
}
