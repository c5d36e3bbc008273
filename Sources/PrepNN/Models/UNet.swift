// UNet: the reference's `UNet` (parameters enc.*, dec.K.0.* blocks, dec.K.1.* convs after the
// upsampling, out.0 GroupNorm, out.2 conv), with optional ControlNet residuals.
//   x [N, latent, H, W], t [N], context [N, S, ctx] -> epsilon prediction [N, latent, H, W]
//   control (optional): one tensor per encoder skip hs[k] and a last one for the middle:
//     h = middle + control.last;  decoder block i reads skip hs[j] + control[j] (j from the end)
// Decoder: per level from the deepest, blocksPerLevel + 1 blocks, each on cat([h, skip]); on every
// level but the first, the last block is followed by nearest 2x upsampling and a 3x3 conv.

public final class UNet {
    final class DecoderStage {
        let concat = ChannelConcat()
        let block: UNetBlock
        let upsample: Upsample?
        let upConv: Conv2d?
        init(block: UNetBlock, upConv: Conv2d?) {
            self.block = block
            self.upConv = upConv
            self.upsample = upConv == nil ? nil : Upsample()
        }
    }

    public let config: ModelConfig
    public let arena = ParameterArena()
    /// When true, `backward` also fills `contextGradient` (for training the text encoder).
    public var computesContextGradient = false
    /// Which control tensors `forward` adds; with `.middleOnly` the skips' `controlGradients` are zero.
    public var controlConnections = ControlConnections.all
    let workspace = Workspace()
    let encoder: UNetEncoder
    let decoder: [DecoderStage]
    let outNorm: GroupNorm
    let outActivation = SiLU()
    let outConv: Conv2d

    /// d(loss)/d(context) after `backward`, when `computesContextGradient`.
    public let contextGradient = Tensor(shape: [0])
    /// When true, `backward` also fills `inputGradient` (the parity tests compare it with PyTorch's).
    public var computesInputGradient: Bool {
        get { encoder.computesInputGradient }
        set { encoder.computesInputGradient = newValue }
    }
    /// d(loss)/dx after `backward`, when `computesInputGradient`.
    public var inputGradient: Tensor { encoder.convIn.inputGradient }
    /// d(loss)/d(control[k]) after `backward`: one per control tensor, in the control order (empty
    /// when the forward had no control). Owned by the model until the next backward.
    public private(set) var controlGradients: [Tensor] = []
    private var controlledSkips: [Tensor] = []
    private let controlledMiddle = Tensor(shape: [0])
    private var skipGradients: [Tensor?] = []
    private var disconnectedGradients: [Tensor] = []
    private var usedControl = false
    private var contextShape: [Int] = []

    public init(config: ModelConfig = ModelConfig(), seed: UInt64 = 0) {
        self.config = config
        var random = SeededRandom(seed: seed)
        let root = ParameterScope(arena: arena)
        encoder = UNetEncoder(root.child("enc"), config: config, workspace: workspace, random: &random)
        var c = encoder.middleChannels
        var skips = encoder.skipChannels
        var stages: [DecoderStage] = []
        let dec = root.child("dec")
        let levels = config.channelMultipliers.count
        for level in (0..<levels).reversed() {
            let out = config.width * config.channelMultipliers[level]
            for i in 0...config.blocksPerLevel {
                let skip = skips.removeLast()
                let scope = dec.child(stages.count)
                let block = UNetBlock(scope.child("0"), inputChannels: c + skip, outputChannels: out,
                                      attention: config.attentionLevels[level], config: config, workspace: workspace, random: &random)
                c = out
                let upConv = (level > 0 && i == config.blocksPerLevel)
                    ? Conv2d(scope.child("1"), inputChannels: c, outputChannels: c, kernelSize: 3, padding: 1,
                             workspace: workspace, random: &random)
                    : nil
                stages.append(DecoderStage(block: block, upConv: upConv))
            }
        }
        decoder = stages
        outNorm = GroupNorm(root.child("out").child("0"), groupCount: config.groupCount, channels: c)
        outConv = Conv2d(root.child("out").child("2"), inputChannels: c, outputChannels: config.latentChannels, kernelSize: 3,
                         padding: 1, workspace: workspace, random: &random)
        arena.seal()
        decoderParameterRange = arena.range(ofPrefixes: ["dec.", "out."])
        precondition(decoderParameterRange.upperBound == arena.count, "UNet: the decoder's parameters must come last")
        controlledSkips = encoder.skipChannels.map { _ in Tensor(shape: [0]) }
    }

