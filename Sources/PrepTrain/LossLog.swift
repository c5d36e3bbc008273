// LossLog: RUN_DIR/loss.jsonl, one JSON object per optimizer step:
//   {"step":12,"epoch":1,"loss":0.9731,"learning_rate":0.0001,"seconds":6.52}
// `seconds` is the training time since the run began, carried across resumes. A resume first
// drops the lines after the checkpoint's step (they belong to steps that will be redone), so the
// log has each step once.
import Foundation

public final class LossLog {
    public static let fileName = "loss.jsonl"
    public let url: URL
    private let handle: FileHandle

    /// Opens the log in `directory`, keeping only the lines of steps up to `keepingThrough`
    /// (0 for a new run: an empty log).
    public init(directory: URL, keepingThrough step: Int) throws {
        url = directory.appendingPathComponent(Self.fileName)
        var kept = Data()
        if step > 0, let existing = try? Data(contentsOf: url) {
            for line in existing.split(separator: UInt8(ascii: "\n")) {
                guard let entry = Self.step(of: Data(line)), entry <= step else { continue }
                kept += line + [UInt8(ascii: "\n")]
            }
        }
        do {
            try kept.write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingError("cannot write the loss log \(url.path): \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    public func append(step: Int, epoch: Int, loss: Float, learningRate: Float, seconds: Double) throws {
        let line = "{\"step\":\(step),\"epoch\":\(epoch),\"loss\":\(Self.number(loss)),"
            + "\"learning_rate\":\(Self.number(learningRate)),\"seconds\":\(String(format: "%.3f", seconds))}\n"
        do {
            try handle.write(contentsOf: Data(line.utf8))
        } catch {
            throw TrainingError("cannot append to the loss log \(url.path): \(error.localizedDescription)")
        }
    }

    /// The entries of a log file, as dictionaries (for tests and tools).
    public static func read(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    private static func step(of line: Data) -> Int? {
        (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["step"] as? Int
    }

    private static func number(_ value: Float) -> String { value.isFinite ? "\(value)" : "null" }
}
