// PyTorch parity: every layer and the tiny models against the fixtures of Tests/PrepNNTests/Fixtures,
// written by scripts/nn/make_fixtures.py from the mirror scripts/nn/torch_mirror.py (the tests need
// no Python). The expected values were computed in float64 from the stored float32 inputs and
// parameters, so they are the exact answer for what PrepNN is given, not PyTorch's float32 rounding.
//
// Tolerances (errors in Double, per tensor):
//   forward (outputs, losses):  max|a - b| / max(1, max|b|)      <= 1e-4
//   gradients:                  max|a - b| / max(max|b|, 1e-30)  <= 1e-3
// Each test prints its measured worst errors ("parity ..." lines); DEVELOPERS.md keeps a copy.
import Foundation
import Testing
@testable import PrepNN

enum ParityTolerance {
    static let forward = 1e-4
    static let gradient = 1e-3
}

/// The parts of layers.json the parity tests read (snake_case keys).
private struct LayerCases: Decodable {
    struct Case: Decodable {
        let kind: String
        let inputs: [String]
        let parameters: [String]
        let shapes: [String: [Int]]
        var inChannels: Int?, outChannels: Int?, kernel: Int?, stride: Int?, padding: Int?
        var groups: Int?, channels: Int?, features: Int?, inFeatures: Int?, outFeatures: Int?
        var embedDim: Int?, heads: Int?, kdim: Int?, vocab: Int?, factor: Int?, dim: Int?, embDim: Int?, ctxDim: Int?
    }
    let version: Int
    let cases: [String: Case]
}

/// The parts of tiny_model.json the parity tests read.
private struct TinyModel: Decodable {
    struct Config: Decodable {
        let width: Int, mult: [Int], attn: [Bool], blocks: Int, groups: Int, heads: Int, ctxDim: Int
        let textLen: Int, vocab: Int, latent: Int, textLayers: Int, hintChannels: [Int]

        var modelConfig: ModelConfig {
            var config = ModelConfig()
            config.width = width
            config.channelMultipliers = mult
            config.attentionLevels = attn
            config.blocksPerLevel = blocks
            config.groupCount = groups
            config.headCount = heads
            config.contextDimension = ctxDim
            config.textLength = textLen
            config.vocabularySize = vocab
            config.latentChannels = latent
            config.textLayerCount = textLayers
            config.textHeadCount = heads  // the mirror has one head count for both
            config.hintWidths = hintChannels
            return config
        }
    }
    /// A `[name, shape]` pair.
    struct Parameter: Decodable {
        let name: String
        let shape: [Int]
        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            name = try pair.decode(String.self)
            shape = try pair.decode([Int].self)
        }
    }
    struct TokenizerExample: Decodable {
        let text: String
        let ids: [Int32]
        let idsDefaultConfig: [Int32]
    }
    let version: Int
    let config: Config
    let controlScales: [Float]
    struct Residual: Decodable { let key: String }
    let controlResiduals: [Residual]
    let unetParameters: [Parameter]
    let textParameters: [Parameter]
    let controlParameters: [Parameter]
    let tokenizerExamples: [TokenizerExample]
}

private func document<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: Data(contentsOf: SafetensorsFixtures.directory.appendingPathComponent(name + ".json")))
}

/// The worst error of `actual` against `expected`: max|a - b| / max(floor, max|b|), with where it is.
func parityError(_ actual: [Float], _ expected: [Float], floor: Double) -> (error: Double, index: Int) {
    precondition(actual.count == expected.count)
    var scale = floor, worst = 0.0, index = 0
    for b in expected { scale = max(scale, Double(abs(b))) }
    for i in expected.indices {
        let difference = abs(Double(actual[i]) - Double(expected[i]))
        if difference > worst || difference.isNaN { worst = difference; index = i }
    }
    return (worst / scale, index)
}

/// Compares named tensors with the fixture and keeps the worst error of each group for the report.
final class ParityLedger {
    private(set) var worst: [(group: String, error: Double, name: String)] = []

