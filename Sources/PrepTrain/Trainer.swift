// Trainer: a `prep train` run.
//   base:    the U-Net and the text encoder from scratch (seeded initialisation), on image + caption
//   control: the base checkpoint's U-Net and text encoder, locked; a ControlNet whose encoder
//            starts as a copy of the U-Net's, trained on image + caption + condition, through the
//            phases of a `Curriculum` (which connections, whether the base decoder trains, the
//            learning rate), with the control metric evaluated at step 0, every `evaluateEvery`
//            steps and at the end (`ControlMetric`, metric.jsonl, samples/)
// Each optimizer step: `accumulate` micro-batches (loss scale 1 / accumulate), global-norm
// clipping, AdamW (constant learning rate, no warm-up), a loss log line, a checkpoint every
// `checkpointEvery` steps and at the end. Everything random is keyed by (seed, step) or
// (seed, epoch[, key]), so resuming from a checkpoint gives the same bits as never stopping.
import Foundation
import PrepNN

/// What a run did.
public struct TrainingSummary: Sendable {
    /// Optimizer steps done by this call (0 when the run was already complete).
    public var stepsRun: Int
    /// Steps done in total (the last checkpoint's step).
    public var step: Int
    public var lastLoss: Float
    /// Mean of the last 20 step losses.
    public var averageLoss: Float
    public var stepsPerSecond: Double
    public var checkpoint: URL?
    /// summary.json's content (written with training.png when the run did steps).
    public var report: RunReport?
}

/// A phase as run: where it began and ended (control runs).
public struct PhaseSpan: Codable, Sendable, Equatable {
    public var name: String
    public var startStep: Int
    public var endStep: Int

    enum CodingKeys: String, CodingKey {
        case name, startStep = "start_step", endStep = "end_step"
    }
}

public final class Trainer {
    public let options: TrainingOptions
    public let config: ModelConfig
    public let data: TrainingData
    public let unet: UNet
    public let textEncoder: TextEncoder
    /// The ControlNet (control stage only).
    public let controlNet: ControlNet?
    public let runDirectory: URL
    public let checkpoints: CheckpointFiles
    /// Optimizer steps done so far (the resumed checkpoint's step, then counting).
    public private(set) var step = 0
    /// Training seconds so far, carried across resumes.
    public private(set) var seconds = 0.0
    /// The checkpoint this run resumed from.
    public private(set) var resumedFrom: URL?
    /// The curriculum (control runs), the phase being run and the step each phase so far began at.
    public let curriculum: Curriculum?
    public private(set) var phaseIndex = 0
    public private(set) var phaseStarts: [Int] = [0]
    /// The control metric and its log (control runs with `evaluateEvery` > 0).
    public let metric: ControlMetric?
    public let metricLog: MetricLog?

    private let baseStep: BaseTrainingStep?
    private let controlStep: ControlTrainingStep?
    private let assembler: BatchAssembler
    private let lossLog: LossLog

