// Sampler: `prep sample`, images from a `prep train` checkpoint.
//   base checkpoint:    text-to-image with the U-Net and the text encoder
//   control checkpoint: the same plus the ControlNet on a condition picture (its locked base comes
//                       from the checkpoint itself, or from --base when given)
// DDIM (eta 0, epsilon prediction) over `steps` timesteps of the 1000-step schedule, spaced as the
// ControlNet code's DDIMSampler ("uniform", as diffusers' "leading" with steps_offset 1):
//   c = 1000 / steps (integer division), t_i = i * c + 1 for i = 0..<steps, visited from the last;
//   alpha_prev of t_i is alphas_cumprod[t_(i-1)], and alphas_cumprod[0] for t_0.
//   x0 = (x - sqrt(1 - a_t) * eps) / sqrt(a_t);  x <- sqrt(a_prev) * x0 + sqrt(1 - a_prev) * eps
// Classifier-free guidance: eps = eps_u + g * (eps_c - eps_u), eps_u with the empty caption (the
// model's unconditional input, learnt through caption dropout); g = 1 (or nil) runs only the
// conditional pass. Control: every ControlNet output times `strength`, for both passes (the
// ControlNet sees each pass's context). Guess mode: scales strength * 0.825^(K-1-i) for the K
// outputs (i = 0 the shallowest, the middle block's gets strength), the ControlNet sees the empty
// caption, and its outputs go to the conditional pass only.
// Each seed is sampled on its own from SeededRandom(seed) normals (its conditional and unconditional
// passes in one batch of two), so a seed's image does not depend on the other seeds.
import Foundation
import PrepImage
import PrepNN

/// What `prep sample` is asked.
public struct SamplingOptions: Sendable, Equatable {
    /// A `prep train` checkpoint, base or control.
    public var checkpoint = ""
    /// A base checkpoint whose U-Net and text encoder replace (or supply) a control checkpoint's.
    public var base: String?
    /// The condition picture (control checkpoints only).
    public var condition: String?
    public var prompt = ""
    public var steps = 20
    /// Classifier-free guidance scale; 1 = the conditional pass alone.
    public var guidance: Float = 9
    /// Multiplies every control output (control checkpoints only).
    public var strength: Float = 1
    public var guessMode = false
    public var seeds: [UInt64] = [0, 1, 2, 3]
    /// Square size in pixels; nil = the checkpoint's training resolution, else 64.
    public var resolution: Int?
    public var output = "samples.png"

    public init() {}
}

public final class Sampler {
    public static let guessModeBase: Float = 0.825

    public let stage: TrainingStage
    public let config: ModelConfig
    public let resolution: Int
    public let unet: UNet
    public let textEncoder: TextEncoder
    /// Present for control checkpoints.
    public let controlNet: ControlNet?
    public let tokenizer: CaptionTokenizer
    public let schedule = NoiseSchedule()

    /// Loads the models of `checkpoint` (and `base`, see `SamplingOptions.base`).
    public init(checkpoint: String, base: String? = nil, resolution: Int? = nil) throws {
        let (file, info) = try Checkpoint.open(URL(fileURLWithPath: checkpoint))
        stage = info.stage
        config = info.model
        self.resolution = resolution ?? info.training["resolution"].flatMap { Int($0) } ?? 64
        try ModelConfigCheck.validate(config, resolution: self.resolution)
        unet = UNet(config: config)
        textEncoder = TextEncoder(config: config)
        tokenizer = CaptionTokenizer(config: config)
        switch info.stage {
        case .base:
            if let base {
                throw TrainingError("--base \(base): \(checkpoint) is a base checkpoint already; --base goes with control checkpoints")
            }
            try Checkpoint.loadBase(unet: unet, textEncoder: textEncoder, from: file, label: "--checkpoint \(checkpoint)")
            controlNet = nil
        case .control:
            if let base {
                let (baseFile, baseInfo) = try Checkpoint.open(URL(fileURLWithPath: base))
                guard baseInfo.model == config else {
                    throw TrainingError("--base \(base): the base is of another model configuration (width \(baseInfo.model.width)) "
                        + "than the ControlNet of \(checkpoint) (width \(config.width)); use the base the ControlNet was trained on")
                }
                try Checkpoint.loadBase(unet: unet, textEncoder: textEncoder, from: baseFile, label: "--base \(base)")
            } else if file.tensorNames.contains(where: { $0.hasPrefix("unet.") }) {
                try Checkpoint.loadBase(unet: unet, textEncoder: textEncoder, from: file, label: "--checkpoint \(checkpoint)")
            } else {
                throw TrainingError("--checkpoint \(checkpoint): the control checkpoint does not hold its locked base "
                    + "('unet.' and 'text.' tensors); pass the base it was trained on with --base")
            }
            let controlNet = ControlNet(config: config)
            try Checkpoint.load(CheckpointArena(prefix: "control.", arena: controlNet.arena, trained: false), from: file, moments: false)
            self.controlNet = controlNet
        }
        unet.arena.requiresGradients = false
        textEncoder.arena.requiresGradients = false
        controlNet?.arena.requiresGradients = false
    }

