// GroupNorm: torch.nn.GroupNorm(groups, C, eps = 1e-5, affine).
//   x [N, C, *] -> y [N, C, *]; the C channels split into G groups of C/G consecutive channels;
//   each (n, g) is normalised over its channels and positions with the biased variance.
//   weight [C], bias [C]
// reference: Wu and He, "Group Normalization" (2018).

final class GroupNorm {
    let groupCount: Int
    let channels: Int
    let epsilon: Float = 1e-5
    let weight: ParameterSlice
    let bias: ParameterSlice
    let arena: ParameterArena

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    private let mean = Tensor(shape: [0])
    private let inverseDeviation = Tensor(shape: [0])

    init(_ scope: ParameterScope, groupCount: Int, channels: Int) {
        precondition(channels % groupCount == 0, "GroupNorm: \(channels) channels in \(groupCount) groups")
        self.groupCount = groupCount
        self.channels = channels
        self.arena = scope.arena
        weight = scope.add("weight", shape: [channels], values: Initialization.constant(channels, 1))
        bias = scope.add("bias", shape: [channels], values: Initialization.constant(channels, 0))
    }

    func forward(_ x: Tensor) -> Tensor {
        let N = x.shape[0], C = channels, G = groupCount
        precondition(x.shape[1] == C, "GroupNorm: \(x.shape[1]) channels, expected \(C)")
        let S = x.count / (N * C), perGroup = C / G, groupSize = perGroup * S
        input = x
        output.resize(x.shape)
        mean.resize([N * G])
        inverseDeviation.resize([N * G])
        let gamma = arena.values + weight.offset, beta = arena.values + bias.offset
        let xs = x.data, ys = output.data, means = mean.data, rstds = inverseDeviation.data, epsilon = epsilon
        Parallel.forEachChunk(N * G, minimumCount: x.count >= 32_768 ? 2 : Int.max) { groups in
            for ng in groups {
                let base = xs + ng * groupSize
                var sum: Float = 0
                for i in 0..<groupSize { sum += base[i] }
                let mu = sum / Float(groupSize)
                var squares: Float = 0
                for i in 0..<groupSize { let d = base[i] - mu; squares += d * d }
                let rstd = 1 / (squares / Float(groupSize) + epsilon).squareRoot()
                means[ng] = mu
                rstds[ng] = rstd
                let g = ng % G
                for cc in 0..<perGroup {
                    let c = g * perGroup + cc
                    let scale = rstd * gamma[c], shift = beta[c] - mu * scale
                    let src = base + cc * S, dst = ys + ng * groupSize + cc * S
                    for s in 0..<S { dst[s] = src[s] * scale + shift }
                }
            }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("GroupNorm.backward before forward") }
        let N = x.shape[0], C = channels, G = groupCount
        let S = x.count / (N * C), perGroup = C / G, groupSize = perGroup * S
        inputGradient.resize(x.shape)
        let gamma = arena.values + weight.offset
        let dgamma = arena.gradients + weight.offset, dbeta = arena.gradients + bias.offset
        let trainable = arena.requiresGradients
        let xs = x.data, dys = dy.data, dxs = inputGradient.data, means = mean.data, rstds = inverseDeviation.data
        // Split by group g: each chunk owns the gamma and beta gradients of its channels.
        Parallel.forEachChunk(G, minimumCount: x.count >= 32_768 ? 2 : Int.max) { groups in
            for g in groups {
                for n in 0..<N {
                    let ng = n * G + g, mu = means[ng], rstd = rstds[ng]
                    let base = ng * groupSize
                    // dxhat = dy * gamma; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
                    var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
                    for cc in 0..<perGroup {
                        let c = g * perGroup + cc
                        let src = xs + base + cc * S, grad = dys + base + cc * S
                        var sumDy: Float = 0, sumDyXhat: Float = 0
                        for s in 0..<S {
                            let xhat = (src[s] - mu) * rstd
                            sumDy += grad[s]
                            sumDyXhat += grad[s] * xhat
                        }
                        sumDxhat += sumDy * gamma[c]
                        sumDxhatXhat += sumDyXhat * gamma[c]
                        if trainable {
                            dgamma[c] += sumDyXhat
                            dbeta[c] += sumDy
                        }
                    }
                    let meanDxhat = sumDxhat / Float(groupSize), meanDxhatXhat = sumDxhatXhat / Float(groupSize)
                    for cc in 0..<perGroup {
                        let c = g * perGroup + cc
                        let src = xs + base + cc * S, grad = dys + base + cc * S, dst = dxs + base + cc * S
                        let gc = gamma[c]
                        for s in 0..<S {
                            let xhat = (src[s] - mu) * rstd
                            dst[s] = rstd * (grad[s] * gc - meanDxhat - xhat * meanDxhatXhat)
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
