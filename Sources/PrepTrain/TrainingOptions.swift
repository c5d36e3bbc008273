// TrainingOptions: everything that configures a `prep train` run. The command line fills it;
// `Trainer` runs it. `definingValues` lists the options that define the run: a resumed run must
// have the same ones (`--steps` and `--checkpoint-every` may change).
import Foundation
import PrepNN

public struct TrainingOptions: Sendable, Equatable {
    public var stage: TrainingStage = .base
    /// The dataset folder written by `prep build`.
    public var dataset = "dataset"
    /// The run folder (checkpoints, loss.jsonl); nil = `runs/<stage>`.
    public var output: String?
    /// Optimizer steps to reach (a resumed run continues up to this count).
    public var steps = 1000
    /// Samples per micro-batch.
    public var batch = 8
    /// Square side of the training images in pixels (the latent is a quarter of it).
    public var resolution = 64
    /// The model's sizes; nil = `ModelConfig()` for the base stage, the base checkpoint's for control.
    public var model: ModelConfig?
    /// nil = the stage's default (1e-4 base, 1e-5 control).
    public var learningRate: Float?
    /// Micro-batches per optimizer step (gradient accumulation; each scaled by 1 / accumulate).
    public var accumulate = 1
    /// Maximum global gradient norm; 0 = no clipping.
    public var clip: Float = 1
    /// Probability that a sample's caption is replaced by "" for one epoch.
    public var captionDropout = 0.5
    /// Write `checkpoint-STEP.safetensors` every this many steps (and always at the end).
    public var checkpointEvery = 500
    public var seed: UInt64 = 0
    /// The base checkpoint (control stage).
    public var base: String?
    /// The condition stage whose member (`NAME.png`) the ControlNet learns from (control stage).
    public var condition: String?
    /// The phases of a control run; nil = `Curriculum.standard` (the base locked throughout).
    public var curriculum: Curriculum?
    /// Evaluate the control metric every this many steps (and at step 0 and at the end); 0 = never
    /// (control stage).
    public var evaluateEvery = 250
    public var metric = ControlMetricSettings()

    public init() {}

    public var outputDirectory: String { output ?? "runs/\(stage.rawValue)" }
    public var effectiveLearningRate: Float { learningRate ?? stage.defaultLearningRate }
    /// The curriculum a control run follows (nil for the base stage).
    public var effectiveCurriculum: Curriculum? { stage == .control ? curriculum ?? .standard : nil }
    /// The dataset member of the condition image (`canny` -> `canny.png`).
    public var conditionMember: String? { condition.map { $0.hasSuffix(".png") ? $0 : $0 + ".png" } }

    /// Checks what can be checked without the dataset or the base checkpoint.
    public func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw TrainingError(message) }
        }
        try check(steps >= 1, "--steps must be at least 1, not \(steps)")
        try check(batch >= 1, "--batch must be at least 1, not \(batch)")
        try check(accumulate >= 1, "--accumulate must be at least 1, not \(accumulate)")
        try check(checkpointEvery >= 1, "--checkpoint-every must be at least 1, not \(checkpointEvery)")
        try check(resolution > 0 && resolution % 4 == 0,
                  "--resolution must be a positive multiple of 4 (the image is pixel-unshuffled by 4), not \(resolution)")
        try check(clip >= 0 && clip.isFinite, "--clip must be 0 (off) or a positive norm, not \(clip)")
        try check((0...1).contains(captionDropout), "--caption-dropout must be in [0, 1], not \(captionDropout)")
        if let learningRate { try check(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive, not \(learningRate)") }
        switch stage {
        case .base:
            try check(base == nil, "--base is for --stage control (the base stage trains from scratch)")
            try check(condition == nil, "--condition is for --stage control")
            try check(curriculum == nil, "--curriculum is for --stage control (the curricula train a ControlNet)")
        case .control:
            try check(base != nil, "--stage control needs --base CHECKPOINT (a checkpoint of a --stage base run)")
            try check(condition != nil, "--stage control needs --condition NAME (a condition stage of the dataset, e.g. canny)")
            try check(evaluateEvery >= 0, "--eval-every must be 0 (never) or a positive step count, not \(evaluateEvery)")
            try check(metric.count >= 1, "--eval-count must be at least 1, not \(metric.count)")
            if let curriculum {
                try curriculum.validate(source: "--curriculum \(curriculum.name)")
                try check(!curriculum.usesMetric || evaluateEvery > 0,
                          "--curriculum \(curriculum.name) ends a phase on the control metric: --eval-every must be positive")
            }
        }
    }

    /// The options that define the run, as (name, value) text pairs, with `model` the effective
    /// configuration. A resume compares them with the checkpoint's.
    public func definingValues(model: ModelConfig) -> [(String, String)] {
        [
            ("stage", stage.rawValue),
            ("batch", String(batch)),
            ("resolution", String(resolution)),
            ("learning-rate", String(effectiveLearningRate)),
            ("accumulate", String(accumulate)),
            ("clip", String(clip)),
            ("caption-dropout", String(captionDropout)),
            ("seed", String(seed)),
            ("condition", condition ?? ""),
            ("curriculum", effectiveCurriculum?.json ?? ""),
            ("eval-every", stage == .control ? String(evaluateEvery) : ""),
            ("model", TrainingOptions.json(model)),
        ]
    }

    /// Sorted-key JSON of a value (checkpoint metadata).
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// Checks a model configuration can be built and trained at a resolution.
public enum ModelConfigCheck {
    public static func validate(_ config: ModelConfig, resolution: Int) throws {
        guard config.width > 0, config.width % config.groupCount == 0 else {
            throw TrainingError("--width must be a positive multiple of the group count \(config.groupCount), not \(config.width)")
        }
        for (level, multiplier) in config.channelMultipliers.enumerated()
        where config.attentionLevels[level] && (config.width * multiplier) % config.headCount != 0 {
            throw TrainingError("--width \(config.width): level \(level) has \(config.width * multiplier) channels, "
                + "not divisible by the \(config.headCount) attention heads")
        }
        guard config.latentChannels == 48, config.hintChannels == 3 else {
            throw TrainingError("the trainer feeds RGB images unshuffled by 4 (48 latent channels, 3 hint channels), "
                + "not \(config.latentChannels) and \(config.hintChannels)")
        }
        let levels = config.channelMultipliers.count
        let multiple = 4 << (levels - 1)
        guard resolution % multiple == 0 else {
            throw TrainingError("--resolution \(resolution) must be a multiple of \(multiple) "
                + "(4 for the pixel unshuffle, times 2 for each of the \(levels - 1) downsamplings)")
        }
    }
}
