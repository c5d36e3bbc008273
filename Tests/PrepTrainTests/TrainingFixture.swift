import Foundation
import PrepDataset
import PrepImage
import PrepNN
import PrepTrain

/// A temporary folder holding a small dataset built by `prep build`'s library (the pattern of
/// Tests/PrepDatasetTests/TestDataset.swift), and room for run folders.
final class TrainingFixture {
    let root: URL
    var dataset: String { root.appendingPathComponent("dataset").path }

    /// `count` PNG pictures of varied sizes with captions "a picture number i", built at
    /// `resolution` with the given condition stages.
    init(count: Int = 6, stages: [String] = ["canny"], resolution: Int = 64) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("prep-train-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        var rows = ["image\tcaption"]
        for i in 0..<count {
            let image = Self.pattern(width: 64 + i % 3 * 8, height: 64 + i % 2 * 12, seed: i)
            try Data(PNGCodec.encode(image)).write(to: root.appendingPathComponent("images/\(i).png"))
            rows.append("images/\(i).png\ta picture number \(i)")
        }
        let source = root.appendingPathComponent("captions.tsv")
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: source)
        var options = BuildOptions()
        options.source = source.path
        options.output = dataset
        options.resolution = resolution
        options.shardSize = 4
        options.workers = 1
        options.stages = stages
        _ = try DatasetBuilder(options: options).run()
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func run(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// A deterministic RGB pattern with edges (so Canny finds some), different per `seed`.
    static func pattern(width: Int, height: Int, seed: Int) -> Image {
        var image = Image(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let square = ((x + seed * 3) / 8 + y / 8) % 2 == 0
                image.pixels[i] = square ? 220 : UInt8((x * 5 + seed * 31) & 127)
                image.pixels[i + 1] = UInt8((y * 7 + seed * 17) & 255)
                image.pixels[i + 2] = square ? 30 : 200
            }
        }
        return image
    }

    /// Fast options: the tiny model at 16 px, batch 2.
    func options(stage: TrainingStage = .base, run: String, steps: Int = 2) -> TrainingOptions {
        var options = TrainingOptions()
        options.stage = stage
        options.dataset = dataset
        options.output = self.run(run)
        options.steps = steps
        options.batch = 2
        options.resolution = 16
        options.model = stage == .base ? ModelConfig.tiny : nil
        options.learningRate = 1e-3
        if stage == .control {
            options.base = self.run("base") + "/" + CheckpointFiles.latestName
            options.condition = "canny"
        }
        return options
    }

    /// Trains a base run of `steps` steps in run folder "base" (for control tests).
    func trainBase(steps: Int = 1) throws -> Trainer {
        let trainer = try Trainer(options: options(run: "base", steps: steps))
        try trainer.run()
        return trainer
    }
}

/// The bit patterns of an arena's values (equality that tells -0 from 0 and sees NaN).
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
