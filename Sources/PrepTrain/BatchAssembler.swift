// BatchAssembler: micro-batch m of a run as a `DiffusionBatch`, from m alone.
//   records:    `SampleSchedule.positions(microBatch:)` into the epoch orders of `TrainingData`
//   captions:   dropped to "" (all pad tokens) per (seed, epoch, key), then tokenised
//   timesteps:  N uniform integers in 0..<T, then the noise: N * latent standard normals, both
//               from the generator keyed by (seed, step, micro-batch within the step)
import PrepNN

public final class BatchAssembler {
    public let data: TrainingData
    public let schedule: SampleSchedule
    public let tokenizer: CaptionTokenizer
    public let seed: UInt64
    public let captionDropout: Double
    public let trainingTimesteps: Int

    public init(data: TrainingData, batch: Int, tokenizer: CaptionTokenizer, seed: UInt64, captionDropout: Double,
                trainingTimesteps: Int) {
        self.data = data
        self.schedule = SampleSchedule(recordCount: data.keys.count, batch: batch)
        self.tokenizer = tokenizer
        self.seed = seed
        self.captionDropout = captionDropout
        self.trainingTimesteps = trainingTimesteps
    }

    /// The records of micro-batch `microBatch`: (epoch, key, caption dropped).
    public func records(microBatch: Int) -> [(epoch: Int, key: String, captionDropped: Bool)] {
        schedule.positions(microBatch: microBatch).map { position in
            let key = data.epochOrder(position.epoch, seed: seed)[position.index]
            let dropped = TrainingData.captionDropped(key: key, epoch: position.epoch, seed: seed, probability: captionDropout)
            return (position.epoch, key, dropped)
        }
    }

    /// Micro-batch `micro` of optimizer step `step` (0-based), with `accumulate` micro-batches per step.
    public func batch(step: Int, micro: Int, accumulate: Int, withCondition: Bool) throws -> DiffusionBatch {
        let records = records(microBatch: step * accumulate + micro)
        let N = records.count
        let R = data.resolution
        var latents: [Float] = []
        var condition: [Float] = []
        var tokens: [Int32] = []
        for record in records {
            let sample = try data.sample(key: record.key)
            latents += sample.latents
            if withCondition, let values = sample.condition { condition += values }
            tokens += tokenizer.encode(record.captionDropped ? "" : sample.caption)
        }
        var random = TrainingRandom.generator(seed: seed, .noise, UInt64(step), UInt64(micro))
        let timesteps = (0..<N).map { _ in random.nextInt(below: trainingTimesteps) }
        let latentShape = [N, 48, R / 4, R / 4]
        let noise = random.normals(latents.count)
        return DiffusionBatch(
            latents: Tensor(shape: latentShape, values: latents),
            noise: Tensor(shape: latentShape, values: noise),
            timesteps: timesteps,
            tokenIDs: tokens,
            condition: withCondition ? Tensor(shape: [N, 3, R, R], values: condition) : nil)
    }
}
