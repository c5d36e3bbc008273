import Foundation
import Testing
@testable import PrepNN

@Suite struct ModelTests {
    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    /// (name, shape) lines of a state_dict golden written by scripts/goldens/nn_state_dict.py.
    static func stateDict(_ file: String) throws -> [(String, [Int])] {
        let text = try String(contentsOf: goldens.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: " ")
            return (String(parts[0]), parts.count > 1 ? parts[1].split(separator: ",").map { Int($0)! } : [])
        }
    }

    /// A tiny batch: latents [N, 48, 8, 8] (a 32x32 image), conditions [N, 3, 32, 32].
    static func tinyBatch(_ config: ModelConfig, N: Int = 2, seed: UInt64 = 11) -> DiffusionBatch {
        var random = SeededRandom(seed: seed)
        let latents = Tensor(shape: [N, config.latentChannels, 8, 8], values: random.normals(N * config.latentChannels * 64))
        let noise = Tensor(shape: latents.shape, values: random.normals(latents.count))
        let context = Tensor(shape: [N, config.textLength, config.contextDimension],
                             values: random.normals(N * config.textLength * config.contextDimension))
        let condition = Tensor(shape: [N, 3, 32, 32], values: (0..<(N * 3 * 1024)).map { _ in random.nextUniform() })
        return DiffusionBatch(latents: latents, noise: noise, timesteps: (0..<N).map { 100 + 300 * $0 }, context: context,
                              condition: condition)
    }

    @Test func unetParametersMatchTheReferenceStateDict() throws {
        let unet = UNet()
        let expected = try Self.stateDict("unet_state_dict.txt")
        #expect(unet.arena.entries.map(\.name) == expected.map(\.0))
        #expect(unet.arena.entries.map(\.shape) == expected.map(\.1))
        #expect(unet.arena.count == 5_391_600)
        #expect(unet.controlChannels == [32, 32, 32, 32, 64, 64, 64, 128, 128, 128])
    }

    @Test func controlNetParametersMatchTheReferenceStateDict() throws {
        let unet = UNet(config: ModelConfig(), seed: 3)
        let control = ControlNet(copying: unet)
        let expected = try Self.stateDict("controlnet_state_dict.txt")
        #expect(control.arena.entries.map(\.name) == expected.map(\.0))
        #expect(control.arena.entries.map(\.shape) == expected.map(\.1))
        // The encoder is a copy; the zero convolutions and the last hint conv are zero.
        #expect(control.arena.value(named: "enc.blocks.6.a.ca.k_proj_weight") == unet.arena.value(named: "enc.blocks.6.a.ca.k_proj_weight"))
        for name in control.parameterNames where name.hasPrefix("zc.") || name.hasPrefix("zmid.") || name.hasPrefix("hint.10.") {
            #expect(control.arena.value(named: name).allSatisfy { $0 == 0 }, "\(name) is not zero")
        }
    }

    @Test func textEncoderParametersAreInStateDictOrder() {
        let text = TextEncoder(config: ModelConfig())
        let layer = ["ln1.weight", "ln1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
                     "ln2.weight", "ln2.bias", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"]
        let expected = ["pos", "tok.weight"] + (0..<2).flatMap { i in layer.map { "layers.\(i).\($0)" } } + ["ln_f.weight", "ln_f.bias"]
        #expect(text.parameterNames == expected)
        #expect(text.arena.entry(named: "tok.weight")?.shape == [4096, 64])
        #expect(text.arena.entry(named: "layers.1.mlp.2.weight")?.shape == [64, 256])
    }

    @Test func hintWidthsBuildTheHintEncoderAndStayOutOfTheReferenceJSON() throws {
        var config = ModelConfig.tiny
        config.hintWidths = [8, 16, 32]
        let control = ControlNet(config: config)
        #expect(control.arena.entry(named: "hint.0.weight")?.shape == [8, 3, 3, 3])
        #expect(control.arena.entry(named: "hint.8.weight")?.shape == [32, 16, 3, 3])
        #expect(control.arena.entry(named: "hint.10.weight")?.shape == [8, 32, 3, 3])
        // The reference widths are not written, so checkpoint metadata written before the field
        // existed reads back, and compares as text, unchanged.
        let reference = String(decoding: try JSONEncoder().encode(ModelConfig()), as: UTF8.self)
        #expect(!reference.contains("hintWidths"))
        #expect(try JSONDecoder().decode(ModelConfig.self, from: Data(reference.utf8)) == ModelConfig())
        #expect(try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(config)) == config)
    }

    @Test func controlNetAtInitialisationLeavesTheUNetOutputBitIdentical() {
        let config = ModelConfig.tiny
        let unet = UNet(config: config, seed: 5)
        let control = ControlNet(copying: unet)
        let batch = Self.tinyBatch(config)
        let alone = unet.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!).values
        let outputs = control.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, condition: batch.condition!)
        #expect(outputs.count == unet.controlCount)
        #expect(zip(outputs, unet.controlChannels).allSatisfy { $0.shape[1] == $1 })
        let controlled = unet.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, control: outputs).values
        #expect(alone == controlled)
    }

    @Test func controlScalesMultiplyTheOutputsAndZeroScalesLeaveTheBase() {
        let config = ModelConfig.tiny
        let unet = UNet(config: config, seed: 5)
        let control = ControlNet(copying: unet)
        var random = SeededRandom(seed: 3)
        for entry in control.arena.entries where entry.name.hasPrefix("zc.") || entry.name.hasPrefix("zmid.") || entry.name.hasPrefix("hint.10.") {
            control.arena.setValue(named: entry.name, (0..<entry.count).map { _ in random.uniform(-0.3, 0.3) })
        }
        let batch = Self.tinyBatch(config)
        func outputs() -> [[Float]] {
            control.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, condition: batch.condition!).map(\.values)
        }
        let unscaled = outputs()
        control.controlScales = control.controlScales.indices.map { Float($0) * 0.5 }
        let scaled = outputs()
        for k in unscaled.indices {
            #expect(maxDifference(scaled[k], unscaled[k].map { $0 * Float(k) * 0.5 }) < 1e-6, "control output \(k)")
        }
        let alone = unet.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!).values
        control.controlScales = control.controlScales.map { _ in 0 }
        let silenced = control.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, condition: batch.condition!)
        #expect(unet.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, control: silenced).values == alone)
        control.controlScales = control.controlScales.map { _ in 1 }
        let active = control.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, condition: batch.condition!)
        #expect(unet.forward(batch.latents, timesteps: batch.timesteps, context: batch.context!, control: active).values != alone)
    }

    @Test func oneControlStepMakesTheZeroConvolutionsNonZeroAndLeavesTheBaseAlone() {
        let config = ModelConfig.tiny
        let unet = UNet(config: config, seed: 5)
        let before = unet.arena.allValues
        let control = ControlNet(copying: unet)
        let step = ControlTrainingStep(unet: unet, controlNet: control, optimizer: AdamW(learningRate: 1e-3))
        step.run(Self.tinyBatch(config))
        for name in control.parameterNames where name.hasPrefix("zc.") || name.hasPrefix("zmid.") {
            #expect(control.arena.value(named: name).contains { $0 != 0 }, "\(name) is still zero")
        }
        #expect(unet.arena.allValues == before)
        #expect(unet.arena.allGradients.allSatisfy { $0 == 0 })
    }

    @Test func unetGradientsMatchCentralDifferences() {
        var config = ModelConfig.tiny
        config.latentChannels = 4
        let unet = UNet(config: config, seed: 9)
        var random = SeededRandom(seed: 1)
        let x = Tensor(shape: [2, 4, 8, 8], values: random.normals(2 * 4 * 64))
        let context = Tensor(shape: [2, config.textLength, config.contextDimension], values: random.normals(2 * config.textLength * config.contextDimension))
        let r = Tensor(shape: x.shape, values: random.normals(x.count))
        let timesteps = [10, 700]
        unet.computesContextGradient = true
        _ = unet.forward(x, timesteps: timesteps, context: context)
        unet.arena.zeroGradients()
        unet.backward(r)
        let loss = { weightedSum(unet.forward(x, timesteps: timesteps, context: context), r) }
        expectInputGradient("unet dcontext", input: context, analytic: unet.contextGradient, loss: loss)
        expectDirectionalDerivatives(unet.arena, loss: loss)
    }

    @Test func controlNetGradientsMatchCentralDifferences() {
        var config = ModelConfig.tiny
        config.latentChannels = 4
        let unet = UNet(config: config, seed: 9)
        let control = ControlNet(copying: unet)
        // Non-zero zero convolutions so that gradients reach the control encoder and hint encoder.
        var random = SeededRandom(seed: 2)
        for entry in control.arena.entries where entry.name.hasPrefix("zc.") || entry.name.hasPrefix("zmid.") || entry.name.hasPrefix("hint.10.") {
            control.arena.setValue(named: entry.name, (0..<entry.count).map { _ in random.uniform(-0.3, 0.3) })
        }
        unet.arena.requiresGradients = false
        // Scales other than 1 on some outputs, so that their backward is checked too.
        control.controlScales = control.controlScales.indices.map { $0 % 2 == 0 ? 1 : 0.5 + Float($0) / 4 }
        let x = Tensor(shape: [2, 4, 8, 8], values: random.normals(2 * 4 * 64))
        let context = Tensor(shape: [2, config.textLength, config.contextDimension], values: random.normals(2 * config.textLength * config.contextDimension))
        let condition = Tensor(shape: [2, 3, 32, 32], values: (0..<(2 * 3 * 1024)).map { _ in random.nextUniform() })
        let r = Tensor(shape: x.shape, values: random.normals(x.count))
        let timesteps = [10, 700]
        func prediction() -> Tensor {
            let outputs = control.forward(x, timesteps: timesteps, context: context, condition: condition)
            return unet.forward(x, timesteps: timesteps, context: context, control: outputs)
        }
        _ = prediction()
        control.arena.zeroGradients()
        unet.computesContextGradient = true
        control.computesContextGradient = true
        unet.backward(r)
        control.backward(unet.controlGradients)
        #expect(unet.arena.allGradients.allSatisfy { $0 == 0 })
        let contextGradient = Tensor(shape: context.shape)
        contextGradient.setSum(unet.contextGradient, control.contextGradient)
        expectInputGradient("context through unet and controlnet", input: context, analytic: contextGradient) { weightedSum(prediction(), r) }
        expectDirectionalDerivatives(control.arena) { weightedSum(prediction(), r) }
    }

    @Test func textEncoderGradientsMatchCentralDifferences() {
        let config = ModelConfig.tiny
        let text = TextEncoder(config: config, seed: 4)
        let ids: [Int32] = [3, 9, 0, 0, 63, 1, 2, 3]
        let r = randomTensor([2, config.textLength, config.contextDimension], seed: 5)
        _ = text.forward(ids)
        text.arena.zeroGradients()
        text.backward(r)
        expectDirectionalDerivatives(text.arena) { weightedSum(text.forward(ids), r) }
    }

    @Test func tinyUNetOverfitsOneBatch() {
        let config = ModelConfig.tiny
        let unet = UNet(config: config, seed: 1)
        let step = BaseTrainingStep(unet: unet, optimizer: AdamW(learningRate: 1e-2, weightDecay: 0))
        let batch = Self.tinyBatch(config, N: 1)
        var losses: [Float] = []
        for _ in 0..<300 {
            losses.append(step.run(batch))
            if losses.last! < losses[0] / 10 { break }
        }
        #expect(losses.last! < losses[0] / 10, "loss \(losses[0]) -> \(losses.last!) in \(losses.count) steps")
    }
}
