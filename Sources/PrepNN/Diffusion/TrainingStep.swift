// Training steps: noise the latents, predict epsilon, MSE against the noise, backward, AdamW.
//   BaseTrainingStep: fine-tune the U-Net (and the text encoder when given).
//   ControlTrainingStep: train a ControlNet on a locked U-Net.
// Gradient accumulation: call `accumulate` several times, then `update`; `run` is both at once.

/// What one batch feeds a step.
public struct DiffusionBatch {
    /// Clean latents x0 [N, latent, H, W].
    public var latents: Tensor
    /// Gaussian noise of the same shape (the epsilon target).
    public var noise: Tensor
    public var timesteps: [Int]
    /// Text context [N, S, ctx] (when there is no text encoder), or nil with `tokenIDs`.
    public var context: Tensor?
    /// Token ids [N * textLength] for the text encoder.
    public var tokenIDs: [Int32]?
    /// Condition images [N, 3, 4H, 4W] (ControlNet steps only).
    public var condition: Tensor?

    public init(latents: Tensor, noise: Tensor, timesteps: [Int], context: Tensor? = nil, tokenIDs: [Int32]? = nil, condition: Tensor? = nil) {
        self.latents = latents
        self.noise = noise
        self.timesteps = timesteps
        self.context = context
        self.tokenIDs = tokenIDs
        self.condition = condition
    }
}

public final class BaseTrainingStep {
    public let unet: UNet
    public let textEncoder: TextEncoder?
    public var optimizer: AdamW
    public var maxGradientNorm: Float?
    public let schedule: NoiseSchedule
    let loss = MSELoss()
    let noisy = Tensor(shape: [0])

    /// Unlocks the U-Net and the text encoder (sets their arenas' `requiresGradients` to true).
    public init(unet: UNet, textEncoder: TextEncoder? = nil, optimizer: AdamW = AdamW(), maxGradientNorm: Float? = nil,
                schedule: NoiseSchedule = NoiseSchedule()) {
        self.unet = unet
        self.textEncoder = textEncoder
        self.optimizer = optimizer
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
        unet.arena.requiresGradients = true
        textEncoder?.arena.requiresGradients = true
        unet.computesContextGradient = textEncoder != nil
    }

    var arenas: [ParameterArena] { [unet.arena] + (textEncoder.map { [$0.arena] } ?? []) }

    /// Forward and backward; gradients add to what is there. `lossScale` multiplies the gradient
    /// (1 / accumulation steps for a mean over micro-batches). Returns the loss.
    @discardableResult
    public func accumulate(_ batch: DiffusionBatch, lossScale: Float = 1) -> Float {
        let context = resolveContext(batch)
        schedule.addNoise(clean: batch.latents, noise: batch.noise, timesteps: batch.timesteps, into: noisy)
        let prediction = unet.forward(noisy, timesteps: batch.timesteps, context: context)
        let value = loss.forward(prediction, batch.noise)
        unet.backward(loss.backward(scale: lossScale))
        if let textEncoder { textEncoder.backward(unet.contextGradient) }
        return value
    }

    /// Clips (when `maxGradientNorm` is set), updates, zeroes the gradients; returns the gradient
    /// norm before clipping when it was computed (only when clipping: it costs a pass over memory).
    @discardableResult
    public func update() -> Float? {
        let norm = maxGradientNorm.map { GradientClipping.clipGlobalNorm(arenas, maxNorm: $0) }
        optimizer.step(arenas, zeroingGradients: true)
        return norm
    }

    @discardableResult
    public func run(_ batch: DiffusionBatch) -> Float {
        let value = accumulate(batch)
        update()
        return value
    }

    private func resolveContext(_ batch: DiffusionBatch) -> Tensor {
        if let textEncoder, let ids = batch.tokenIDs { return textEncoder.forward(ids) }
        guard let context = batch.context else { preconditionFailure("BaseTrainingStep: the batch has neither context nor token ids") }
        return context
    }
}

public final class ControlTrainingStep {
    public let unet: UNet
    public let controlNet: ControlNet
    public let textEncoder: TextEncoder?
    public var optimizer: AdamW
    public var maxGradientNorm: Float?
    public let schedule: NoiseSchedule
    let loss = MSELoss()
    let noisy = Tensor(shape: [0])

    /// Locks the U-Net (and the text encoder, which only feeds the context here): sets their
    /// arenas' `requiresGradients` to false, which stays so until the caller sets it back.
    public init(unet: UNet, controlNet: ControlNet, textEncoder: TextEncoder? = nil, optimizer: AdamW = AdamW(),
                maxGradientNorm: Float? = nil, schedule: NoiseSchedule = NoiseSchedule()) {
        self.unet = unet
        self.controlNet = controlNet
        self.textEncoder = textEncoder
        self.optimizer = optimizer
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
        unet.arena.requiresGradients = false
        unet.computesContextGradient = false
        textEncoder?.arena.requiresGradients = false
    }

    @discardableResult
    public func accumulate(_ batch: DiffusionBatch, lossScale: Float = 1) -> Float {
        guard let condition = batch.condition else { preconditionFailure("ControlTrainingStep: the batch has no condition image") }
        let context: Tensor
        if let textEncoder, let ids = batch.tokenIDs {
            context = textEncoder.forward(ids)
        } else if let given = batch.context {
            context = given
        } else {
            preconditionFailure("ControlTrainingStep: the batch has neither context nor token ids")
        }
        schedule.addNoise(clean: batch.latents, noise: batch.noise, timesteps: batch.timesteps, into: noisy)
        let control = controlNet.forward(noisy, timesteps: batch.timesteps, context: context, condition: condition)
        let prediction = unet.forward(noisy, timesteps: batch.timesteps, context: context, control: control)
        let value = loss.forward(prediction, batch.noise)
        unet.backward(loss.backward(scale: lossScale))
        controlNet.backward(unet.controlGradients)
        return value
    }

    /// The optimizer of the U-Net's decoder once `unlockBaseDecoder` was called; nil while the base is locked.
    public private(set) var baseDecoderOptimizer: AdamW?

    /// Trains the U-Net's decoder too (SD's `output_blocks` and `out`; its encoder and the text
    /// encoder stay locked), with an optimizer of its own: its step count and moments start here,
    /// as PyTorch's per-parameter state would.
    public func unlockBaseDecoder(optimizer: AdamW) {
        unet.arena.requiresGradients = true
        unet.arena.trainedRange = unet.decoderParameterRange
        baseDecoderOptimizer = optimizer
    }

    /// As BaseTrainingStep.update, for the ControlNet's parameters (and the U-Net's decoder when
    /// unlocked; one global norm over both).
    @discardableResult
    public func update() -> Float? {
        let arenas = [controlNet.arena] + (baseDecoderOptimizer != nil ? [unet.arena] : [])
        let norm = maxGradientNorm.map { GradientClipping.clipGlobalNorm(arenas, maxNorm: $0) }
        optimizer.step([controlNet.arena], zeroingGradients: true)
        baseDecoderOptimizer?.step([unet.arena], zeroingGradients: true)
        return norm
    }

    @discardableResult
    public func run(_ batch: DiffusionBatch) -> Float {
        let value = accumulate(batch)
        update()
        return value
    }
}