    /// A sampler over live models (the trainer's evaluations); their gradient flags are left alone.
    public init(unet: UNet, textEncoder: TextEncoder, controlNet: ControlNet?, resolution: Int) {
        stage = controlNet == nil ? .base : .control
        config = unet.config
        self.resolution = resolution
        self.unet = unet
        self.textEncoder = textEncoder
        self.controlNet = controlNet
        tokenizer = CaptionTokenizer(config: unet.config)
    }

    /// The DDIM timesteps, ascending: t_i = i * (1000 / steps) + 1. `steps` in 1...999.
    public static func timesteps(steps: Int, trainingSteps: Int = 1000) -> [Int] {
        precondition(steps >= 1 && steps < trainingSteps, "Sampler.timesteps: \(steps) steps")
        let c = trainingSteps / steps
        return (0..<steps).map { $0 * c + 1 }
    }

    /// One DDIM step (eta 0): x_t -> x_prev, given the predicted noise. `clipping`: x0 clamped to
    /// [-1, 1] and the noise re-derived from it (diffusers' `clip_sample`; the model's "latent" is
    /// pixels, so x0 outside [-1, 1] is never an image, and a young model's overshoot would grow
    /// step after step).
    public static func ddimStep(_ x: inout [Float], epsilon: [Float], alpha: Double, alphaPrevious: Double, clipping: Bool = false) {
        let (sa, sb) = (Float(alpha.squareRoot()), Float((1 - alpha).squareRoot()))
        let (pa, pb) = (Float(alphaPrevious.squareRoot()), Float((1 - alphaPrevious).squareRoot()))
        for i in x.indices {
            var x0 = (x[i] - sb * epsilon[i]) / sa
            var eps = epsilon[i]
            if clipping {
                x0 = min(1, max(-1, x0))
                eps = (x[i] - sa * x0) / sb
            }
            x[i] = pa * x0 + pb * eps
        }
    }

    /// The control scales: `strength` for every output, or guess mode's strength * 0.825^(K-1-i).
    public func controlScales(strength: Float, guessMode: Bool) -> [Float] {
        let K = unet.controlCount
        return (0..<K).map { i in guessMode ? strength * Float(pow(Double(Self.guessModeBase), Double(K - 1 - i))) : strength }
    }

    /// The text context [1, T, D] of a caption (a copy: the encoder reuses its output).
    public func context(_ caption: String) -> Tensor {
        let out = textEncoder.forward(tokenizer.encode(caption))
        return Tensor(shape: out.shape, values: out.values)
    }

    /// The initial noise of a seed: [1, latent, R/4, R/4] standard normals from SeededRandom(seed).
    public func initialNoise(seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return random.normals(config.latentChannels * (resolution / 4) * (resolution / 4))
    }

