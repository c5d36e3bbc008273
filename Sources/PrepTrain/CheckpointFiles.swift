// CheckpointFiles: the checkpoints of a run folder.
//   checkpoint-STEP.safetensors    (STEP zero-padded to 6 digits) every --checkpoint-every steps and at the end
//   checkpoint-latest.safetensors  a hard link to the newest one (a copy where links are not supported)
import Foundation

public struct CheckpointFiles {
    public static let latestName = "checkpoint-latest.safetensors"
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func url(step: Int) -> URL { directory.appendingPathComponent(String(format: "checkpoint-%06d.safetensors", step)) }
    public var latest: URL { directory.appendingPathComponent(Self.latestName) }

    /// The numbered checkpoints, by step.
    public func numbered() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".safetensors") else { return nil }
            let middle = name.dropFirst("checkpoint-".count).dropLast(".safetensors".count)
            guard !middle.isEmpty, middle.allSatisfy(\.isNumber), let step = Int(middle) else { return nil }
            return (step, directory.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// What a resume continues from: the highest-numbered checkpoint, else checkpoint-latest.
    public func resumePoint() -> URL? {
        if let last = numbered().last { return last.url }
        return FileManager.default.fileExists(atPath: latest.path) ? latest : nil
    }

    /// Whether the folder holds any checkpoint.
    public var isEmpty: Bool { resumePoint() == nil }

    /// Points checkpoint-latest at `url` atomically: a hard link under a temporary name renamed
    /// over it (or a copy when the file system has no hard links).
    public func markLatest(_ url: URL) throws {
        let temporary = directory.appendingPathComponent(".\(Self.latestName).\(getpid()).tmp")
        try? FileManager.default.removeItem(at: temporary)
        do {
            do {
                try FileManager.default.linkItem(at: url, to: temporary)
            } catch {
                try FileManager.default.copyItem(at: url, to: temporary)
            }
            guard rename(temporary.path, latest.path) == 0 else {
                throw TrainingError("rename \(temporary.path) -> \(latest.path): \(String(cString: strerror(errno)))")
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError("cannot update \(latest.path): \(error.localizedDescription)")
        }
    }
}