    /// Parameter names in PyTorch `state_dict()` order.
    public var parameterNames: [String] { arena.parameterNames }
    /// The decoder's parameters (SD's `output_blocks` and `out`: every `dec.` and `out.` name), which
    /// follow the encoder's in the arena.
    public private(set) var decoderParameterRange: Range<Int> = 0..<0
    /// The number of control tensors `forward` accepts (one per skip, plus the middle).
    public var controlCount: Int { encoder.skipChannels.count + 1 }
    /// Channels of each control tensor, in order.
    public var controlChannels: [Int] { encoder.skipChannels + [encoder.middleChannels] }

    /// The epsilon prediction [N, latent, H, W]; owned by the model until the next forward.
    public func forward(_ x: Tensor, timesteps: [Int], context: Tensor, control: [Tensor]? = nil) -> Tensor {
        if let control {
            precondition(control.count == controlCount, "UNet: \(control.count) control tensors, expected \(controlCount)")
        }
        usedControl = control != nil
        contextShape = context.shape
        let (middle, emb) = encoder.forward(x, timesteps: timesteps, context: context)
        var h = middle
        if let control {
            precondition(control[controlCount - 1].shape == middle.shape, "UNet: middle control \(control[controlCount - 1].shape), expected \(middle.shape)")
            controlledMiddle.setSum(middle, control[controlCount - 1])
            h = controlledMiddle
        }
        var skipIndex = encoder.skips.count
        for stage in decoder {
            skipIndex -= 1
            var skip = encoder.skips[skipIndex]
            if let control, controlConnections == .all {
                precondition(control[skipIndex].shape == skip.shape, "UNet: control \(skipIndex) \(control[skipIndex].shape), expected \(skip.shape)")
                controlledSkips[skipIndex].setSum(skip, control[skipIndex])
                skip = controlledSkips[skipIndex]
            }
            h = stage.block.forward(stage.concat.forward(h, skip), embedding: emb, context: context)
            if let upConv = stage.upConv, let upsample = stage.upsample {
                h = upConv.forward(upsample.forward(h))
            }
        }
        return outConv.forward(outActivation.forward(outNorm.forward(h)))
    }

    /// dprediction -> parameter gradients (unless `arena.requiresGradients` is false),
    /// `controlGradients` (when the forward had control) and `contextGradient` (when asked).
    public func backward(_ outputGradient: Tensor) {
        encoder.resetEmbeddingGradient()
        let contextGradient: Tensor? = computesContextGradient ? self.contextGradient : nil
        if let contextGradient {
            contextGradient.resize(contextShape)
            contextGradient.zero()
        }
        var d = outNorm.backward(outActivation.backward(outConv.backward(outputGradient)!))
        skipGradients = [Tensor?](repeating: nil, count: encoder.skips.count)
        var skipIndex = encoder.skips.count - decoder.count
        for stage in decoder.reversed() {
            if let upConv = stage.upConv, let upsample = stage.upsample {
                d = upsample.backward(upConv.backward(d)!)
            }
            d = stage.block.backward(d, embeddingGradient: encoder.embeddingGradient, contextGradient: contextGradient)
            let (dh, dSkip) = stage.concat.backward(d)
            skipGradients[skipIndex] = dSkip
            skipIndex += 1
            d = dh
        }
        if !usedControl {
            controlGradients = []
        } else if controlConnections == .all {
            controlGradients = skipGradients.map { $0! } + [d]
        } else {
            // Disconnected skips: their control tensors did not reach the output.
            if disconnectedGradients.count != skipGradients.count {
                disconnectedGradients = skipGradients.map { _ in Tensor(shape: [0]) }
            }
            for (k, gradient) in skipGradients.enumerated() {
                disconnectedGradients[k].resize(gradient!.shape)
                disconnectedGradients[k].zero()
            }
            controlGradients = disconnectedGradients + [d]
        }
        // A locked base (or one whose encoder is outside `arena.trainedRange`) needs no encoder
        // backward: nothing upstream of it trains (the context and input gradients, when asked
        // for, still need it).
        let trainsEncoder = arena.requiresGradients && arena.trainedRange.lowerBound < decoderParameterRange.lowerBound
        if trainsEncoder || contextGradient != nil || computesInputGradient {
            encoder.backward(middleGradient: d, skipGradients: skipGradients, contextGradient: contextGradient)
        }
    }
}
