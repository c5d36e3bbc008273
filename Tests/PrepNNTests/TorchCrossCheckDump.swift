// Opt-in cross-check with PyTorch (not a fixture test; does nothing unless PREPNN_DUMP_DIR is set):
//   PREPNN_DUMP_DIR=/tmp/nndump swift test --filter TorchCrossCheckDump
//   python3 scripts/nn-check-against-torch.py /tmp/nndump
// writes the reference-size U-Net, ControlNet and text encoder (parameters in state_dict order),
// one batch of inputs, the prediction, the loss and every gradient as raw float32 files; the script
// loads them into the reference PyTorch modules and prints the differences.
import Foundation
import Testing
@testable import PrepNN

@Suite struct TorchCrossCheckDump {
    @Test func dumpModelsInputsOutputsAndGradients() throws {
        guard let directory = ProcessInfo.processInfo.environment["PREPNN_DUMP_DIR"] else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func write(_ values: [Float], _ name: String) {
            let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
            FileManager.default.createFile(atPath: "\(directory)/\(name).f32", contents: data)
        }
        let config = ModelConfig()
        let unet = UNet(config: config, seed: 0)
        let control = ControlNet(copying: unet)
        var random = SeededRandom(seed: 5)
        // Small non-zero zero convolutions, so that the control path carries gradients.
        for entry in control.arena.entries where entry.name.hasPrefix("zc.") || entry.name.hasPrefix("zmid.") || entry.name.hasPrefix("hint.10.") {
            control.arena.setValue(named: entry.name, (0..<entry.count).map { _ in random.uniform(-0.05, 0.05) })
        }
        let text = TextEncoder(config: config, seed: 2)
        let tokenizer = CaptionTokenizer(config: config)
        let N = 8
        var ids: [Int32] = []
        for n in 0..<N { ids += tokenizer.encode(n % 2 == 0 ? "A red car, parked by the sea! \(n)" : "") }
        let x = Tensor(shape: [N, 48, 16, 16], values: random.normals(N * 48 * 256))
        let noise = Tensor(shape: [N, 48, 16, 16], values: random.normals(N * 48 * 256))
        let condition = Tensor(shape: [N, 3, 64, 64], values: (0..<(N * 3 * 4096)).map { _ in random.nextUniform() })
        let timesteps = (0..<N).map { 10 + 120 * $0 }
        unet.computesContextGradient = true
        control.computesContextGradient = true
        let context = text.forward(ids)
        let outputs = control.forward(x, timesteps: timesteps, context: context, condition: condition)
        let prediction = unet.forward(x, timesteps: timesteps, context: context, control: outputs)
        let loss = MSELoss()
        let value = loss.forward(prediction, noise)
        unet.backward(loss.backward())
        control.backward(unet.controlGradients)
        let contextGradient = Tensor(shape: context.shape)
        contextGradient.setSum(unet.contextGradient, control.contextGradient)
        text.backward(contextGradient)
        write(unet.arena.allValues, "unet_params"); write(unet.arena.allGradients, "unet_grads")
        write(control.arena.allValues, "cn_params"); write(control.arena.allGradients, "cn_grads")
        write(text.arena.allValues, "text_params"); write(text.arena.allGradients, "text_grads")
        write(x.values, "x"); write(noise.values, "noise"); write(condition.values, "cond")
        write(context.values, "context"); write(prediction.values, "prediction"); write([value], "loss")
        write(ids.map { Float($0) }, "ids"); write(timesteps.map { Float($0) }, "t")
        try text.parameterNames.joined(separator: "\n").write(toFile: "\(directory)/text_names.txt", atomically: true, encoding: .utf8)
    }
}
