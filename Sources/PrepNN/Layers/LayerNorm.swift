// LayerNorm: torch.nn.LayerNorm(C, eps = 1e-5) over the last dimension.
//   x [..., C] -> y [..., C]; each row normalised with its biased variance; weight [C], bias [C]
// reference: Ba, Kiros and Hinton, "Layer Normalization" (2016).

final class LayerNorm {
    let channels: Int
    let epsilon: Float = 1e-5
    let weight: ParameterSlice
    let bias: ParameterSlice
    let arena: ParameterArena

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    private var mean: [Float] = []
    private var inverseDeviation: [Float] = []

    init(_ scope: ParameterScope, channels: Int) {
        self.channels = channels
        self.arena = scope.arena
        weight = scope.add("weight", shape: [channels], values: Initialization.constant(channels, 1))
        bias = scope.add("bias", shape: [channels], values: Initialization.constant(channels, 0))
    }

    func forward(_ x: Tensor) -> Tensor {
        let C = channels
        precondition(x.shape.last == C, "LayerNorm: last dimension \(x.shape), expected \(C)")
        let rows = x.count / C
        input = x
        output.resize(x.shape)
        if mean.count != rows {
            mean = [Float](repeating: 0, count: rows)
            inverseDeviation = mean
        }
        let gamma = arena.values + weight.offset, beta = arena.values + bias.offset
        for r in 0..<rows {
            let src = x.data + r * C, dst = output.data + r * C
            var sum: Float = 0
            for c in 0..<C { sum += src[c] }
            let mu = sum / Float(C)
            var squares: Float = 0
            for c in 0..<C { let d = src[c] - mu; squares += d * d }
            let rstd = 1 / (squares / Float(C) + epsilon).squareRoot()
            mean[r] = mu
            inverseDeviation[r] = rstd
            for c in 0..<C { dst[c] = (src[c] - mu) * rstd * gamma[c] + beta[c] }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("LayerNorm.backward before forward") }
        let C = channels, rows = x.count / C
        inputGradient.resize(x.shape)
        let gamma = arena.values + weight.offset
        let dgamma = arena.gradients + weight.offset, dbeta = arena.gradients + bias.offset
        let trainable = arena.requiresGradients
        for r in 0..<rows {
            let src = x.data + r * C, grad = dy.data + r * C, dst = inputGradient.data + r * C
            let mu = mean[r], rstd = inverseDeviation[r]
            var sumDxhat: Float = 0, sumDxhatXhat: Float = 0
            for c in 0..<C {
                let xhat = (src[c] - mu) * rstd
                let dxhat = grad[c] * gamma[c]
                sumDxhat += dxhat
                sumDxhatXhat += dxhat * xhat
                if trainable {
                    dgamma[c] += grad[c] * xhat
                    dbeta[c] += grad[c]
                }
            }
            let meanDxhat = sumDxhat / Float(C), meanDxhatXhat = sumDxhatXhat / Float(C)
            for c in 0..<C {
                let xhat = (src[c] - mu) * rstd
                dst[c] = rstd * (grad[c] * gamma[c] - meanDxhat - xhat * meanDxhatXhat)
            }
        }
        return inputGradient
    }
}
