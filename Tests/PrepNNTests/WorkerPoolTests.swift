import Foundation
import Synchronization
import Testing
@testable import PrepNN

@Suite struct WorkerPoolTests {
    /// Every index of every loop is visited exactly once, across thousands of back-to-back loops,
    /// loops nested inside chunks, and loops started from several threads at once.
    @Test func everyChunkRunsExactlyOnce() {
        let count = 1000
        let visits = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * count)
        defer { visits.deallocate() }
        visits.initialize(repeating: 0, count: 4 * count)
        let rounds = 500
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let mine = visits + caller * count
            for round in 0..<rounds {
                Parallel.forEachChunk(count, minimumCount: 0) { range in
                    if round % 50 == 0 {
                        // A nested loop runs inline (the pool is busy) and must still cover its range.
                        Parallel.forEachChunk(range.count, minimumCount: 0) { inner in
                            for i in inner { mine[range.lowerBound + i] += 1 }
                        }
                    } else {
                        for i in range { mine[i] += 1 }
                    }
                }
            }
        }
        for i in 0..<(4 * count) where visits[i] != Int32(rounds) {
            Issue.record("index \(i) visited \(visits[i]) times, expected \(rounds)")
            return
        }
    }

    @Test func singleChunkAndEmptyLoopsRunInline() {
        var ranges: [Range<Int>] = []
        let lock = NSLock()
        Parallel.forEachChunk(1, minimumCount: 0) { range in lock.lock(); ranges.append(range); lock.unlock() }
        Parallel.forEachChunk(0, minimumCount: 0) { range in lock.lock(); ranges.append(range); lock.unlock() }
        #expect(ranges == [0..<1, 0..<0] || ranges == [0..<1])
    }
}
