// ControlNet: the reference's `ControlNet`: a trainable copy of the U-Net's encoder (enc.*), the
// hint encoder (hint.*), one zero 1x1 conv per encoder skip (zc.K) and one for the middle (zmid).
//   outputs = [scale_k * zc_k(hs_k)] + [scale_last * zmid(middle)], with the encoder run on
//   conv_in(x) + hint(cond); the list is the U-Net's `control` argument.
// At initialisation every zero conv is zero, so U-Net + ControlNet equals the U-Net alone.
// reference: Zhang, Rao and Agrawala, "Adding Conditional Control to Text-to-Image Diffusion
// Models" (2023).

public final class ControlNet {
    public let config: ModelConfig
    public let arena = ParameterArena()
    /// One multiplier per control output (the paper's control_scales); 1.0 by default.
    public var controlScales: [Float]
    /// When true, `backward` also fills `contextGradient` (for training the text encoder through
    /// the ControlNet's cross-attention as well).
    public var computesContextGradient = false
    /// d(loss)/d(context) through the ControlNet after `backward`, when `computesContextGradient`.
    public let contextGradient = Tensor(shape: [0])
    let workspace = Workspace()
    let encoder: UNetEncoder
    let hint: HintEncoder
    let zeroConvolutions: [Conv2d]
    let zeroMiddle: Conv2d

    private var contextShape: [Int] = []
    private var scaledOutputs: [Tensor] = []
    private var scaledGradients: [Tensor] = []

    /// A ControlNet whose encoder starts as a copy of `unet`'s encoder.
    public convenience init(copying unet: UNet, seed: UInt64 = 1) {
        self.init(config: unet.config, seed: seed)
        let copied = arena.copyValues(from: unet.arena)
        precondition(copied == unet.parameterNames.filter { $0.hasPrefix("enc.") }.count,
                     "ControlNet: copied \(copied) encoder parameters from the U-Net")
    }

    /// A ControlNet with a freshly initialised encoder.
    public init(config: ModelConfig = ModelConfig(), seed: UInt64 = 1) {
        self.config = config
        var random = SeededRandom(seed: seed)
        let root = ParameterScope(arena: arena)
        encoder = UNetEncoder(root.child("enc"), config: config, workspace: workspace, random: &random)
        hint = HintEncoder(root.child("hint"), inputChannels: config.hintChannels, widths: config.hintWidths, width: config.width,
                           workspace: workspace, random: &random)
        var zeroConvolutions: [Conv2d] = []
        for (index, c) in encoder.skipChannels.enumerated() {
            zeroConvolutions.append(Conv2d(root.child("zc").child(index), inputChannels: c, outputChannels: c, kernelSize: 1,
                                           padding: 0, zeroInitialized: true, workspace: workspace, random: &random))
        }
        self.zeroConvolutions = zeroConvolutions
        zeroMiddle = Conv2d(root.child("zmid"), inputChannels: encoder.middleChannels, outputChannels: encoder.middleChannels,
                            kernelSize: 1, padding: 0, zeroInitialized: true, workspace: workspace, random: &random)
        arena.seal()
        controlScales = [Float](repeating: 1, count: encoder.skipChannels.count + 1)
        scaledOutputs = controlScales.map { _ in Tensor(shape: [0]) }
        scaledGradients = controlScales.map { _ in Tensor(shape: [0]) }
    }

    public var parameterNames: [String] { arena.parameterNames }

    /// x [N, latent, H, W], condition [N, 3, 4H, 4W] -> the control list for `UNet.forward`.
    public func forward(_ x: Tensor, timesteps: [Int], context: Tensor, condition: Tensor) -> [Tensor] {
        contextShape = context.shape
        let hintFeatures = hint.forward(condition)
        let (middle, _) = encoder.forward(x, timesteps: timesteps, context: context, hint: hintFeatures)
        var outputs: [Tensor] = []
        for (k, conv) in zeroConvolutions.enumerated() { outputs.append(scaled(conv.forward(encoder.skips[k]), k)) }
        outputs.append(scaled(zeroMiddle.forward(middle), controlScales.count - 1))
        return outputs
    }

    /// d(loss)/d(outputs) (the U-Net's `controlGradients`) -> parameter gradients.
    public func backward(_ controlGradients: [Tensor]) {
        precondition(controlGradients.count == controlScales.count, "ControlNet.backward: \(controlGradients.count) gradients")
        encoder.resetEmbeddingGradient()
        let last = controlScales.count - 1
        let middleGradient = zeroMiddle.backward(unscaled(controlGradients[last], last))!
        let skipGradients: [Tensor?] = zeroConvolutions.enumerated().map { k, conv in
            conv.backward(unscaled(controlGradients[k], k))!
        }
        if computesContextGradient {
            contextGradient.resize(contextShape)
            contextGradient.zero()
        }
        encoder.backward(middleGradient: middleGradient, skipGradients: skipGradients,
                         contextGradient: computesContextGradient ? contextGradient : nil)
        hint.backward(encoder.hintGradient)
    }

    private func scaled(_ y: Tensor, _ k: Int) -> Tensor {
        if controlScales[k] == 1 { return y }
        scaledOutputs[k].copy(from: y)
        scaledOutputs[k].scale(by: controlScales[k])
        return scaledOutputs[k]
    }

    private func unscaled(_ dy: Tensor, _ k: Int) -> Tensor {
        if controlScales[k] == 1 { return dy }
        scaledGradients[k].copy(from: dy)
        scaledGradients[k].scale(by: controlScales[k])
        return scaledGradients[k]
    }
}