    /// One sample's latent [1, latent, R/4, R/4] after `steps` DDIM steps. `guidance` nil or 1:
    /// the conditional pass alone. `condition`: [3, R, R] planes in [0, 1] (control checkpoints).
    /// Without guess mode this is `sampleBatch` of one prompt.
    public func sample(prompt: String, condition: [Float]?, seed: UInt64, steps: Int, guidance: Float?,
                       strength: Float = 1, guessMode: Bool = false) -> [Float] {
        guard guessMode, let controlNet, let condition else {
            return sampleBatch(prompts: [prompt], conditions: condition.map { [$0] }, seeds: [seed], steps: steps,
                               guidance: guidance, strength: strength)[0]
        }
        // Guess mode: the ControlNet sees the empty caption; its outputs go to the conditional pass only.
        let R = resolution, h = R / 4
        let shape = [1, config.latentChannels, h, h]
        let useGuidance = guidance.map { $0 != 1 } ?? false
        let conditional = context(prompt)
        let unconditional = context("")
        let hint = Tensor(shape: [1, 3, R, R], values: condition)
        controlNet.controlScales = controlScales(strength: strength, guessMode: true)
        let ts = Self.timesteps(steps: steps, trainingSteps: schedule.trainingSteps)
        var x = initialNoise(seed: seed)
        for i in (0..<steps).reversed() {
            let t = ts[i]
            let input = Tensor(shape: shape, values: x)
            let control = controlNet.forward(input, timesteps: [t], context: unconditional, condition: hint)
            var eps = unet.forward(input, timesteps: [t], context: conditional, control: control).values
            if useGuidance, let g = guidance {
                let uncond = unet.forward(input, timesteps: [t], context: unconditional, control: nil).values
                for k in eps.indices { eps[k] = uncond[k] + g * (eps[k] - uncond[k]) }
            }
            let alphaPrevious = i > 0 ? schedule.alphasCumulative[ts[i - 1]] : schedule.alphasCumulative[0]
            Self.ddimStep(&x, epsilon: eps, alpha: schedule.alphasCumulative[t], alphaPrevious: alphaPrevious, clipping: true)
        }
        return x
    }

    /// Several samples at once (`sample` of one prompt, the trainer's evaluations): prompt i,
    /// condition i and seed i give sample i, from SeededRandom(seed i)'s noise; every DDIM step runs
    /// one batch of the conditional passes and, with guidance, the unconditional ones after them.
    /// No guess mode.
    public func sampleBatch(prompts: [String], conditions: [[Float]]?, seeds: [UInt64], steps: Int,
                            guidance: Float?, strength: Float = 1) -> [[Float]] {
        let N = prompts.count
        precondition(seeds.count == N && (conditions?.count ?? N) == N, "Sampler.sampleBatch: counts differ")
        let R = resolution, h = R / 4
        let latentCount = config.latentChannels * h * h
        let useGuidance = guidance.map { $0 != 1 } ?? false
        let passes = useGuidance ? 2 : 1
        let ids = prompts.flatMap { tokenizer.encode($0) } + (useGuidance ? Array(repeating: tokenizer.encode(""), count: N).flatMap { $0 } : [])
        let encoded = textEncoder.forward(ids)
        let context = Tensor(shape: encoded.shape, values: encoded.values)
        var hint: Tensor?
        if let controlNet, let conditions {
            let planes = conditions.flatMap { $0 }
            hint = Tensor(shape: [passes * N, 3, R, R], values: Array([[Float]](repeating: planes, count: passes).joined()))
            controlNet.controlScales = controlScales(strength: strength, guessMode: false)
        }
        let ts = Self.timesteps(steps: steps, trainingSteps: schedule.trainingSteps)
        var xs = seeds.map { initialNoise(seed: $0) }
        for i in (0..<steps).reversed() {
            let t = ts[i]
            let batch = xs.flatMap { $0 }
            let input = Tensor(shape: [passes * N, config.latentChannels, h, h], values: useGuidance ? batch + batch : batch)
            let timesteps = [Int](repeating: t, count: passes * N)
            let control = hint.map { controlNet!.forward(input, timesteps: timesteps, context: context, condition: $0) }
            let eps = unet.forward(input, timesteps: timesteps, context: context, control: control).values
            let alphaPrevious = i > 0 ? schedule.alphasCumulative[ts[i - 1]] : schedule.alphasCumulative[0]
            for n in 0..<N {
                var e = Array(eps[(n * latentCount)..<((n + 1) * latentCount)])
                if useGuidance, let g = guidance {
                    let u = (N + n) * latentCount
                    for k in e.indices { e[k] = eps[u + k] + g * (e[k] - eps[u + k]) }
                }
                Self.ddimStep(&xs[n], epsilon: e, alpha: schedule.alphasCumulative[t], alphaPrevious: alphaPrevious, clipping: true)
            }
        }
        return xs
    }

