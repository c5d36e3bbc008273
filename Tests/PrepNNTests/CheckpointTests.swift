import Foundation
import Testing
@testable import PrepNN

@Suite struct CheckpointTests {
    func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prepnn-checkpoint-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    @Test func roundTripRestoresValuesMomentsAndOptimizer() throws {
        let config = ModelConfig.tiny
        let unet = UNet(config: config, seed: 1)
        let control = ControlNet(copying: unet)
        let step = ControlTrainingStep(unet: unet, controlNet: control, optimizer: AdamW(learningRate: 1e-3))
        step.run(ModelTests.tinyBatch(config))
        let path = temporaryPath("control.ckpt")
        try Checkpoint.write(to: path, arenas: [("unet", unet.arena), ("controlnet", control.arena)], optimizer: step.optimizer,
                             config: config, metadata: ["step": "1"])
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let unet2 = UNet(config: config, seed: 7)
        let control2 = ControlNet(config: config, seed: 8)
        let header = try Checkpoint.read(from: path, into: [("unet", unet2.arena), ("controlnet", control2.arena)])
        #expect(unet2.arena.allValues == unet.arena.allValues)
        #expect(control2.arena.allValues == control.arena.allValues)
        #expect(control2.arena.allMoments.first == control.arena.allMoments.first)
        #expect(control2.arena.allMoments.second == control.arena.allMoments.second)
        #expect(header.optimizer == step.optimizer && header.optimizer?.stepCount == 1)
        #expect(header.config == config && header.metadata == ["step": "1"])
    }

    @Test func mismatchesAndDamageAreReportedWithWhatToDo() throws {
        let unet = UNet(config: .tiny, seed: 1)
        let path = temporaryPath("unet.ckpt")
        try Checkpoint.write(to: path, arenas: [("unet", unet.arena)])
        var other = ModelConfig.tiny
        other.width = 16
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: path, into: [("unet", UNet(config: other).arena)]) }
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: path, into: [("controlnet", unet.arena)]) }
        do {
            try Checkpoint.read(from: path, into: [("unet", UNet(config: other).arena)])
        } catch let error as CheckpointError {
            #expect(error.description.contains("enc.t.0.weight") && error.description.contains("ModelConfig"))
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[8] = 9  // version 9
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: path, into: [("unet", unet.arena)]) }
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: path, into: [("unet", unet.arena)]) }
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: path, into: [("unet", unet.arena)]) }
    }
}
