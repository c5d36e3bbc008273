// Parallel: splits a loop into one contiguous chunk per core (on the WorkerPool) when the work is
// large enough to pay for the hand-off; otherwise runs it inline.
// OpenBLAS itself runs single-threaded (see GEMM): its own threads spin on the many small matrix
// products of attention and cost more than they give on 2 cores.
import Foundation

/// How many threads PrepNN's loops use: the calling thread plus `threads - 1` pool workers.
public enum NNThreads {
    /// Set before the first model runs (it is read once); nil means one per core.
    nonisolated(unsafe) public static var requested: Int?
    /// The count in force.
    public static var count: Int { Parallel.coreCount }
}

enum Parallel {
    static let coreCount = max(1, NNThreads.requested ?? ProcessInfo.processInfo.activeProcessorCount)

    /// body(range) over 0..<count, in `coreCount` chunks when count >= minimumCount.
    @inline(__always)
    static func forEachChunk(_ count: Int, minimumCount: Int = 32_768, _ body: @escaping (Range<Int>) -> Void) {
        let chunks = min(coreCount, count)
        if chunks <= 1 || count < minimumCount {
            body(0..<count)
            return
        }
        WorkerPool.shared.run(chunks: chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
}
