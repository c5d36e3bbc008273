// AttentionBlock: the reference's `Attn` (parameters n, sa, n2, ca, n3, ff.0, ff.2 in that order).
//   h = n(x) as tokens [N, HW, C]                      (GroupNorm, then flatten and transpose)
//   h = h + sa(h)                                      (self-attention)
//   h = h + ca(n2(h), context)                         (cross-attention to the text context)
//   h = h + ff(n3(h)),  ff = Linear(C, 4C), GELU, Linear(4C, C)
//   y = x + h back in NCHW
// Note the residual stream starts from the normalised x, as in the reference.

final class AttentionBlock {
    let channels: Int
    let norm: GroupNorm
    let selfAttention: MultiHeadAttention
    let norm2: LayerNorm
    let crossAttention: MultiHeadAttention
    let norm3: LayerNorm
    let feedForwardIn: Linear
    let feedForwardActivation = GELU()
    let feedForwardOut: Linear

    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private let tokens = Tensor(shape: [0])
    private let afterSelf = Tensor(shape: [0])
    private let afterCross = Tensor(shape: [0])
    private let afterFeedForward = Tensor(shape: [0])
    private let planes = Tensor(shape: [0])
    private let gradientTokens = Tensor(shape: [0])
    private let gradientAfterSelf = Tensor(shape: [0])
    private let gradientAfterCross = Tensor(shape: [0])
    private let gradientInput = Tensor(shape: [0])
    private let gradientPlanes = Tensor(shape: [0])

    init(_ scope: ParameterScope, channels: Int, contextDimension: Int, groupCount: Int, headCount: Int,
         workspace: Workspace, random: inout SeededRandom) {
        self.channels = channels
        norm = GroupNorm(scope.child("n"), groupCount: groupCount, channels: channels)
        selfAttention = MultiHeadAttention(scope.child("sa"), embedDimension: channels, headCount: headCount,
                                           workspace: workspace, random: &random)
        norm2 = LayerNorm(scope.child("n2"), channels: channels)
        crossAttention = MultiHeadAttention(scope.child("ca"), embedDimension: channels, contextDimension: contextDimension,
                                            headCount: headCount, workspace: workspace, random: &random)
        norm3 = LayerNorm(scope.child("n3"), channels: channels)
        feedForwardIn = Linear(scope.child("ff").child("0"), inputFeatures: channels, outputFeatures: 4 * channels, random: &random)
        feedForwardOut = Linear(scope.child("ff").child("2"), inputFeatures: 4 * channels, outputFeatures: channels, random: &random)
    }

    /// x [N, C, H, W], context [N, S, contextDimension] -> y [N, C, H, W].
    func forward(_ x: Tensor, context: Tensor) -> Tensor {
        let (N, C) = (x.shape[0], channels), P = x.count / (N * C)
        let normalized = norm.forward(x)
        tokens.resize([N, P, C])
        TensorLayout.transpose(normalized.data, tokens.data, batches: N, rows: C, columns: P)
        afterSelf.setSum(tokens, selfAttention.forward(tokens))
        afterCross.setSum(afterSelf, crossAttention.forward(norm2.forward(afterSelf), context: context))
        let fed = feedForwardOut.forward(feedForwardActivation.forward(feedForwardIn.forward(norm3.forward(afterCross))))
        afterFeedForward.setSum(afterCross, fed)
        planes.resize(x.shape)
        TensorLayout.transpose(afterFeedForward.data, planes.data, batches: N, rows: P, columns: C)
        output.setSum(x, planes)
        return output
    }

    /// dy [N, C, H, W] -> dx; adds the context gradient into `contextGradient` when given.
    func backward(_ dy: Tensor, contextGradient: Tensor?) -> Tensor {
        let (N, C) = (dy.shape[0], channels), P = dy.count / (N * C)
        gradientTokens.resize([N, P, C])
        TensorLayout.transpose(dy.data, gradientTokens.data, batches: N, rows: C, columns: P)
        let dFed = feedForwardIn.backward(feedForwardActivation.backward(feedForwardOut.backward(gradientTokens)!))!
        gradientAfterCross.setSum(gradientTokens, norm3.backward(dFed))
        crossAttention.computesContextGradient = contextGradient != nil
        let dQuery = crossAttention.backward(gradientAfterCross)
        if let contextGradient { contextGradient.add(crossAttention.contextGradient) }
        gradientAfterSelf.setSum(gradientAfterCross, norm2.backward(dQuery))
        gradientInput.setSum(gradientAfterSelf, selfAttention.backward(gradientAfterSelf))
        gradientPlanes.resize(dy.shape)
        TensorLayout.transpose(gradientInput.data, gradientPlanes.data, batches: N, rows: P, columns: C)
        inputGradient.setSum(dy, norm.backward(gradientPlanes))
        return inputGradient
    }
}
