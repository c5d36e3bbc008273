import Foundation
import PrepDataset
import PrepNN
import Testing
@testable import PrepTrain

struct TrainerTests {
    /// Every arena's values and AdamW moments, as bits.
    func state(_ trainer: Trainer) -> [[UInt32]] {
        trainer.checkpointArenas.flatMap { item -> [[UInt32]] in
            let moments = item.arena.allMoments
            return [bits(item.arena.allValues), bits(moments.first), bits(moments.second)]
        }
    }

    func losses(_ run: String) throws -> [Double] {
        try LossLog.read(URL(fileURLWithPath: run + "/" + LossLog.fileName)).map { $0["loss"] as? Double ?? .nan }
    }

    @Test(arguments: [1, 2])
    func aResumedRunEqualsAnUninterruptedOne(accumulate: Int) throws {
        let fixture = try TrainingFixture()
        var straightOptions = fixture.options(run: "straight", steps: 4)
        straightOptions.accumulate = accumulate
        let straight = try Trainer(options: straightOptions)
        try straight.run()

        var splitOptions = straightOptions
        splitOptions.output = fixture.run("split")
        let first = try Trainer(options: splitOptions)
        let summary = try first.run(until: 2)
        #expect(summary.step == 2)
        #expect(state(first) != state(straight))
        let resumed = try Trainer(options: splitOptions, resume: true)
        #expect(resumed.step == 2)
        #expect(resumed.optimizer.stepCount == 2)
        try resumed.run()
        #expect(resumed.step == 4)
        #expect(state(resumed) == state(straight))
        #expect(try losses(fixture.run("split")) == losses(fixture.run("straight")))
        #expect(try losses(fixture.run("split")).count == 4)
    }

    @Test func resumeDropsLogLinesPastTheCheckpoint() throws {
        let fixture = try TrainingFixture()
        var options = fixture.options(run: "run", steps: 4)
        options.checkpointEvery = 2
        try Trainer(options: options).run(until: 3)
        // A crash after step 3's log line but before its checkpoint: only checkpoint 2 remains.
        let files = CheckpointFiles(directory: URL(fileURLWithPath: options.outputDirectory))
        try FileManager.default.removeItem(at: files.url(step: 3))
        try FileManager.default.removeItem(at: files.latest)
        #expect(try losses(options.outputDirectory).count == 3)
        let resumed = try Trainer(options: options, resume: true)
        #expect(resumed.step == 2)
        try resumed.run()
        let steps = try LossLog.read(URL(fileURLWithPath: options.outputDirectory + "/loss.jsonl")).map { $0["step"] as? Int }
        #expect(steps == [1, 2, 3, 4])
        #expect(files.numbered().map(\.step) == [2, 4])
    }

    @Test func checkpointsHoldParametersMomentsAndMetadata() throws {
        let fixture = try TrainingFixture()
        let trainer = try Trainer(options: fixture.options(run: "run", steps: 1))
        try trainer.run()
        let (file, info) = try Checkpoint.open(trainer.checkpoints.latest)
        #expect(info.step == 1 && info.stage == .base && info.model == .tiny && info.optimizer.stepCount == 1)
        #expect(file.metadata["format"] == "prep-train-1")
        #expect(info.training["batch"] == "2")
        for name in trainer.unet.parameterNames {
            #expect(try file.shape("unet." + name) == trainer.unet.arena.entry(named: name)!.shape)
            #expect(try file.floats("unet." + name) == trainer.unet.arena.value(named: name))
            #expect(file.entries["optimizer.m.unet." + name] != nil && file.entries["optimizer.v.unet." + name] != nil)
        }
        for name in trainer.textEncoder.parameterNames {
            #expect(file.entries["text." + name] != nil && file.entries["optimizer.m.text." + name] != nil)
        }
        #expect(FileManager.default.fileExists(atPath: trainer.checkpoints.url(step: 1).path))
    }