    /// Sets up the run: checks the options, opens the dataset, builds (or loads) the models.
    /// `resume`: continue from the run folder's newest checkpoint (its defining options must match).
    public init(options: TrainingOptions, resume: Bool = false) throws {
        try options.validate()
        self.options = options
        runDirectory = URL(fileURLWithPath: options.outputDirectory)
        checkpoints = CheckpointFiles(directory: runDirectory)

        // Where the run starts: a checkpoint of its own (resume), or fresh.
        var resumed: (file: SafetensorsFile, info: CheckpointInfo)?
        if resume {
            guard let point = checkpoints.resumePoint() else {
                throw TrainingError("--resume: no checkpoint in \(runDirectory.path) (checkpoint-latest.safetensors or "
                    + "checkpoint-STEP.safetensors); run without --resume to start the run")
            }
            resumed = try Checkpoint.open(point)
            resumedFrom = point
        } else if !checkpoints.isEmpty {
            throw TrainingError("\(runDirectory.path) already holds checkpoints: pass --resume to continue that run, "
                + "or choose another --out")
        }

        // The model configuration: the checkpoint's, the base's (control) or the options'.
        var base: (file: SafetensorsFile, info: CheckpointInfo)?
        if options.stage == .control, resumed == nil, let basePath = options.base {
            guard FileManager.default.fileExists(atPath: basePath) else {
                throw TrainingError("--base \(basePath): no such checkpoint; train one with `prep train --stage base`")
            }
            base = try Checkpoint.open(URL(fileURLWithPath: basePath))
        }
        let config: ModelConfig
        if let resumed {
            config = resumed.info.model
        } else if let base {
            if let wanted = options.model, wanted != base.info.model {
                throw TrainingError("--base \(options.base ?? ""): the checkpoint is of another model configuration "
                    + "(width \(base.info.model.width)) than asked (width \(wanted.width)); leave out --width to use the base's")
            }
            config = base.info.model
        } else {
            config = options.model ?? ModelConfig()
        }
        self.config = config
        try ModelConfigCheck.validate(config, resolution: options.resolution)
        if let resumed { try Self.checkResume(resumed.info, options: options, config: config, path: resumedFrom!.path) }

        data = try TrainingData(directory: options.dataset, resolution: options.resolution,
                                conditionMember: options.stage == .control ? options.conditionMember : nil)
        let curriculum = options.effectiveCurriculum
        self.curriculum = curriculum
        if let resumed, let curriculum {
            let index = Int(resumed.info.training["phase"] ?? "") ?? 0
            let starts = (resumed.info.training["phase-starts"] ?? "0").split(separator: ",").compactMap { Int($0) }
            guard index < curriculum.phases.count, starts.count == index + 1 else {
                throw TrainingError("--resume: \(resumedFrom?.path ?? "") records phase \(index) of a curriculum with "
                    + "\(curriculum.phases.count) phases; its metadata is damaged")
            }
            phaseIndex = index
            phaseStarts = starts
        }
        let startingPhase = phaseIndex
        let decoderUnlocked = curriculum.map { $0.phases[startingPhase].trainsBaseDecoder } ?? false
        metric = options.stage == .control && options.evaluateEvery > 0
            ? try ControlMetric(data: data, settings: options.metric, seed: options.seed) : nil

        // The models, seeded from the run seed (distinct streams per model).
        unet = UNet(config: config, seed: options.seed)
        textEncoder = TextEncoder(config: config, seed: options.seed &+ 2)
        let unetItem = CheckpointArena(prefix: "unet.", arena: unet.arena, trained: options.stage == .base)
        let textItem = CheckpointArena(prefix: "text.", arena: textEncoder.arena, trained: options.stage == .base)
        if let base {
            try Checkpoint.loadBase(unet: unet, textEncoder: textEncoder, from: base.file, label: "--base \(options.base ?? "")")
        }
        controlNet = options.stage == .control ? ControlNet(copying: unet, seed: options.seed &+ 1) : nil

        var optimizer = AdamW(learningRate: options.effectiveLearningRate)
        if let resumed {
            try Checkpoint.load(unetItem, from: resumed.file, moments: unetItem.trained || decoderUnlocked)
            try Checkpoint.load(textItem, from: resumed.file, moments: textItem.trained)
            if let controlNet {
                try Checkpoint.load(CheckpointArena(prefix: "control.", arena: controlNet.arena, trained: true),
                                    from: resumed.file, moments: true)
            }
            optimizer = resumed.info.optimizer
            step = resumed.info.step
            seconds = resumed.info.seconds
        }

        let clip: Float? = options.clip > 0 ? options.clip : nil
        if let controlNet {
            let controlStep = ControlTrainingStep(unet: unet, controlNet: controlNet, textEncoder: textEncoder,
                                                  optimizer: optimizer, maxGradientNorm: clip)
            if decoderUnlocked {
                let stored = resumed?.info.training["base-decoder-optimizer"] ?? ""
                guard let decoderOptimizer = try? JSONDecoder().decode(AdamW.self, from: Data(stored.utf8)) else {
                    throw TrainingError("--resume: \(resumedFrom?.path ?? "") is in a phase that trains the base decoder "
                        + "but holds no 'base-decoder-optimizer' metadata")
                }
                controlStep.unlockBaseDecoder(optimizer: decoderOptimizer)
            }
            self.controlStep = controlStep
            baseStep = nil
        } else {
            baseStep = BaseTrainingStep(unet: unet, textEncoder: textEncoder, optimizer: optimizer, maxGradientNorm: clip)
            controlStep = nil
        }
        assembler = BatchAssembler(data: data, batch: options.batch, tokenizer: CaptionTokenizer(config: config),
                                   seed: options.seed, captionDropout: options.captionDropout,
                                   trainingTimesteps: NoiseSchedule().trainingSteps)
        do {
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("cannot create the run folder \(runDirectory.path): \(error.localizedDescription)")
        }
        lossLog = try LossLog(directory: runDirectory, keepingThrough: step)
        metricLog = metric != nil ? try MetricLog(directory: runDirectory, keepingThrough: step) : nil
        if let curriculum { apply(curriculum.phases[phaseIndex]) }
    }

    /// The phase being run (control runs).
    public var phase: CurriculumPhase? { curriculum?.phases[phaseIndex] }

