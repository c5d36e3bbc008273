// UNetBlock: the reference's `Block`: a ResBlock (`r`) and, on attention levels, an AttentionBlock (`a`).

final class UNetBlock {
    let residual: ResBlock
    let attention: AttentionBlock?

    init(_ scope: ParameterScope, inputChannels: Int, outputChannels: Int, attention hasAttention: Bool,
         config: ModelConfig, workspace: Workspace, random: inout SeededRandom) {
        residual = ResBlock(scope.child("r"), inputChannels: inputChannels, outputChannels: outputChannels,
                            embeddingDimension: config.timeEmbeddingDimension, groupCount: config.groupCount,
                            workspace: workspace, random: &random)
        attention = hasAttention
            ? AttentionBlock(scope.child("a"), channels: outputChannels, contextDimension: config.contextDimension,
                             groupCount: config.groupCount, headCount: config.headCount, workspace: workspace, random: &random)
            : nil
    }

    func forward(_ x: Tensor, embedding: Tensor, context: Tensor) -> Tensor {
        let h = residual.forward(x, embedding: embedding)
        return attention?.forward(h, context: context) ?? h
    }

    func backward(_ dy: Tensor, embeddingGradient: Tensor, contextGradient: Tensor?) -> Tensor {
        let dh = attention?.backward(dy, contextGradient: contextGradient) ?? dy
        return residual.backward(dh, embeddingGradient: embeddingGradient)
    }
}
