// ResBlock: the reference's `Res` (parameters n1, c1, e, n2, c2, skip in that order).
//   h = c1(silu(n1(x))) + e(silu(emb))[:, :, None, None]
//   y = skip(x) + c2(silu(n2(h)))            skip = 1x1 conv when in != out, else identity
//   x [N, I, H, W], emb [N, E] -> y [N, O, H, W]

final class ResBlock {
    let inputChannels: Int
    let outputChannels: Int
    let norm1: GroupNorm
    let activation1 = SiLU()
    let conv1: Conv2d
    let embeddingActivation = SiLU()
    let embeddingProjection: Linear
    let norm2: GroupNorm
    let activation2 = SiLU()
    let conv2: Conv2d
    let skip: Conv2d?

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private let hidden = Tensor(shape: [0])
    private let projectionGradient = Tensor(shape: [0])

    init(_ scope: ParameterScope, inputChannels: Int, outputChannels: Int, embeddingDimension: Int,
         groupCount: Int, workspace: Workspace, random: inout SeededRandom) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        norm1 = GroupNorm(scope.child("n1"), groupCount: groupCount, channels: inputChannels)
        conv1 = Conv2d(scope.child("c1"), inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3,
                       padding: 1, workspace: workspace, random: &random)
        embeddingProjection = Linear(scope.child("e"), inputFeatures: embeddingDimension, outputFeatures: outputChannels, random: &random)
        norm2 = GroupNorm(scope.child("n2"), groupCount: groupCount, channels: outputChannels)
        conv2 = Conv2d(scope.child("c2"), inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3,
                       padding: 1, workspace: workspace, random: &random)
        skip = inputChannels == outputChannels ? nil
            : Conv2d(scope.child("skip"), inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1,
                     padding: 0, workspace: workspace, random: &random)
    }

    func forward(_ x: Tensor, embedding: Tensor) -> Tensor {
        let convolved = conv1.forward(activation1.forward(norm1.forward(x)))
        let projected = embeddingProjection.forward(embeddingActivation.forward(embedding))  // [N, O]
        let (N, O) = (convolved.shape[0], outputChannels), P = convolved.count / (N * O)
        hidden.resize(convolved.shape)
        for n in 0..<N {
            for o in 0..<O {
                let src = convolved.data + (n * O + o) * P, dst = hidden.data + (n * O + o) * P
                let shift = projected.data[n * O + o]
                for p in 0..<P { dst[p] = src[p] + shift }
            }
        }
        let residual = conv2.forward(activation2.forward(norm2.forward(hidden)))
        output.setSum(residual, skip?.forward(x) ?? x)
        return output
    }

    /// dy [N, O, H, W] -> dx [N, I, H, W]; adds this block's dembedding into `embeddingGradient`.
    func backward(_ dy: Tensor, embeddingGradient: Tensor) -> Tensor {
        let dHidden = norm2.backward(activation2.backward(conv2.backward(dy)!))
        let (N, O) = (dHidden.shape[0], outputChannels), P = dHidden.count / (N * O)
        // The embedding gradient only feeds the time MLP, which trains exactly when this block does.
        if embeddingProjection.arena.requiresGradients {
            projectionGradient.resize([N, O])
            for i in 0..<(N * O) {
                let src = dHidden.data + i * P
                var sum: Float = 0
                for p in 0..<P { sum += src[p] }
                projectionGradient.data[i] = sum
            }
            embeddingGradient.add(embeddingActivation.backward(embeddingProjection.backward(projectionGradient)!))
        }
        let dMain = norm1.backward(activation1.backward(conv1.backward(dHidden)!))
        inputGradient.setSum(dMain, skip?.backward(dy) ?? dy)
        return inputGradient
    }
}