    @Test func theControlStageLeavesTheBaseAloneAndOpensTheZeroConvolutions() throws {
        let fixture = try TrainingFixture()
        let base = try fixture.trainBase()
        let control = try Trainer(options: fixture.options(stage: .control, run: "control", steps: 1))
        #expect(control.config == .tiny)
        let controlNet = try #require(control.controlNet)
        let zeroNames = controlNet.parameterNames.filter { $0.hasPrefix("zc.") || $0.hasPrefix("zmid.") }
        #expect(!zeroNames.isEmpty)
        #expect(zeroNames.allSatisfy { controlNet.arena.value(named: $0).allSatisfy { $0 == 0 } })
        #expect(bits(control.unet.arena.allValues) == bits(base.unet.arena.allValues))
        // The ControlNet's encoder starts as the U-Net's.
        let encoderName = try #require(controlNet.parameterNames.first { $0.hasPrefix("enc.") })
        #expect(controlNet.arena.value(named: encoderName) == base.unet.arena.value(named: encoderName))

        try control.run()
        #expect(bits(control.unet.arena.allValues) == bits(base.unet.arena.allValues))
        #expect(bits(control.textEncoder.arena.allValues) == bits(base.textEncoder.arena.allValues))
        let weights = zeroNames.filter { $0.hasSuffix(".weight") }
        #expect(weights.allSatisfy { controlNet.arena.value(named: $0).contains { $0 != 0 } })

        let (file, info) = try Checkpoint.open(control.checkpoints.latest)
        #expect(info.stage == .control)
        #expect(file.entries["control.zmid.weight"] != nil && file.entries["optimizer.m.control.zmid.weight"] != nil)
        #expect(file.tensorNames.contains { $0.hasPrefix("unet.") })
        #expect(!file.tensorNames.contains { $0.hasPrefix("optimizer.m.unet.") })

        // A control run resumes too, bit for bit.
        var straightOptions = fixture.options(stage: .control, run: "control-straight", steps: 2)
        straightOptions.seed = 0
        let straight = try Trainer(options: straightOptions)
        try straight.run()
        var resumedOptions = fixture.options(stage: .control, run: "control", steps: 2)
        resumedOptions.seed = 0
        let resumed = try Trainer(options: resumedOptions, resume: true)
        try resumed.run()
        #expect(bits(resumed.controlNet!.arena.allValues) == bits(straight.controlNet!.arena.allValues))
    }

    @Test func resumeRefusesOtherDefiningOptions() throws {
        let fixture = try TrainingFixture()
        try Trainer(options: fixture.options(run: "run", steps: 1)).run()
        var changed = fixture.options(run: "run", steps: 2)
        changed.seed = 9
        changed.batch = 3
        let error = #expect(throws: TrainingError.self) { try Trainer(options: changed, resume: true) }
        #expect(error?.description.contains("--seed: the run has 0, given 9") == true)
        #expect(error?.description.contains("--batch: the run has 2, given 3") == true)
        // Without --resume an occupied run folder is refused.
        let again = #expect(throws: TrainingError.self) { try Trainer(options: fixture.options(run: "run", steps: 2)) }
        #expect(again?.description.contains("--resume") == true)
        // Resuming a finished run does nothing.
        let done = try Trainer(options: fixture.options(run: "run", steps: 1), resume: true)
        #expect(try done.run().stepsRun == 0)
    }

    @Test func badInputsAreClearErrors() throws {
        let fixture = try TrainingFixture()
        func message(_ options: TrainingOptions) -> String {
            do {
                _ = try Trainer(options: options)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        var noDataset = fixture.options(run: "a")
        noDataset.dataset = fixture.run("nowhere")
        #expect(message(noDataset).contains("no dataset in"))

        var oddResolution = fixture.options(run: "b")
        oddResolution.resolution = 18
        #expect(message(oddResolution).contains("multiple of 4"))
        oddResolution.resolution = 20
        #expect(message(oddResolution).contains("--resolution 20 must be a multiple of 8"))

        var badWidth = fixture.options(run: "c")
        badWidth.model?.width = 6
        #expect(message(badWidth).contains("--width must be a positive multiple of the group count 4"))

        var noBase = fixture.options(stage: .control, run: "d")
        #expect(message(noBase).contains("no such checkpoint"))
        noBase.base = nil
        #expect(message(noBase).contains("needs --base"))

        _ = try fixture.trainBase()
        var missingMember = fixture.options(stage: .control, run: "e")
        missingMember.condition = "hough"
        #expect(message(missingMember).contains("the dataset in '\(fixture.dataset)' has no 'hough.png' members; build it with --stages hough"))

        var otherConfig = fixture.options(stage: .control, run: "f")
        var wider = ModelConfig.tiny
        wider.width = 16
        otherConfig.model = wider
        #expect(message(otherConfig).contains("another model configuration"))

        var notACheckpoint = fixture.options(stage: .control, run: "g")
        notACheckpoint.base = fixture.dataset + "/index.sqlite"
        #expect(message(notACheckpoint).contains("cannot read the checkpoint"))
    }

    @Test func aDatasetWithoutUsableRecordsIsRefused() throws {
        let fixture = try TrainingFixture(count: 2, stages: [])
        // Fail every record: a dataset whose only rows are missing images.
        let empty = fixture.run("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try Data("image\tcaption\nmissing.png\tnothing here\n".utf8).write(to: URL(fileURLWithPath: empty + "/captions.tsv"))
        var build = PrepDataset.BuildOptions()
        build.source = empty + "/captions.tsv"
        build.output = empty + "/dataset"
        build.stages = []
        build.workers = 1
        _ = try PrepDataset.DatasetBuilder(options: build).run()
        var options = fixture.options(run: "h")
        options.dataset = empty + "/dataset"
        let error = #expect(throws: TrainingError.self) { try Trainer(options: options) }
        #expect(error?.description.contains("no image members") == true || error?.description.contains("no usable record") == true)
    }
}
