// SampleSchedule: which records micro-batch m holds, from m alone (no iterator state to save).
// The run reads the epoch orders one after the other as one endless stream; micro-batch m holds
// stream positions m * batch ..< (m + 1) * batch. Position i is record i % count of the order of
// epoch i / count. So the last short batch of an epoch wraps into the next epoch: every record is
// seen exactly once per epoch, and a dataset smaller than a batch still trains.

public struct SampleSchedule: Sendable, Equatable {
    public let recordCount: Int
    public let batch: Int

    public init(recordCount: Int, batch: Int) {
        precondition(recordCount > 0 && batch > 0, "SampleSchedule: \(recordCount) records, batch \(batch)")
        self.recordCount = recordCount
        self.batch = batch
    }

    /// (epoch, index into that epoch's order) of each sample of micro-batch `microBatch` (0-based).
    public func positions(microBatch: Int) -> [(epoch: Int, index: Int)] {
        (0..<batch).map { b in
            let position = microBatch * batch + b
            return (position / recordCount, position % recordCount)
        }
    }

    /// The epoch of the last sample of micro-batch `microBatch`.
    public func epoch(afterMicroBatch microBatch: Int) -> Int { ((microBatch + 1) * batch - 1) / recordCount }
}