    /// Sets up the models and optimizers for `phase`.
    func apply(_ phase: CurriculumPhase) {
        guard let controlStep else { return }
        unet.controlConnections = phase.connections
        let learningRate = options.effectiveLearningRate * phase.learningRateScale
        controlStep.optimizer.learningRate = learningRate
        if phase.trainsBaseDecoder {
            var decoderOptimizer = controlStep.baseDecoderOptimizer ?? AdamW(learningRate: learningRate)
            decoderOptimizer.learningRate = learningRate
            controlStep.unlockBaseDecoder(optimizer: decoderOptimizer)
        }
    }

    /// Moves to the next phase, which begins at the current step.
    func advancePhase(because reason: String, progress: TrainingProgress) {
        guard let curriculum, phaseIndex + 1 < curriculum.phases.count else { return }
        let ended = curriculum.phases[phaseIndex]
        phaseIndex += 1
        phaseStarts.append(step)
        apply(curriculum.phases[phaseIndex])
        progress.note("step \(step): phase \(phaseIndex) (\(ended.name)) ended (\(reason)); phase \(phaseIndex + 1) "
            + "(\(curriculum.phases[phaseIndex].name)) begins")
    }

    /// The phases as run so far, the current one ending at the current step.
    public var phaseSpans: [PhaseSpan] {
        guard let curriculum else { return [] }
        return phaseStarts.enumerated().map { index, start in
            PhaseSpan(name: curriculum.phases[index].name, startStep: start,
                      endStep: index + 1 < phaseStarts.count ? phaseStarts[index + 1] : step)
        }
    }

    /// Evaluates the control metric now, logs it, and ends the phase when it reached the phase's threshold.
    func evaluate(progress: TrainingProgress) throws {
        guard let metric, let metricLog, let controlNet, let phase else { return }
        let started = Date()
        let evaluation = metric.evaluate(step: step, unet: unet, textEncoder: textEncoder, controlNet: controlNet)
        seconds += Date().timeIntervalSince(started)
        try metricLog.append(MetricLog.Entry(step: step, phase: phase.name, metric: evaluation.metric,
                                             precision: evaluation.precision, recall: evaluation.recall, seconds: seconds),
                             grid: evaluation.grid)
        progress.note(String(format: "step %d: control metric %.4f (precision %.3f, recall %.3f) in %.1f s, phase %@",
                             step, evaluation.metric, evaluation.precision, evaluation.recall,
                             Date().timeIntervalSince(started), phase.name))
        if let threshold = phase.untilMetric, evaluation.metric >= threshold {
            advancePhase(because: String(format: "control metric %.4f >= %.4f", evaluation.metric, threshold), progress: progress)
        }
    }

    /// Refuses a resume whose defining options differ from the checkpoint's, naming each.
    static func checkResume(_ info: CheckpointInfo, options: TrainingOptions, config: ModelConfig, path: String) throws {
        guard info.stage == options.stage else {
            throw TrainingError("--resume: \(path) is a --stage \(info.stage.rawValue) checkpoint, not \(options.stage.rawValue)")
        }
        if let wanted = options.model, wanted != config {
            throw TrainingError("--resume: the run was trained with width \(config.width), not \(wanted.width) "
                + "(or another model configuration); leave out --width or choose another --out")
        }
        let differences = options.definingValues(model: config).compactMap { name, value -> String? in
            let stored = info.training[name] ?? ""
            return stored == value ? nil : "--\(name): the run has \(stored), given \(value)"
        }
        if !differences.isEmpty {
            throw TrainingError("--resume: the options that define the run differ from \(path):\n  "
                + differences.joined(separator: "\n  ") + "\nuse the run's options, or choose another --out for a new run")
        }
    }

    /// The optimizer (with its step count).
    public var optimizer: AdamW { baseStep?.optimizer ?? controlStep!.optimizer }

    /// The arenas a checkpoint holds, in file order (the U-Net's moments too once its decoder trains).
    public var checkpointArenas: [CheckpointArena] {
        let unetTrained = options.stage == .base || controlStep?.baseDecoderOptimizer != nil
        var items = [CheckpointArena(prefix: "unet.", arena: unet.arena, trained: unetTrained),
                     CheckpointArena(prefix: "text.", arena: textEncoder.arena, trained: options.stage == .base)]
        if let controlNet { items.append(CheckpointArena(prefix: "control.", arena: controlNet.arena, trained: true)) }
        return items
    }

    /// Parameters the run trains now.
    public var trainedParameterCount: Int {
        checkpointArenas.filter(\.trained).reduce(0) { $0 + ($1.arena.requiresGradients ? $1.arena.trainedRange.count : 0) }
    }

