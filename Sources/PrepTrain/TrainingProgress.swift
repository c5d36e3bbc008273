// TrainingProgress: one line on stderr every `interval` seconds (and at the first and last step):
//   step 120/1000  loss 0.4312 (avg of 20: 0.4408)  epoch 9  2.41 steps/s  ETA 6m05s
// Nothing when quiet.
import Foundation

public final class TrainingProgress {
    public let quiet: Bool
    public let interval: Double
    public let window: Int
    private var recent: [Float] = []
    private var start: Date?
    private var startStep = 0
    private var lastLine = Date.distantPast
    private let write: (String) -> Void

    public init(quiet: Bool, interval: Double = 5, window: Int = 20,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.quiet = quiet
        self.interval = interval
        self.window = window
        self.write = write
    }

    /// A line of its own (what the run is about to do).
    public func note(_ text: String) {
        if !quiet { write(text) }
    }

    /// The moving average of the last `window` step losses.
    public var averageLoss: Float { recent.isEmpty ? .nan : recent.reduce(0, +) / Float(recent.count) }

    /// Marks where timing starts (after models and data are ready).
    public func begin(atStep step: Int) {
        start = Date()
        startStep = step
        lastLine = Date.distantPast
    }

    /// Steps per second since `begin`.
    public func stepsPerSecond(atStep step: Int) -> Double {
        guard let start else { return 0 }
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(step - startStep) / elapsed : 0
    }

    public func update(step: Int, total: Int, loss: Float, epoch: Int) {
        recent.append(loss)
        if recent.count > window { recent.removeFirst(recent.count - window) }
        guard !quiet else { return }
        let now = Date()
        guard step == startStep + 1 || step == total || now.timeIntervalSince(lastLine) >= interval else { return }
        lastLine = now
        let rate = stepsPerSecond(atStep: step)
        var line = "step \(step)/\(total)  loss \(String(format: "%.4f", loss)) "
            + "(avg of \(recent.count): \(String(format: "%.4f", averageLoss)))  epoch \(epoch)  "
            + String(format: "%.2f steps/s", rate)
        if rate > 0 && step < total { line += "  ETA " + Self.duration(Double(total - step) / rate) }
        write(line)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
