import ArgumentParser
import Foundation
import PrepNN
import PrepTrain

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples from a `prep train` checkpoint: text to image (base) or guided by a condition picture (control).",
        discussion: """
            DDIM (eta 0) over --steps timesteps, classifier-free guidance against the empty caption. \
            Writes one PNG row: the condition picture (control checkpoints), then one sample per seed.
            """)

    @Option(help: "A checkpoint written by `prep train` (base or control).")
    var checkpoint: String
    @Option(help: "The base checkpoint for a control checkpoint (default: the locked base the control checkpoint holds).")
    var base: String?
    @Option(help: "The condition picture (PNG or JPEG); required for control checkpoints, refused for base ones.")
    var condition: String?
    @Option(help: "The caption to draw.")
    var prompt: String
    @Option(help: "DDIM steps, 1 to 999.")
    var steps = 20
    @Option(help: "Classifier-free guidance scale; 1 runs only the conditional pass.")
    var guidance: Float = 9
    @Option(help: "Multiplies every ControlNet output.")
    var strength: Float = 1
    @Flag(name: .customLong("guess-mode"), help: "ControlNet sees the empty caption; scales strength * 0.825^(K-1-i); conditional pass only.")
    var guessMode = false
    @Option(help: "Comma-separated seeds of the initial noise, one sample each.")
    var seeds = "0,1,2,3"
    @Option(help: "Square size in pixels (default: the checkpoint's training resolution, else 64).")
    var resolution: Int?
    @Option(name: .customLong("out"), help: "The PNG to write.")
    var output = "samples.png"
    @Option(help: "Threads of the model's loops (default: one per core). Results are the same for any count.")
    var threads: Int?

    func options() throws -> SamplingOptions {
        var options = SamplingOptions()
        options.checkpoint = checkpoint
        options.base = base
        options.condition = condition
        options.prompt = prompt
        options.steps = steps
        options.guidance = guidance
        options.strength = strength
        options.guessMode = guessMode
        options.seeds = try seeds.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let seed = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--seeds: '\(text)' is not a seed (comma-separated non-negative integers, e.g. 0,1,2,3)")
            }
            return seed
        }
        options.resolution = resolution
        options.output = output
        return options
    }

    func run() throws {
        try applyThreadOption(threads)
        do {
            let grid = try Sampler.run(try options())
            print("\(output): \(grid.width)x\(grid.height)")
        } catch let error as TrainingError {
            throw CleanExit.failure(error.description)
        }
    }
}