    /// Trains until `options.steps` optimizer steps are done (`until` stops earlier, for tests).
    @discardableResult
    public func run(progress: TrainingProgress = TrainingProgress(quiet: true), until: Int? = nil) throws -> TrainingSummary {
        let target = min(options.steps, until ?? options.steps)
        let K = options.accumulate
        if step >= target {
            progress.note("the run in \(runDirectory.path) is at step \(step) of \(options.steps): nothing to do")
            return TrainingSummary(stepsRun: 0, step: step, lastLoss: .nan, averageLoss: .nan, stepsPerSecond: 0,
                                   checkpoint: checkpoints.resumePoint())
        }
        let schedule = assembler.schedule
        progress.note("training \(options.stage.rawValue): \(trainedParameterCount) parameters trained, "
            + "\(data.keys.count) records (\(data.imageMember)\(data.conditionMember.map { " + " + $0 } ?? "")), "
            + "batch \(options.batch) x \(K), \(options.resolution)px, width \(config.width), "
            + "learning rate \(options.effectiveLearningRate)"
            + (step > 0 ? ", resuming at step \(step)" : ""))
        if let curriculum {
            progress.note("curriculum \(curriculum.name): "
                + curriculum.phases.enumerated().map { "\($0 + 1) \($1.name)" }.joined(separator: ", ")
                + ", in phase \(phaseIndex + 1)")
        }
        if let metricLog, metricLog.entries.isEmpty { try evaluate(progress: progress) }
        progress.begin(atStep: step)
        let startStep = step
        var lastLoss: Float = .nan
        var lastCheckpoint: URL?
        while step < target {
            if let untilStep = phase?.untilStep, step >= untilStep {
                advancePhase(because: "step budget \(untilStep)", progress: progress)
            }
            let started = Date()
            var total: Float = 0
            for micro in 0..<K {
                let batch = try assembler.batch(step: step, micro: micro, accumulate: K, withCondition: controlNet != nil)
                let scale = 1 / Float(K)
                let loss = baseStep?.accumulate(batch, lossScale: scale) ?? controlStep!.accumulate(batch, lossScale: scale)
                total += loss
            }
            let loss = total / Float(K)
            guard loss.isFinite else {
                throw TrainingError("the loss is \(loss) at step \(step + 1): training diverged; "
                    + "lower --learning-rate or set --clip (the last checkpoint is intact)")
            }
            if let baseStep { baseStep.update() } else { controlStep!.update() }
            step += 1
            seconds += Date().timeIntervalSince(started)
            let epoch = schedule.epoch(afterMicroBatch: step * K - 1)
            lastLoss = loss
            try lossLog.append(step: step, epoch: epoch, loss: loss, learningRate: optimizer.learningRate, seconds: seconds)
            progress.update(step: step, total: options.steps, loss: loss, epoch: epoch)
            if options.evaluateEvery > 0, step % options.evaluateEvery == 0 || step == options.steps {
                try evaluate(progress: progress)
            }
            if step % options.checkpointEvery == 0 || step == options.steps || step == target {
                lastCheckpoint = try saveCheckpoint(epoch: epoch)
            }
        }
        let rate = progress.stepsPerSecond(atStep: step)
        let report = try RunReport.write(for: self)
        return TrainingSummary(stepsRun: step - startStep, step: step, lastLoss: lastLoss, averageLoss: progress.averageLoss,
                               stepsPerSecond: rate, checkpoint: lastCheckpoint, report: report)
    }

    /// Writes checkpoint-STEP and points checkpoint-latest at it.
    @discardableResult
    public func saveCheckpoint(epoch: Int) throws -> URL {
        var training = Dictionary(uniqueKeysWithValues: options.definingValues(model: config))
        training["dataset"] = options.dataset
        training["steps"] = String(options.steps)
        training["checkpoint-every"] = String(options.checkpointEvery)
        if let base = options.base { training["base"] = base }
        if curriculum != nil {
            training["phase"] = String(phaseIndex)
            training["phase-starts"] = phaseStarts.map(String.init).joined(separator: ",")
            if let decoderOptimizer = controlStep?.baseDecoderOptimizer {
                training["base-decoder-optimizer"] = TrainingOptions.json(decoderOptimizer)
            }
        }
        let info = CheckpointInfo(stage: options.stage, step: step, epoch: epoch, seed: options.seed, seconds: seconds,
                                  model: config, optimizer: optimizer, training: training)
        let url = checkpoints.url(step: step)
        try Checkpoint.write(to: url, arenas: checkpointArenas, info: info)
        try checkpoints.markLatest(url)
        return url
    }
}
