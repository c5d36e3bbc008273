// MetricLog: RUN_DIR/metric.jsonl, one JSON object per control-metric evaluation:
//   {"step":500,"phase":"middle-only","metric":0.412,"precision":0.39,"recall":0.45,"seconds":95.2}
// As the loss log, a resume drops the lines after the checkpoint's step, and `entries` reads back
// what the run needs (phase switching and the convergence step look at every evaluation so far).
// Each evaluation's samples go to RUN_DIR/samples/step-NNNNNN.png (condition | sample pairs).
import Foundation
import PrepImage

public final class MetricLog {
    public static let fileName = "metric.jsonl"
    public struct Entry: Codable, Sendable, Equatable {
        public var step: Int
        public var phase: String
        public var metric: Double
        public var precision: Double
        public var recall: Double
        public var seconds: Double
    }

    public let url: URL
    public let samplesDirectory: URL
    public private(set) var entries: [Entry] = []

    public init(directory: URL, keepingThrough step: Int) throws {
        url = directory.appendingPathComponent(Self.fileName)
        samplesDirectory = directory.appendingPathComponent("samples")
        if step > 0, let existing = try? String(contentsOf: url, encoding: .utf8) {
            entries = existing.split(separator: "\n").compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
                .filter { $0.step <= step }
        }
        try rewrite()
    }

    public func append(_ entry: Entry, grid: Image?) throws {
        entries.append(entry)
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((Self.line(entry) + "\n").utf8))
            if let grid {
                try FileManager.default.createDirectory(at: samplesDirectory, withIntermediateDirectories: true)
                try Data(try PNGCodec.encode(grid)).write(to: sampleURL(step: entry.step), options: .atomic)
            }
        } catch {
            throw TrainingError("cannot append to the metric log \(url.path): \(error.localizedDescription)")
        }
    }

    public func sampleURL(step: Int) -> URL {
        samplesDirectory.appendingPathComponent(String(format: "step-%06d.png", step))
    }

    private func rewrite() throws {
        do {
            try Data(entries.map { Self.line($0) + "\n" }.joined().utf8).write(to: url, options: .atomic)
        } catch {
            throw TrainingError("cannot write the metric log \(url.path): \(error.localizedDescription)")
        }
    }

    static func line(_ entry: Entry) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self)
    }
}
