import Foundation

/// Progress of a long job on stderr: a redrawn bar with records/s and ETA when stderr is a
/// terminal; a plain line every `plainInterval` seconds otherwise (logs, CI); nothing when quiet.
public final class ProgressReporter {
    public enum Mode { case bar, lines, quiet }

    private let mode: Mode
    private let label: String
    private let unit: String
    private let plainInterval: Double
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var total: Int?
    private var lastDone = -1

    public init(label: String, unit: String = "records", quiet: Bool, plainInterval: Double = 10) {
        self.label = label
        self.unit = unit
        self.plainInterval = plainInterval
        if quiet {
            mode = .quiet
        } else {
            mode = isatty(STDERR_FILENO) != 0 ? .bar : .lines
        }
    }

    /// Sets the expected count (nil when unknown).
    public func expect(_ total: Int?) { self.total = total }

    /// Reports `done` records so far; draws at most 10 times a second (bar) or every interval (lines).
    public func update(done: Int, failed: Int, force: Bool = false) {
        guard mode != .quiet else { return }
        let now = Date()
        let interval = mode == .bar ? 0.1 : plainInterval
        guard (force && done != lastDone) || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        lastDone = done
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(done) / elapsed
        var text = "\(label) \(done)"
        if let total { text += "/\(total)" }
        text += " \(unit)" + String(format: ", %.1f/s", rate)
        if failed > 0 { text += ", \(failed) failed" }
        if let total, rate > 0, done < total {
            text += ", ETA " + Self.duration(Double(total - done) / rate)
        }
        if mode == .bar {
            var bar = ""
            if let total, total > 0 {
                let width = 30
                let filled = min(width, done * width / total)
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            }
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + bar + text).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Ends the bar's line.
    public func finish() {
        if mode == .bar { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
