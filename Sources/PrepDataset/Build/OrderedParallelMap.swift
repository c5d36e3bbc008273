import Foundation

/// Applies `transform` to a stream of inputs on `workers` threads and hands the outputs to the
/// caller in input order, holding at most `capacity` inputs in flight (back-pressure: the stream
/// is read no faster than outputs are consumed, so memory does not grow with its length).
///
/// Unlike batches with a barrier, a slow item delays only its own turn at the consumer while the
/// workers go on with the next ones.
final class OrderedParallelMap<Input, Output> {
    private let workers: Int
    private let capacity: Int
    private let transform: (Input) -> Output

    private let condition = NSCondition()
    private var queue: [(sequence: Int, input: Input)] = []
    private var queueHead = 0
    private var results: [Int: Output] = [:]
    private var closed = false
    private var running = 0

    init(workers: Int, capacity: Int, transform: @escaping (Input) -> Output) {
        self.workers = max(1, workers)
        self.capacity = max(capacity, self.workers)
        self.transform = transform
    }

    /// Feeds `next()` until it returns nil, consuming outputs in order with `consume`. `consume`
    /// returns false to stop early (inputs already taken are finished and dropped). Errors thrown
    /// by `next` or `consume` stop the workers and are rethrown.
    func run(next: () throws -> Input?, consume: (Output) throws -> Bool) throws {
        if workers == 1 {
            while let input = try next() {
                if try !consume(transform(input)) { return }
            }
            return
        }
        startWorkers()
        defer { stopWorkers() }
        var submitted = 0
        var consumed = 0
        var exhausted = false
        while true {
            // Submit while there is room.
            while !exhausted, submitted - consumed < capacity {
                guard let input = try next() else {
                    exhausted = true
                    break
                }
                condition.lock()
                queue.append((submitted, input))
                condition.signal()
                condition.unlock()
                submitted += 1
            }
            if exhausted && consumed == submitted { return }
            // Wait for the next output in order.
            condition.lock()
            while results[consumed] == nil { condition.wait() }
            let output = results.removeValue(forKey: consumed)!
            condition.unlock()
            consumed += 1
            if try !consume(output) { return }
        }
    }

    private func startWorkers() {
        condition.lock()
        closed = false
        running = workers
        condition.unlock()
        for _ in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Closes the queue, drops inputs not started, and waits for the workers to finish.
    private func stopWorkers() {
        condition.lock()
        closed = true
        queue.removeAll()
        queueHead = 0
        condition.broadcast()
        while running > 0 { condition.wait() }
        results.removeAll()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            while queueHead == queue.count && !closed { condition.wait() }
            if queueHead == queue.count && closed { break }
            let (sequence, input) = queue[queueHead]
            queueHead += 1
            if queueHead == queue.count {  // all taken: drop the references to the inputs
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            }
            condition.unlock()
            let output = transform(input)
            condition.lock()
            if !closed { results[sequence] = output }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
