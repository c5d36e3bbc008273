// WorkerPool: one persistent thread per extra core, for the short parallel loops of a training
// step (about 1,400 per step at the reference size). A worker spins on a generation counter for
// about a millisecond before sleeping on a condition variable, so that back-to-back loops start
// without a futex wake-up (GCD's concurrentPerform paid one per loop, and its worker often arrived
// after the calling thread had done every chunk itself). Past the first few microseconds, spinning
// threads call sched_yield, so that on a busy machine they give way to runnable threads (the
// worker holding the last chunk, or other processes) instead of burning their time slice.
//
// Each loop is a Job with its own chunk counter: a worker that wakes late finds the counter
// exhausted and does nothing. One job at a time: a caller that finds the pool busy (a nested loop,
// or another thread's loop) runs its chunks inline. The calling thread always works on chunks too.
import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workerCount: Parallel.coreCount - 1)

    private final class Job: @unchecked Sendable {
        let body: (Int) -> Void
        let chunkCount: Int
        let nextChunk = Atomic<Int>(0)
        let unfinished: Atomic<Int>

        init(chunkCount: Int, body: @escaping (Int) -> Void) {
            self.body = body
            self.chunkCount = chunkCount
            unfinished = Atomic<Int>(chunkCount)
        }

        func work() {
            while true {
                let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunkCount { return }
                body(chunk)
                unfinished.wrappingSubtract(1, ordering: .releasing)
            }
        }
    }

    let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The latest job; read and written under `mutex`.
    private var current: Job?
    /// Spin iterations (atomic loads) before a worker sleeps: about a millisecond.
    private let spinLimit = 2_000_000
    /// Spin iterations before spinning threads start yielding between checks.
    private let yieldAfter = 20_000

    init(workerCount: Int) {
        self.workerCount = max(0, workerCount)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for index in 0..<self.workerCount {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "PrepNN worker \(index + 1)"
            thread.start()
        }
    }

    /// body(chunk) for chunk in 0..<chunks, spread over the workers and the calling thread;
    /// returns when every chunk is done.
    func run(chunks: Int, _ body: @escaping (Int) -> Void) {
        guard workerCount > 0, chunks > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        let job = Job(chunkCount: chunks, body: body)
        pthread_mutex_lock(mutex)
        current = job
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 { pthread_cond_broadcast(condition) }
        pthread_mutex_unlock(mutex)
        job.work()
        var spins = 0
        while job.unfinished.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > yieldAfter { sched_yield() }
        }
        busy.store(false, ordering: .releasing)
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < spinLimit {
                spins += 1
                if spins > yieldAfter && spins % 64 == 0 { sched_yield() }
            }
            pthread_mutex_lock(mutex)
            if generation.load(ordering: .sequentiallyConsistent) == seen {
                sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(condition, mutex) }
                sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            }
            seen = generation.load(ordering: .sequentiallyConsistent)
            let job = current
            pthread_mutex_unlock(mutex)
            job?.work()
        }
    }
}