    /// A latent as an R x R RGB picture: pixel-shuffled by 4, (v + 1) * 127.5 rounded, clamped to 0...255.
    public func image(latent: [Float]) -> Image {
        let R = resolution
        let planes = PixelShuffle.shuffle(Tensor(shape: [1, config.latentChannels, R / 4, R / 4], values: latent), factor: 4).values
        return Self.picture(planes: planes, size: R, scale: 127.5, offset: 1)
    }

    /// RGB pixels of [3, R, R] planes: (v + offset) * scale, rounded, clamped.
    static func picture(planes: [Float], size R: Int, scale: Float, offset: Float) -> Image {
        var image = Image(width: R, height: R, channels: 3)
        let plane = R * R
        for p in 0..<plane {
            for c in 0..<3 {
                let v = ((planes[c * plane + p] + offset) * scale).rounded()
                image.pixels[p * 3 + c] = UInt8(v.isNaN ? 0 : min(255, max(0, v)))
            }
        }
        return image
    }

    /// Checks `options` against the loaded models, samples every seed, and writes the grid PNG:
    /// one row, the condition (as fed to the model) first for control checkpoints, then one sample
    /// per seed. Returns the grid.
    @discardableResult
    public static func run(_ options: SamplingOptions) throws -> Image {
        guard (1...999).contains(options.steps) else {
            throw TrainingError("--steps must be between 1 and 999, not \(options.steps)")
        }
        guard options.guidance.isFinite, options.guidance >= 0 else {
            throw TrainingError("--guidance must be a finite number >= 0, not \(options.guidance)")
        }
        guard options.strength.isFinite, options.strength >= 0 else {
            throw TrainingError("--strength must be a finite number >= 0, not \(options.strength)")
        }
        guard !options.seeds.isEmpty else { throw TrainingError("--seeds: give at least one seed") }
        if let resolution = options.resolution, resolution <= 0 {
            throw TrainingError("--resolution must be positive, not \(resolution)")
        }
        let sampler = try Sampler(checkpoint: options.checkpoint, base: options.base, resolution: options.resolution)
        let R = sampler.resolution
        var condition: [Float]?
        if sampler.controlNet != nil {
            guard let path = options.condition else {
                throw TrainingError("--checkpoint \(options.checkpoint) is a ControlNet: pass its condition picture with --condition")
            }
            condition = ImageTensor.condition(try decodeCondition(path), resolution: R)
        } else {
            if let path = options.condition {
                throw TrainingError("--condition \(path): \(options.checkpoint) is a base checkpoint (text to image only); "
                    + "leave out --condition, or sample a control checkpoint")
            }
            if options.guessMode { throw TrainingError("--guess-mode needs a control checkpoint; \(options.checkpoint) is a base") }
            if options.strength != 1 { throw TrainingError("--strength needs a control checkpoint; \(options.checkpoint) is a base") }
        }
        var tiles: [Image] = condition.map { [picture(planes: $0, size: R, scale: 255, offset: 0)] } ?? []
        for seed in options.seeds {
            let latent = sampler.sample(prompt: options.prompt, condition: condition, seed: seed, steps: options.steps,
                                        guidance: options.guidance, strength: options.strength, guessMode: options.guessMode)
            tiles.append(sampler.image(latent: latent))
        }
        let grid = row(tiles, size: R)
        do {
            try Data(try PNGCodec.encode(grid)).write(to: URL(fileURLWithPath: options.output), options: .atomic)
        } catch {
            throw TrainingError("cannot write \(options.output): \(error)")
        }
        return grid
    }

    static func decodeCondition(_ path: String) throws -> Image {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError("--condition \(path): no such file")
        }
        do {
            return try ImageDecoder.decode([UInt8](data))
        } catch {
            throw TrainingError("--condition \(path): not a picture prep can decode (PNG or JPEG): \(error)")
        }
    }

    /// R x R RGB tiles side by side.
    static func row(_ tiles: [Image], size R: Int) -> Image {
        var grid = Image(width: R * tiles.count, height: R, channels: 3)
        for (k, tile) in tiles.enumerated() {
            for y in 0..<R {
                let source = y * R * 3, target = (y * grid.width + k * R) * 3
                grid.pixels.replaceSubrange(target..<(target + R * 3), with: tile.pixels[source..<(source + R * 3)])
            }
        }
        return grid
    }
}
