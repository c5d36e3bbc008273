// TrainingBenchmark: ms per training step at a given configuration, as the reference script
// /work/shared/reference/torch_tiny_controlnet.py measures it (2 warm-up steps, then the mean of
// `steps`): (a) fine-tuning the base U-Net, (b) a ControlNet on the locked base.
import Foundation

public enum TrainingBenchmark {
    public struct Result: Sendable {
        public let name: String
        public let milliseconds: Double
    }

    /// `modes`: "base", "control" (the two steps), "hint" (the hint encoder alone).
    public static func run(config: ModelConfig = ModelConfig(), steps: Int = 10, batch N: Int = 8, resolution: Int = 64,
                           modes: Set<String> = ["base", "control"]) -> [Result] {
        var random = SeededRandom(seed: 0)
        let image = Tensor(shape: [N, config.hintChannels, resolution, resolution], values: random.normals(N * config.hintChannels * resolution * resolution))
        let latents = PixelShuffle.unshuffle(image, factor: 4)
        let noise = Tensor(shape: latents.shape, values: random.normals(latents.count))
        let condition = Tensor(shape: image.shape, values: (0..<image.count).map { _ in random.nextUniform() })
        let context = Tensor(shape: [N, config.textLength, config.contextDimension],
                             values: random.normals(N * config.textLength * config.contextDimension))
        let timesteps = (0..<N).map { _ in random.nextInt(below: 1000) }
        let batch = DiffusionBatch(latents: latents, noise: noise, timesteps: timesteps, context: context, condition: condition)

        func time(_ step: () -> Void) -> Double {
            for _ in 0..<2 { step() }
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { step() }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(max(steps, 1))
        }
        var results: [Result] = []
        let unet = UNet(config: config, seed: 0)
        if modes.contains("base") {
            let base = BaseTrainingStep(unet: unet, optimizer: AdamW(learningRate: 1e-4))
            results.append(Result(name: "base fine-tune", milliseconds: time { base.run(batch) }))
        }
        if modes.contains("control") {
            let controlNet = ControlNet(copying: unet)
            let control = ControlTrainingStep(unet: unet, controlNet: controlNet, optimizer: AdamW(learningRate: 1e-4))
            results.append(Result(name: "controlnet (base locked)", milliseconds: time { control.run(batch) }))
        }
        if modes.contains("hint") {
            // The hint encoder alone (forward and backward), the part of a ControlNet step at full resolution.
            let controlNet = ControlNet(copying: unet)
            results.append(Result(name: "hint encoder", milliseconds: time {
                controlNet.hint.backward(controlNet.hint.forward(condition))
            }))
        }
        return results
    }
}
