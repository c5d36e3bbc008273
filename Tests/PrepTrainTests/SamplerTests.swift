import Foundation
import PrepImage
import PrepNN
import Testing
@testable import PrepTrain

/// Checkpoints of randomly initialised tiny models (no dataset): a base, a control checkpoint that
/// holds that base, and one without it. The ControlNet's zero convolutions are perturbed so the
/// control path changes the result.
final class SamplerFixture {
    let root: URL
    let config = ModelConfig.tiny
    let resolution = 16
    var base: String { root.appendingPathComponent("base.safetensors").path }
    var control: String { root.appendingPathComponent("control.safetensors").path }
    var controlOnly: String { root.appendingPathComponent("control-only.safetensors").path }
    var conditionPicture: String { root.appendingPathComponent("condition.png").path }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("prep-sample-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let unet = UNet(config: config, seed: 3)
        let text = TextEncoder(config: config, seed: 4)
        let controlNet = ControlNet(copying: unet, seed: 5)
        var random = SeededRandom(seed: 6)
        controlNet.arena.allValues = controlNet.arena.allValues.map { $0 + random.uniform(-0.05, 0.05) }
        let training = ["resolution": String(resolution)]
        func info(_ stage: TrainingStage) -> CheckpointInfo {
            CheckpointInfo(stage: stage, step: 1, epoch: 0, seed: 0, seconds: 0, model: config, optimizer: AdamW(), training: training)
        }
        let unetItem = CheckpointArena(prefix: "unet.", arena: unet.arena, trained: false)
        let textItem = CheckpointArena(prefix: "text.", arena: text.arena, trained: false)
        let controlItem = CheckpointArena(prefix: "control.", arena: controlNet.arena, trained: false)
        try Checkpoint.write(to: URL(fileURLWithPath: base), arenas: [unetItem, textItem], info: info(.base))
        try Checkpoint.write(to: URL(fileURLWithPath: control), arenas: [unetItem, textItem, controlItem], info: info(.control))
        try Checkpoint.write(to: URL(fileURLWithPath: controlOnly), arenas: [controlItem], info: info(.control))
        try Data(PNGCodec.encode(TrainingFixture.pattern(width: 24, height: 20, seed: 1))).write(to: URL(fileURLWithPath: conditionPicture))
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func condition() throws -> [Float] {
        ImageTensor.condition(try Sampler.decodeCondition(conditionPicture), resolution: resolution)
    }

    func options(_ checkpoint: String, condition: Bool = true) -> SamplingOptions {
        var options = SamplingOptions()
        options.checkpoint = checkpoint
        options.condition = condition ? conditionPicture : nil
        options.prompt = "a picture number 2"
        options.steps = 2
        options.seeds = [0, 1]
        options.output = path("samples.png")
        return options
    }
}

struct SamplerTests {
    @Test func timestepsAreTheUniformDDIMSpacing() {
        #expect(Sampler.timesteps(steps: 20) == Array(stride(from: 1, through: 951, by: 50)))
        #expect(Sampler.timesteps(steps: 3) == [1, 334, 667])
        #expect(Sampler.timesteps(steps: 999).last == 999)
    }

    @Test func ddimStepMatchesTheFormula() {
        let schedule = NoiseSchedule()
        let (a, b) = (schedule.alphasCumulative[501], schedule.alphasCumulative[451])
        var x: [Float] = [0.3, -1.2, 2.0]
        let eps: [Float] = [0.1, 0.5, -0.7]
        let before = x
        Sampler.ddimStep(&x, epsilon: eps, alpha: a, alphaPrevious: b)
        for i in x.indices {
            let x0 = (Double(before[i]) - (1 - a).squareRoot() * Double(eps[i])) / a.squareRoot()
            let expected = b.squareRoot() * x0 + (1 - b).squareRoot() * Double(eps[i])
            #expect(abs(Double(x[i]) - expected) <= 1e-5)
        }
    }

    @Test func guessModeScalesDecayTowardTheShallowOutputs() throws {
        let fixture = try SamplerFixture()
        let sampler = try Sampler(checkpoint: fixture.control)
        let K = sampler.unet.controlCount
        let scales = sampler.controlScales(strength: 0.5, guessMode: true)
        #expect(scales.count == K)
        #expect(scales.last == 0.5)
        #expect(abs(scales[0] - 0.5 * Float(pow(0.825, Double(K - 1)))) <= 1e-7)
        #expect(sampler.controlScales(strength: 0.5, guessMode: false) == [Float](repeating: 0.5, count: K))
    }

