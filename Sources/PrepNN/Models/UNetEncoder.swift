// UNetEncoder: the reference's `Encoder`, shared by the U-Net and the ControlNet's trainable copy.
// Parameters in registration order: t (time MLP), conv_in, blocks.K (UNetBlocks and stride-2
// down convolutions), mid1 (UNetBlock with attention), mid2 (ResBlock).
//   x [N, latent, H, W], t [N], context [N, S, ctx], hint [N, width, H, W]?
//   -> middle [N, c, H / 2^(L-1), ...], skips hs (conv_in output, then every block's output), emb [N, E]

final class UNetEncoder {
    enum Stage {
        case block(UNetBlock)
        case downsample(Conv2d)
    }

    let config: ModelConfig
    let time: TimeEmbedding
    let convIn: Conv2d
    let stages: [Stage]
    let middle1: UNetBlock
    let middle2: ResBlock
    /// Channels of each skip hs[k], in order (the reference's `chans`).
    let skipChannels: [Int]
    let middleChannels: Int
    let arena: ParameterArena

    /// dembedding [N, E]: the caller zeroes it and may add its own share before `backward`.
    let embeddingGradient = Tensor(shape: [0])
    /// dhint after `backward` (when a hint was given).
    let hintGradient = Tensor(shape: [0])
    /// When true, `backward` leaves dx in `convIn.inputGradient`.
    var computesInputGradient = false
    private let hinted = Tensor(shape: [0])
    private let runningGradient = Tensor(shape: [0])
    private(set) var skips: [Tensor] = []
    private var embedding: Tensor?
    private var hadHint = false

    init(_ scope: ParameterScope, config: ModelConfig, workspace: Workspace, random: inout SeededRandom) {
        self.config = config
        arena = scope.arena
        let width = config.width, E = config.timeEmbeddingDimension
        time = TimeEmbedding(scope.child("t"), sinusoidalDimension: config.sinusoidalDimension, embeddingDimension: E, random: &random)
        convIn = Conv2d(scope.child("conv_in"), inputChannels: config.latentChannels, outputChannels: width, kernelSize: 3,
                        padding: 1, workspace: workspace, random: &random)
        var stages: [Stage] = []
        var channels = [width]
        var c = width
        let blocks = scope.child("blocks")
        for (level, multiplier) in config.channelMultipliers.enumerated() {
            for _ in 0..<config.blocksPerLevel {
                stages.append(.block(UNetBlock(blocks.child(stages.count), inputChannels: c, outputChannels: width * multiplier,
                                               attention: config.attentionLevels[level], config: config,
                                               workspace: workspace, random: &random)))
                c = width * multiplier
                channels.append(c)
            }
            if level < config.channelMultipliers.count - 1 {
                stages.append(.downsample(Conv2d(blocks.child(stages.count), inputChannels: c, outputChannels: c, kernelSize: 3,
                                                 stride: 2, padding: 1, workspace: workspace, random: &random)))
                channels.append(c)
            }
        }
        self.stages = stages
        middle1 = UNetBlock(scope.child("mid1"), inputChannels: c, outputChannels: c, attention: true, config: config,
                            workspace: workspace, random: &random)
        middle2 = ResBlock(scope.child("mid2"), inputChannels: c, outputChannels: c, embeddingDimension: E,
                           groupCount: config.groupCount, workspace: workspace, random: &random)
        skipChannels = channels
        middleChannels = c
    }

    /// Returns the middle activation; `skips` and the embedding stay available until the next forward.
    func forward(_ x: Tensor, timesteps: [Int], context: Tensor, hint: Tensor? = nil) -> (middle: Tensor, embedding: Tensor) {
        precondition(timesteps.count == x.shape[0], "UNetEncoder: \(timesteps.count) timesteps for batch \(x.shape[0])")
        let emb = time.forward(timesteps)
        embedding = emb
        var h = convIn.forward(x)
        hadHint = hint != nil
        if let hint {
            precondition(hint.shape == h.shape, "UNetEncoder: hint \(hint.shape) for conv_in output \(h.shape)")
            hinted.setSum(h, hint)
            h = hinted
        }
        skips = [h]
        for stage in stages {
            switch stage {
            case .block(let block): h = block.forward(h, embedding: emb, context: context)
            case .downsample(let conv): h = conv.forward(h)
            }
            skips.append(h)
        }
        h = middle1.forward(h, embedding: emb, context: context)
        h = middle2.forward(h, embedding: emb)
        return (h, emb)
    }

    /// Sizes `embeddingGradient` to the last forward's embedding and zeroes it.
    func resetEmbeddingGradient() {
        guard let embedding else { preconditionFailure("UNetEncoder.backward before forward") }
        embeddingGradient.resize(embedding.shape)
        embeddingGradient.zero()
    }

    /// dmiddle and one gradient per skip (nil: none); `embeddingGradient` must hold any outside
    /// share (zeroed otherwise). Accumulates parameter gradients; fills `hintGradient` if a hint was given.
    func backward(middleGradient: Tensor, skipGradients: [Tensor?], contextGradient: Tensor?) {
        precondition(skipGradients.count == skips.count, "UNetEncoder.backward: \(skipGradients.count) skip gradients for \(skips.count)")
        var d = middle2.backward(middleGradient, embeddingGradient: embeddingGradient)
        d = middle1.backward(d, embeddingGradient: embeddingGradient, contextGradient: contextGradient)
        for (k, stage) in stages.enumerated().reversed() {
            if let skip = skipGradients[k + 1] {
                runningGradient.setSum(d, skip)
                d = runningGradient
            }
            switch stage {
            case .block(let block): d = block.backward(d, embeddingGradient: embeddingGradient, contextGradient: contextGradient)
            case .downsample(let conv): d = conv.backward(d)!
            }
        }
        if let skip = skipGradients[0] {
            runningGradient.setSum(d, skip)
            d = runningGradient
        }
        convIn.backward(d, computeInputGradient: computesInputGradient)
        if hadHint { hintGradient.copy(from: d) }
        time.backward(embeddingGradient)
    }
}