    /// `isGradient` picks the tolerance and the floor of the scale (see the file header).
    @discardableResult
    func compare(_ name: String, group: String, actual: [Float], shape actualShape: [Int]? = nil,
                 expected: [Float], expectedShape: [Int]? = nil, isGradient: Bool,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        if let actualShape, let expectedShape {
            #expect(actualShape == expectedShape, "\(name): shape \(actualShape), torch \(expectedShape)", sourceLocation: sourceLocation)
        }
        guard actual.count == expected.count else {
            Issue.record("\(name): \(actual.count) values, torch has \(expected.count)", sourceLocation: sourceLocation)
            return .infinity
        }
        let tolerance = isGradient ? ParityTolerance.gradient : ParityTolerance.forward
        let (error, i) = parityError(actual, expected, floor: isGradient ? 1e-30 : 1)
        #expect(error <= tolerance, """
            \(name): relative error \(error) > \(tolerance) at [\(i)]: PrepNN \(actual[i]), torch \(expected[i]); \
            first PrepNN \(Array(actual.prefix(4))), torch \(Array(expected.prefix(4)))
            """, sourceLocation: sourceLocation)
        if let k = worst.firstIndex(where: { $0.group == group }) {
            if !(worst[k].error >= error) { worst[k] = (group, error, name) }
        } else {
            worst.append((group, error, name))
        }
        return error
    }

    func report(_ title: String) {
        let lines = worst.map { "  \($0.group): \(String(format: "%.2e", $0.error)) (\($0.name))" }
        print("parity \(title):\n" + lines.joined(separator: "\n"))
    }
}

/// One fixture file with a key prefix.
private struct Fixture {
    let file: SafetensorsFile
    let prefix: String

    func floats(_ name: String) throws -> [Float] { try file.floats(prefix + name) }
    func shape(_ name: String) throws -> [Int] { try file.shape(prefix + name) }
    func has(_ name: String) -> Bool { file.entries[prefix + name] != nil }
    func tensor(_ name: String) throws -> Tensor { Tensor(shape: try shape(name), values: try floats(name)) }

    /// Copies every parameter of `arena` from the fixture; the arena's names must be `names`, in order,
    /// and every shape must match.
    func load(_ arena: ParameterArena, names: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(arena.parameterNames == names, "\(prefix): PrepNN parameters differ from torch's state_dict", sourceLocation: sourceLocation)
        for entry in arena.entries {
            let shape = try shape(entry.name)
            try #require(shape == entry.shape, "\(prefix)\(entry.name): PrepNN \(entry.shape), torch \(shape)",
                         sourceLocation: sourceLocation)
            arena.setValue(named: entry.name, try floats(entry.name))
        }
    }
}

@Suite struct TorchParityTests {
    static let layerCaseNames = [
        "conv3x3_s1", "conv3x3_s2", "conv1x1", "group_norm", "layer_norm", "silu", "gelu", "linear",
        "self_attention", "cross_attention", "upsample_nearest2x", "pixel_unshuffle4", "pixel_shuffle4",
        "embedding", "mse", "timestep_embedding", "res_block", "attn_block",
    ]

    @Test func everyLayerCaseOfTheFixtureIsTested() throws {
        let cases = try document("layers", as: LayerCases.self)
        #expect(cases.version == 1, "layers.json is version \(cases.version); this test reads version 1")
        #expect(Set(cases.cases.keys) == Set(Self.layerCaseNames))
    }

    // MARK: - Layers

    /// Builds the case's layer, loads its parameters, runs forward and backward; compares `y` and every
    /// `d<name>` of the fixture.
    @Test(arguments: layerCaseNames) func layerMatchesTorch(_ name: String) throws {
        let cases = try document("layers", as: LayerCases.self)
        let spec = try #require(cases.cases[name])
        let fixture = Fixture(file: try SafetensorsFixtures.file("layers"), prefix: name + ".")
        let arena = ParameterArena()
        let scope = ParameterScope(arena: arena)
        let workspace = Workspace()
        var random = SeededRandom(seed: 1)
        /// What PrepNN computed: name -> (shape, values), copied as soon as computed (layers reuse their tensors).
        var results: [String: ([Int], [Float])] = [:]
        func keep(_ key: String, _ t: Tensor) { results[key] = (t.shape, t.values) }
        func build<Layer>(_ make: (ParameterScope, inout SeededRandom) -> Layer) throws -> Layer {
            let layer = make(scope, &random)
            arena.seal()
            try fixture.load(arena, names: spec.parameters)
            return layer
        }
        let x: Tensor? = fixture.has("x") ? try fixture.tensor("x") : nil
        let dy: Tensor? = fixture.has("dy") ? try fixture.tensor("dy") : nil

        switch spec.kind {
        case "conv2d":
            let conv = try build { scope, random in
                Conv2d(scope, inputChannels: spec.inChannels!, outputChannels: spec.outChannels!, kernelSize: spec.kernel!,
                       stride: spec.stride!, padding: spec.padding!, workspace: workspace, random: &random)
            }
            keep("y", conv.forward(x!))
            keep("dx", conv.backward(dy!)!)
        case "group_norm":
            let norm = try build { scope, _ in GroupNorm(scope, groupCount: spec.groups!, channels: spec.channels!) }
            keep("y", norm.forward(x!))
            keep("dx", norm.backward(dy!))
        case "layer_norm":
            let norm = try build { scope, _ in LayerNorm(scope, channels: spec.features!) }
            keep("y", norm.forward(x!))
            keep("dx", norm.backward(dy!))
        case "silu":
            let silu = SiLU()
            keep("y", silu.forward(x!))
            keep("dx", silu.backward(dy!))
        case "gelu":
            let gelu = GELU()
            keep("y", gelu.forward(x!))
            keep("dx", gelu.backward(dy!))
        case "linear":
            let linear = try build { scope, random in
                Linear(scope, inputFeatures: spec.inFeatures!, outputFeatures: spec.outFeatures!, random: &random)
            }
            keep("y", linear.forward(x!))
            keep("dx", linear.backward(dy!)!)
        case "multihead_attention":
            let context: Tensor? = fixture.has("ctx") ? try fixture.tensor("ctx") : nil
            let attention = try build { scope, random in
                MultiHeadAttention(scope, embedDimension: spec.embedDim!, contextDimension: spec.kdim!, headCount: spec.heads!,
                                   workspace: workspace, random: &random)
            }
            attention.computesContextGradient = context != nil
            keep("y", attention.forward(x!, context: context))
            keep("dx", attention.backward(dy!))
            if context != nil { keep("dctx", attention.contextGradient) }
        case "upsample_nearest":
            let upsample = Upsample()
            keep("y", upsample.forward(x!))
            keep("dx", upsample.backward(dy!))
        case "pixel_unshuffle":
            // A permutation: its backward is its inverse.
            keep("y", PixelShuffle.unshuffle(x!, factor: spec.factor!))
            keep("dx", PixelShuffle.shuffle(dy!, factor: spec.factor!))
        case "pixel_shuffle":
            keep("y", PixelShuffle.shuffle(x!, factor: spec.factor!))
            keep("dx", PixelShuffle.unshuffle(dy!, factor: spec.factor!))
        case "embedding":
            let embedding = try build { scope, random in
                Embedding(scope, vocabularySize: spec.vocab!, dimension: spec.features!, random: &random)
            }
            let ids = try fixture.file.int64s(name + ".ids").map { Int32($0) }
            keep("y", embedding.forward(ids, shape: try fixture.shape("ids")))
            embedding.backward(dy!)
        case "timestep_embedding":
            let t = try fixture.file.int64s(name + ".t").map { Int($0) }
            let y = Tensor(shape: [0])
            TimeEmbedding.sinusoidal(t, dimension: spec.dim!, into: y)
            keep("y", y)
        case "res_block":
            let emb = try fixture.tensor("emb")
            let block = try build { scope, random in
                ResBlock(scope, inputChannels: spec.inChannels!, outputChannels: spec.outChannels!, embeddingDimension: spec.embDim!,
                         groupCount: spec.groups!, workspace: workspace, random: &random)
            }
            let embeddingGradient = Tensor(shape: emb.shape)
            keep("y", block.forward(x!, embedding: emb))
            keep("dx", block.backward(dy!, embeddingGradient: embeddingGradient))
            keep("demb", embeddingGradient)
        case "attn_block":
            let context = try fixture.tensor("ctx")
            let block = try build { scope, random in
                AttentionBlock(scope, channels: spec.channels!, contextDimension: spec.ctxDim!, groupCount: spec.groups!,
                               headCount: spec.heads!, workspace: workspace, random: &random)
            }
            let contextGradient = Tensor(shape: context.shape)
            keep("y", block.forward(x!, context: context))
            keep("dx", block.backward(dy!, contextGradient: contextGradient))
            keep("dctx", contextGradient)
        case "mse":
            let loss = MSELoss()
            let value = loss.forward(x!, try fixture.tensor("target"))
            results["loss"] = ([], [value])
            let dx = loss.backward()
            keep("dx", dx)
            // MSELoss computes no target gradient; d/dtarget = -d/dx.
            results["dtarget"] = (dx.shape, dx.values.map { -$0 })
        default:
            Issue.record("\(name): no PrepNN layer for kind \(spec.kind)")
            return
        }
        if arena.count > 0 {
            for entry in arena.entries { results["d" + entry.name] = (entry.shape, arena.gradient(named: entry.name)) }
        }

        // Every output and gradient of the fixture has a PrepNN counterpart, and the other way round.
        let expectedKeys = Set(spec.shapes.keys.filter { $0 == "y" || $0 == "loss" || ($0.hasPrefix("d") && $0 != "dy") })
        #expect(Set(results.keys) == expectedKeys, "\(name): PrepNN computed \(results.keys.sorted()), the fixture holds \(expectedKeys.sorted())")
        let ledger = ParityLedger()
        for key in expectedKeys.sorted() {
            guard let (shape, values) = results[key] else { continue }
            let isGradient = key.hasPrefix("d")
            ledger.compare("\(name).\(key)", group: isGradient ? "gradients" : "forward", actual: values, shape: shape,
                           expected: try fixture.floats(key), expectedShape: try fixture.shape(key), isGradient: isGradient)
        }
        ledger.report(name)
    }

    // MARK: - Tiny models

    /// The tiny U-Net, text encoder and ControlNet with every parameter from the fixture.
    private struct TinyModels {
        let config: ModelConfig
        let unet: UNet
        let text: TextEncoder
        let control: ControlNet
        let file: SafetensorsFile

        init() throws {
            let doc = try document("tiny_model", as: TinyModel.self)
            #expect(doc.version == 1, "tiny_model.json is version \(doc.version); this test reads version 1")
            file = try SafetensorsFixtures.file("tiny_model")
            config = doc.config.modelConfig
            unet = UNet(config: config)
            text = TextEncoder(config: config)
            control = ControlNet(config: config)
            // Outputs that share a parameter prefix.
            let outputs = Set(["unet.eps", "text.ctx", "control.eps", "control.loss"] + doc.controlResiduals.map(\.key))
            for (prefix, arena, listed) in [("unet.", unet.arena, doc.unetParameters), ("text.", text.arena, doc.textParameters),
                                            ("control.", control.arena, doc.controlParameters)] {
                // The file's parameters under the prefix (outputs such as unet.eps and control.residual.0 aside).
                let stored = Set(file.tensorNames.filter { $0.hasPrefix(prefix) && !outputs.contains($0) }
                    .map { String($0.dropFirst(prefix.count)) })
                let missing = stored.symmetricDifference(listed.map(\.name))
                #expect(missing.isEmpty, "\(prefix): in the safetensors file or the JSON list only: \(missing.sorted())")
                #expect(arena.entries.map(\.shape) == listed.map(\.shape), "\(prefix): shapes differ from torch's state_dict")
                try Fixture(file: file, prefix: prefix).load(arena, names: listed.map(\.name))
            }
            #expect(control.controlScales == doc.controlScales)
            #expect(control.controlScales.count == doc.controlResiduals.count)
        }

        func tensor(_ name: String) throws -> Tensor { Tensor(shape: try file.shape(name), values: try file.floats(name)) }
        var timesteps: [Int] { get throws { try file.int64s("t").map { Int($0) } } }
        var ids: [Int32] { get throws { try file.int64s("ids").map { Int32($0) } } }

        /// Compares every parameter gradient of `arena` with `grad.<prefix><name>`.
        func compareGradients(_ arena: ParameterArena, prefix: String, ledger: ParityLedger,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
            for entry in arena.entries {
                ledger.compare("grad.\(prefix)\(entry.name)", group: "grad.\(prefix)*", actual: arena.gradient(named: entry.name),
                               expected: try file.floats("grad.\(prefix)\(entry.name)"), isGradient: true,
                               sourceLocation: sourceLocation)
            }
        }
    }

    @Test func tinyModelsMatchTorch() throws {
        let models = try TinyModels()
        let (unet, text, control) = (models.unet, models.text, models.control)
        let x = try models.tensor("x"), noise = try models.tensor("noise"), condition = try models.tensor("cond")
        let timesteps = try models.timesteps
        let ledger = ParityLedger()
        func compare(_ name: String, _ t: Tensor, isGradient: Bool = false) throws {
            ledger.compare(name, group: name.hasPrefix("control.residual.") ? "control.residual.*" : name, actual: t.values,
                           shape: t.shape, expected: try models.file.floats(name), expectedShape: try models.file.shape(name),
                           isGradient: isGradient)
        }

        // Base stage: U-Net and text encoder train; loss = mse(unet(x, t, text(ids)), noise).
        unet.computesContextGradient = true
        unet.computesInputGradient = true
        let context = text.forward(try models.ids)
        try compare("text.ctx", context)
        let prediction = unet.forward(x, timesteps: timesteps, context: context)
        try compare("unet.eps", prediction)
        let loss = MSELoss()
        let baseLoss = loss.forward(prediction, noise)
        try compare("base.loss", Tensor(shape: [], values: [baseLoss]))
        unet.backward(loss.backward())
        text.backward(unet.contextGradient)
        try compare("grad.x", unet.inputGradient, isGradient: true)
        try models.compareGradients(unet.arena, prefix: "unet.", ledger: ledger)
        try models.compareGradients(text.arena, prefix: "text.", ledger: ledger)

        // ControlNet stage: U-Net and text encoder locked, same x, t and context.
        unet.arena.requiresGradients = false
        text.arena.requiresGradients = false
        unet.computesContextGradient = false
        unet.computesInputGradient = false
        let residuals = control.forward(x, timesteps: timesteps, context: context, condition: condition)
        #expect(residuals.count == unet.controlCount)
        for (i, residual) in residuals.enumerated() { try compare("control.residual.\(i)", residual) }
        let controlled = unet.forward(x, timesteps: timesteps, context: context, control: residuals)
        try compare("control.eps", controlled)
        let controlLoss = loss.forward(controlled, noise)
        try compare("control.loss", Tensor(shape: [], values: [controlLoss]))
        unet.backward(loss.backward())
        control.backward(unet.controlGradients)
        try models.compareGradients(control.arena, prefix: "control.", ledger: ledger)
        ledger.report("tiny model")
    }

    /// The training steps (noising x0 themselves, in float32) land on the same losses and gradients.
    @Test func trainingStepsReproduceTheTinyModelFixture() throws {
        let models = try TinyModels()
        let batch = DiffusionBatch(latents: try models.tensor("x0"), noise: try models.tensor("noise"), timesteps: try models.timesteps,
                                   tokenIDs: try models.ids, condition: try models.tensor("cond"))
        let ledger = ParityLedger()
        let base = BaseTrainingStep(unet: models.unet, textEncoder: models.text)
        let baseLoss = base.accumulate(batch)
        ledger.compare("base.loss", group: "base.loss", actual: [baseLoss], expected: try models.file.floats("base.loss"), isGradient: false)
        try models.compareGradients(models.unet.arena, prefix: "unet.", ledger: ledger)
        try models.compareGradients(models.text.arena, prefix: "text.", ledger: ledger)
        let controlStep = ControlTrainingStep(unet: models.unet, controlNet: models.control, textEncoder: models.text)
        let controlLoss = controlStep.accumulate(batch)
        ledger.compare("control.loss", group: "control.loss", actual: [controlLoss], expected: try models.file.floats("control.loss"),
                       isGradient: false)
        try models.compareGradients(models.control.arena, prefix: "control.", ledger: ledger)
        ledger.report("tiny model through BaseTrainingStep / ControlTrainingStep")
    }

    // MARK: - Noise schedule and tokenizer

    @Test func noiseScheduleAndAddNoiseMatchTorch() throws {
        let file = try SafetensorsFixtures.file("tiny_model")
        let expected = try file.doubles("schedule.alphas_cumprod")
        let schedule = NoiseSchedule()
        #expect(schedule.alphasCumulative.count == expected.count)
        var worst = 0.0
        for (a, b) in zip(schedule.alphasCumulative, expected) { worst = max(worst, abs(a - b) / b) }
        #expect(worst <= 1e-12, "alphas_cumprod: relative error \(worst)")
        let x0 = Tensor(shape: try file.shape("x0"), values: try file.floats("x0"))
        let noise = Tensor(shape: try file.shape("noise"), values: try file.floats("noise"))
        let noisy = schedule.addNoise(clean: x0, noise: noise, timesteps: try file.int64s("t").map { Int($0) })
        let ledger = ParityLedger()
        ledger.compare("x = add_noise(x0, noise, t)", group: "x", actual: noisy.values, shape: noisy.shape,
                       expected: try file.floats("x"), expectedShape: try file.shape("x"), isGradient: false)
        ledger.report("noise schedule (alphas_cumprod: \(String(format: "%.2e", worst)))")
    }

    @Test func tokenizerMatchesTheMirror() throws {
        let doc = try document("tiny_model", as: TinyModel.self)
        let file = try SafetensorsFixtures.file("tiny_model")
        let tiny = CaptionTokenizer(config: doc.config.modelConfig), reference = CaptionTokenizer(config: ModelConfig())
        #expect(doc.tokenizerExamples.count >= 6)
        for example in doc.tokenizerExamples {
            #expect(tiny.encode(example.text) == example.ids, "\(example.text.debugDescription) (vocabulary 64, length 8)")
            #expect(reference.encode(example.text) == example.idsDefaultConfig, "\(example.text.debugDescription) (default config)")
        }
        // The fixture's ids are the first two examples' (the captions).
        #expect(try file.int64s("ids").map { Int32($0) } == doc.tokenizerExamples.prefix(2).flatMap(\.ids))
    }
}
