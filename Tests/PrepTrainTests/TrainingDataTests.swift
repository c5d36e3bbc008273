import Foundation
import PrepDataset
import PrepImage
import PrepNN
import Testing
@testable import PrepTrain

struct TrainingDataTests {
    @Test func samplesHaveTheModelsShapesAndRanges() throws {
        let fixture = try TrainingFixture()
        let data = try TrainingData(directory: fixture.dataset, resolution: 16, conditionMember: "canny.png")
        #expect(data.keys.count == 6)
        #expect(data.imageMember == "jpg")
        for key in data.keys {
            let sample = try data.sample(key: key)
            #expect(sample.latents.count == 48 * 4 * 4)
            #expect(sample.latents.allSatisfy { $0 >= -1 && $0 <= 1 })
            #expect(sample.latents.contains { $0 < 0 } && sample.latents.contains { $0 > 0 })
            let condition = try #require(sample.condition)
            #expect(condition.count == 3 * 16 * 16)
            #expect(condition.allSatisfy { $0 >= 0 && $0 <= 1 })
            // Gray conditions are replicated into the three channels.
            #expect(Array(condition[0..<256]) == Array(condition[256..<512]))
            #expect(sample.caption == "a picture number \(Int(key)!)")
        }
    }

    @Test func latentsArePixelUnshuffledImages() throws {
        var image = Image(width: 8, height: 8, channels: 3)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8(i * 37 % 256) }
        let latents = ImageTensor.latents(image, resolution: 8)
        #expect(latents.count == 48 * 2 * 2)
        // torch pixel_unshuffle: channel c * 16 + i * 4 + j, pixel (y, x) holds source (4y + i, 4x + j) of channel c.
        for c in 0..<3 {
            for i in 0..<4 {
                for j in 0..<4 {
                    for y in 0..<2 {
                        for x in 0..<2 {
                            let source = Float(image.pixels[((4 * y + i) * 8 + 4 * x + j) * 3 + c]) * Float(1 / 127.5) - 1
                            #expect(latents[((c * 16 + i * 4 + j) * 2 + y) * 2 + x] == source)
                        }
                    }
                }
            }
        }
    }

    @Test func imagesAreResizedToTheResolution() {
        let image = TrainingFixture.pattern(width: 48, height: 32, seed: 1)
        #expect(ImageTensor.latents(image, resolution: 16).count == 48 * 16)
        #expect(ImageTensor.condition(image, resolution: 16).count == 3 * 256)
    }

    @Test func captionDropoutIsAboutItsRateAndRedrawnEachEpoch() {
        var dropped = 0
        var changed = 0
        let keys = (0..<200).map { String(format: "%09d", $0) }
        for key in keys {
            var previous: Bool?
            for epoch in 0..<10 {
                let now = TrainingData.captionDropped(key: key, epoch: epoch, seed: 7, probability: 0.5)
                if now { dropped += 1 }
                if let previous, previous != now { changed += 1 }
                previous = now
            }
        }
        let rate = Double(dropped) / 2000
        #expect(abs(rate - 0.5) < 0.04, "rate \(rate)")
        // Independent per epoch: about half the consecutive epochs change.
        #expect(abs(Double(changed) / 1800 - 0.5) < 0.05, "changed \(changed)")
        #expect(!keys.contains { TrainingData.captionDropped(key: $0, epoch: 0, seed: 7, probability: 0) })
        #expect(keys.allSatisfy { TrainingData.captionDropped(key: $0, epoch: 0, seed: 7, probability: 1) })
        // Deterministic.
        #expect(TrainingData.captionDropped(key: "000000003", epoch: 4, seed: 1, probability: 0.5)
                == TrainingData.captionDropped(key: "000000003", epoch: 4, seed: 1, probability: 0.5))
    }

    @Test func epochOrderIsASeededDeterministicShuffle() throws {
        let fixture = try TrainingFixture(count: 8, stages: [])
        let data = try TrainingData(directory: fixture.dataset, resolution: 16)
        let other = try TrainingData(directory: fixture.dataset, resolution: 16)
        for epoch in 0..<3 {
            let order = data.epochOrder(epoch, seed: 3)
            #expect(order == other.epochOrder(epoch, seed: 3))
            #expect(order.sorted() == data.keys.sorted())
        }
        let orders = (0..<6).map { data.epochOrder($0, seed: 3) }
        #expect(Set(orders).count > 1)
        #expect(data.epochOrder(0, seed: 3) != data.epochOrder(0, seed: 4) || data.epochOrder(1, seed: 3) != data.epochOrder(1, seed: 4))
    }

    @Test func theScheduleWrapsIntoTheNextEpoch() {
        let schedule = SampleSchedule(recordCount: 5, batch: 3)
        #expect(schedule.positions(microBatch: 0).map(\.epoch) == [0, 0, 0])
        #expect(schedule.positions(microBatch: 1).map(\.epoch) == [0, 0, 1])
        #expect(schedule.positions(microBatch: 1).map(\.index) == [3, 4, 0])
        #expect(schedule.epoch(afterMicroBatch: 1) == 1)
        // A dataset smaller than the batch still trains.
        let small = SampleSchedule(recordCount: 2, batch: 5)
        #expect(small.positions(microBatch: 0).map(\.index) == [0, 1, 0, 1, 0])
    }

    @Test func batchesAreDeterministicPerStep() throws {
        let fixture = try TrainingFixture()
        let data = try TrainingData(directory: fixture.dataset, resolution: 16, conditionMember: "canny.png")
        let assembler = BatchAssembler(data: data, batch: 2, tokenizer: CaptionTokenizer(config: .tiny), seed: 5,
                                       captionDropout: 0.5, trainingTimesteps: 1000)
        let a = try assembler.batch(step: 3, micro: 0, accumulate: 1, withCondition: true)
        let b = try assembler.batch(step: 3, micro: 0, accumulate: 1, withCondition: true)
        let c = try assembler.batch(step: 4, micro: 0, accumulate: 1, withCondition: true)
        #expect(a.latents.shape == [2, 48, 4, 4])
        #expect(a.condition?.shape == [2, 3, 16, 16])
        #expect(a.tokenIDs?.count == 2 * ModelConfig.tiny.textLength)
        #expect(a.noise.values == b.noise.values && a.timesteps == b.timesteps && a.tokenIDs == b.tokenIDs)
        #expect(a.noise.values != c.noise.values)
        #expect(a.timesteps.allSatisfy { (0..<1000).contains($0) })
        // A dropped caption is all pad tokens.
        for (i, record) in assembler.records(microBatch: 3).enumerated() where record.captionDropped {
            #expect(a.tokenIDs![(i * 4)..<(i * 4 + 4)].allSatisfy { $0 == 0 })
        }
    }
}