    @Test func theSameSeedIsReproducibleAndSeedsDiffer() throws {
        let fixture = try SamplerFixture()
        let condition = try fixture.condition()
        let sampler = try Sampler(checkpoint: fixture.control)
        for guessMode in [false, true] {
            let first = sampler.sample(prompt: "a red circle", condition: condition, seed: 7, steps: 2, guidance: 9, guessMode: guessMode)
            let again = try Sampler(checkpoint: fixture.control)
                .sample(prompt: "a red circle", condition: condition, seed: 7, steps: 2, guidance: 9, guessMode: guessMode)
            let other = sampler.sample(prompt: "a red circle", condition: condition, seed: 8, steps: 2, guidance: 9, guessMode: guessMode)
            #expect(bits(first) == bits(again))
            #expect(bits(first) != bits(other))
            #expect(first.allSatisfy { $0.isFinite })
        }
        // The whole command: the same bytes twice.
        let grid = try Sampler.run(fixture.options(fixture.control))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path("samples.png")))
        #expect(try Sampler.run(fixture.options(fixture.control)) == grid)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.path("samples.png"))) == bytes)
        #expect(grid.width == 3 * 16 && grid.height == 16)
    }

    /// A DDIM loop that calls only the conditional pass (U-Net + ControlNet on the prompt).
    func conditionalOnly(_ sampler: Sampler, prompt: String, condition: [Float]?, seed: UInt64, steps: Int) -> [Float] {
        let R = sampler.resolution
        let context = sampler.context(prompt)
        let ts = Sampler.timesteps(steps: steps)
        let alphas = NoiseSchedule().alphasCumulative
        sampler.controlNet?.controlScales = sampler.controlScales(strength: 1, guessMode: false)
        var x = sampler.initialNoise(seed: seed)
        for i in (0..<steps).reversed() {
            let input = Tensor(shape: [1, 48, R / 4, R / 4], values: x)
            let control = condition.flatMap { values in
                sampler.controlNet?.forward(input, timesteps: [ts[i]], context: context,
                                            condition: Tensor(shape: [1, 3, R, R], values: values))
            }
            let eps = sampler.unet.forward(input, timesteps: [ts[i]], context: context, control: control).values
            Sampler.ddimStep(&x, epsilon: eps, alpha: alphas[ts[i]], alphaPrevious: i > 0 ? alphas[ts[i - 1]] : alphas[0],
                             clipping: true)
        }
        return x
    }

    @Test func clippingClampsX0AndRederivesTheNoise() {
        let schedule = NoiseSchedule()
        let (a, b) = (schedule.alphasCumulative[901], schedule.alphasCumulative[851])
        var x: [Float] = [0.1, -3.0, 2.5]
        let eps: [Float] = [0.1, 0.5, -0.7]
        let before = x
        Sampler.ddimStep(&x, epsilon: eps, alpha: a, alphaPrevious: b, clipping: true)
        for i in x.indices {
            let raw = (Double(before[i]) - (1 - a).squareRoot() * Double(eps[i])) / a.squareRoot()
            let x0 = min(1, max(-1, raw))
            let e = (Double(before[i]) - a.squareRoot() * x0) / (1 - a).squareRoot()
            let expected = b.squareRoot() * x0 + (1 - b).squareRoot() * e
            #expect(abs(Double(x[i]) - expected) <= 1e-4)
        }
        // The first value's x0 is inside [-1, 1]: clipping changes nothing there.
        var plain = before
        Sampler.ddimStep(&plain, epsilon: eps, alpha: a, alphaPrevious: b)
        #expect(abs(plain[0] - x[0]) <= 1e-5)
        #expect(abs(plain[1] - x[1]) > 0.1)
    }

    @Test func aBatchSamplesEachPromptAsItsOwnSample() throws {
        let fixture = try SamplerFixture()
        let condition = try fixture.condition()
        let sampler = try Sampler(checkpoint: fixture.control)
        let other = condition.map { 1 - $0 }
        let batch = sampler.sampleBatch(prompts: ["blue", "red circle"], conditions: [condition, other], seeds: [3, 4],
                                        steps: 3, guidance: 9)
        let again = sampler.sampleBatch(prompts: ["blue", "red circle"], conditions: [condition, other], seeds: [3, 4],
                                        steps: 3, guidance: 9)
        #expect(bits(batch[0]) == bits(again[0]) && bits(batch[1]) == bits(again[1]))
        let alone = [sampler.sample(prompt: "blue", condition: condition, seed: 3, steps: 3, guidance: 9),
                     sampler.sample(prompt: "red circle", condition: other, seed: 4, steps: 3, guidance: 9)]
        for n in 0..<2 {
            let worst = zip(batch[n], alone[n]).map { abs($0 - $1) }.max() ?? 1
            #expect(worst <= 1e-4, "sample \(n) differs from its batch-1 run by \(worst)")
        }
        #expect(bits(batch[0]) != bits(batch[1]))
        // Guidance 1 is the conditional model alone, in a batch too.
        let one = sampler.sampleBatch(prompts: ["blue"], conditions: [condition], seeds: [3], steps: 3, guidance: 1)[0]
        let expected = conditionalOnly(sampler, prompt: "blue", condition: condition, seed: 3, steps: 3)
        #expect(zip(one, expected).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func guidanceOneIsTheConditionalModelAlone() throws {
        let fixture = try SamplerFixture()
        let condition = try fixture.condition()
        for (checkpoint, hint) in [(fixture.control, condition as [Float]?), (fixture.base, nil)] {
            let sampler = try Sampler(checkpoint: checkpoint)
            let expected = conditionalOnly(sampler, prompt: "blue", condition: hint, seed: 3, steps: 3)
            let one = sampler.sample(prompt: "blue", condition: hint, seed: 3, steps: 3, guidance: 1)
            let none = sampler.sample(prompt: "blue", condition: hint, seed: 3, steps: 3, guidance: nil)
            let guided = sampler.sample(prompt: "blue", condition: hint, seed: 3, steps: 3, guidance: 9)
            #expect(bits(one) == bits(expected))
            #expect(bits(none) == bits(expected))
            #expect(bits(guided) != bits(expected))
        }
    }

    @Test func strengthZeroIsTheBaseAlone() throws {
        let fixture = try SamplerFixture()
        let condition = try fixture.condition()
        let control = try Sampler(checkpoint: fixture.control)
        let base = try Sampler(checkpoint: fixture.base)
        for guidance: Float in [1, 9] {
            let alone = base.sample(prompt: "a square", condition: nil, seed: 2, steps: 2, guidance: guidance)
            let zero = control.sample(prompt: "a square", condition: condition, seed: 2, steps: 2, guidance: guidance, strength: 0)
            let full = control.sample(prompt: "a square", condition: condition, seed: 2, steps: 2, guidance: guidance, strength: 1)
            #expect(bits(zero) == bits(alone))
            #expect(bits(full) != bits(alone))
        }
        // Through the command: the grid's sample tiles equal the base's.
        var options = fixture.options(fixture.control)
        options.strength = 0
        let controlled = try Sampler.run(options)
        let plain = try Sampler.run(fixture.options(fixture.base, condition: false))
        #expect(controlled.width == 3 * 16 && plain.width == 2 * 16)
        for y in 0..<16 {
            let row = controlled.pixels[(y * 48 + 16) * 3..<(y * 48 + 48) * 3]
            #expect(Array(row) == Array(plain.pixels[(y * 32) * 3..<(y * 32 + 32) * 3]))
        }
    }

    @Test func aControlCheckpointWithoutItsBaseNeedsBase() throws {
        let fixture = try SamplerFixture()
        #expect(throws: TrainingError.self) { try Sampler(checkpoint: fixture.controlOnly) }
        do {
            _ = try Sampler(checkpoint: fixture.controlOnly)
        } catch let error as TrainingError {
            #expect(error.description.contains("pass the base it was trained on with --base"))
        }
        let withBase = try Sampler(checkpoint: fixture.controlOnly, base: fixture.base)
        let whole = try Sampler(checkpoint: fixture.control)
        #expect(bits(withBase.unet.arena.allValues) == bits(whole.unet.arena.allValues))
        #expect(bits(withBase.controlNet!.arena.allValues) == bits(whole.controlNet!.arena.allValues))
    }

    func message(_ options: SamplingOptions) -> String? {
        do {
            try Sampler.run(options)
            return nil
        } catch let error as TrainingError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test func badInputsAreRefusedWithAMessage() throws {
        let fixture = try SamplerFixture()
        var missing = fixture.options(fixture.path("nothing.safetensors"))
        missing.checkpoint = fixture.path("nothing.safetensors")
        #expect(message(missing)?.contains("no checkpoint at") == true)

        let notPicture = fixture.path("notes.png")
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: notPicture))
        var bad = fixture.options(fixture.control)
        bad.condition = notPicture
        #expect(message(bad)?.contains("not a picture prep can decode") == true)
        bad.condition = fixture.path("absent.png")
        #expect(message(bad)?.contains("no such file") == true)

        var zero = fixture.options(fixture.control)
        zero.steps = 0
        #expect(message(zero)?.contains("--steps must be between 1 and 999") == true)

        #expect(message(fixture.options(fixture.control, condition: false))?.contains("pass its condition picture with --condition") == true)
        #expect(message(fixture.options(fixture.base))?.contains("is a base checkpoint (text to image only)") == true)
        var guess = fixture.options(fixture.base, condition: false)
        guess.guessMode = true
        #expect(message(guess)?.contains("--guess-mode needs a control checkpoint") == true)
        var noSeeds = fixture.options(fixture.control)
        noSeeds.seeds = []
        #expect(message(noSeeds)?.contains("--seeds") == true)
        var odd = fixture.options(fixture.control)
        odd.resolution = 20
        #expect(message(odd)?.contains("must be a multiple of 8") == true)
        #expect(!FileManager.default.fileExists(atPath: fixture.path("samples.png")))
    }
}
