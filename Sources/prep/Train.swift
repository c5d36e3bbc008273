import ArgumentParser
import Foundation
import PrepNN
import PrepTrain

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the bundled tiny diffusion model (base), or a ControlNet on it (control), from a prep dataset.",
        discussion: """
            --stage base trains a small SD-shaped U-Net and its text encoder from scratch on the dataset's \
            images and captions. --stage control --base CKPT --condition canny locks that base and trains a \
            ControlNet on the dataset's condition images. Checkpoints (safetensors) and loss.jsonl go to --out; \
            --resume continues a run from its newest checkpoint, giving the same result as an uninterrupted run.
            """)

    @Option(help: "base (U-Net + text encoder from scratch) or control (a ControlNet on a locked base).")
    var stage: String = "base"
    @Option(help: "The dataset folder written by `prep build`.")
    var dataset = "dataset"
    @Option(name: .customLong("out"), help: "The run folder for checkpoints and loss.jsonl (default: runs/<stage>).")
    var output: String?
    @Option(help: "The base checkpoint (--stage control), e.g. runs/base/checkpoint-latest.safetensors.")
    var base: String?
    @Option(help: "The condition stage the ControlNet learns from (--stage control), e.g. canny: the dataset's canny.png members.")
    var condition: String?
    @Option(help: "Optimizer steps to reach.")
    var steps = 1000
    @Option(help: "Samples per micro-batch.")
    var batch = 8
    @Option(help: "Square training resolution in pixels (a multiple of 16 at the default model).")
    var resolution = 64
    @Option(help: "Model width, channels of the first level (default: 32; the base's for --stage control).")
    var width: Int?
    @Option(name: .customLong("channel-multipliers"), help: "Channel multiplier of each U-Net level, comma-separated (default: 1,2,4; the base's for --stage control).")
    var channelMultipliers: String?
    @Option(name: .customLong("learning-rate"), help: "AdamW learning rate (default: 1e-4 base, 1e-5 control).")
    var learningRate: Float?
    @Option(help: "Micro-batches per optimizer step, gradient accumulation.")
    var accumulate = 1
    @Option(help: "Maximum global gradient norm; 0 = no clipping.")
    var clip: Float = 1
    @Option(name: .customLong("caption-dropout"), help: "Probability that a sample's caption is emptied, drawn per epoch.")
    var captionDropout = 0.5
    @Option(name: .customLong("checkpoint-every"), help: "Write a checkpoint every N steps, and at the end.")
    var checkpointEvery = 500
    @Option(help: "Seed of the initialisation, the epoch order, caption dropout, noise and timesteps.")
    var seed: UInt64 = 0
    @Option(help: "The control run's phases: default (base locked, all connections), small (middle block only, then all), large (then the base decoder too at 0.2x the learning rate), or a manifest FILE.toml (see manifests/curriculum-*.toml).")
    var curriculum: String?
    @Option(name: .customLong("eval-every"), help: "Measure the control metric (Canny edge F1 of samples against their conditions) every N steps, at step 0 and at the end; 0 = never (--stage control).")
    var evalEvery = 250
    @Option(name: .customLong("eval-count"), help: "Validation conditions sampled per evaluation (--stage control).")
    var evalCount = 8
    @Flag(help: "Continue the run in --out from its newest checkpoint (the options that define the run must match).")
    var resume = false
    @Option(help: "Threads of the model's loops (default: one per core). Results are the same for any count.")
    var threads: Int?
    @Flag(help: "No progress output.")
    var quiet = false

    func options() throws -> TrainingOptions {
        guard let stage = TrainingStage(rawValue: stage) else { throw ValidationError("--stage must be base or control") }
        var options = TrainingOptions()
        options.stage = stage
        options.dataset = dataset
        options.output = output
        options.base = base
        options.condition = condition
        options.steps = steps
        options.batch = batch
        options.resolution = resolution
        if width != nil || channelMultipliers != nil {
            var model = ModelConfig()
            if let width { model.width = width }
            if let channelMultipliers {
                let values = channelMultipliers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard values.count == model.channelMultipliers.count, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw ValidationError("--channel-multipliers needs \(model.channelMultipliers.count) positive integers "
                        + "(one per level), e.g. 1,2,4, not '\(channelMultipliers)'")
                }
                model.channelMultipliers = values.map { $0! }
            }
            options.model = model
        }
        options.learningRate = learningRate
        options.accumulate = accumulate
        options.clip = clip
        options.captionDropout = captionDropout
        options.checkpointEvery = checkpointEvery
        options.seed = seed
        if let curriculum {
            do {
                options.curriculum = try Curriculum.named(curriculum)
            } catch let error as TrainingError {
                throw ValidationError(error.description)
            }
        }
        options.evaluateEvery = evalEvery
        options.metric.count = evalCount
        return options
    }

    func run() throws {
        try applyThreadOption(threads)
        do {
            let trainer = try Trainer(options: try options(), resume: resume)
            let summary = try trainer.run(progress: TrainingProgress(quiet: quiet))
            if summary.stepsRun == 0 {
                print("nothing to do: the run is at step \(summary.step) of \(steps)")
            } else {
                if !quiet { FileHandle.standardError.write(Data(String(
                    format: "step %d: loss %.4f (mean of the last 20 steps %.4f), %.2f steps/s; checkpoint %@; %@ and %@\n",
                    summary.step, summary.lastLoss, summary.averageLoss, summary.stepsPerSecond,
                    trainer.checkpoints.latest.path, RunReport.fileName, RunReport.chartName).utf8)) }
                if let report = summary.report {
                    if !quiet, let initial = report.initialMetric, let final = report.finalMetric {
                        let convergence = report.convergenceStep.map { "converged at step \($0)" }
                            ?? "no convergence step (the metric did not jump; see ConvergenceDetector)"
                        FileHandle.standardError.write(Data(String(format: "control metric %.4f at step 0, %.4f at step %d: %@\n",
                                                                   initial, final, report.steps, convergence).utf8))
                    }
                    print(report.json)
                }
            }
        } catch let error as TrainingError {
            throw CleanExit.failure(error.description)
        }
    }
}
