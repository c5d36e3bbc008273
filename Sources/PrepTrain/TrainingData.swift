// TrainingData: a `prep build` dataset opened through its index, as samples for a run.
//   usable records: `ok` samples that have the image member (`jpg` or `png`), `txt`, and, when
//     the run has a condition, the condition member (`canny.png`, ...) from a stage that did not
//     skip the record (a skipped stage wrote an all-black placeholder)
//   epoch order: a Fisher-Yates shuffle of the usable keys, seeded by (seed, epoch)
//   caption dropout: per (seed, epoch, key), so a record's caption is dropped in about `p` of
//     the epochs, never fixed for the whole run (the dataset's own `caption_dropped` flag is ignored)
// Members are read by key at their indexed offset (`DatasetReader`): no tar scan.
import Foundation
import PrepDataset
import PrepImage
import PrepNN

public final class TrainingData {
    public let directory: String
    public let resolution: Int
    /// Usable record keys, in source order.
    public let keys: [String]
    /// `jpg` or `png`.
    public let imageMember: String
    /// `canny.png`, ...; nil for a run without condition.
    public let conditionMember: String?
    private let reader: DatasetReader
    private struct OrderKey: Hashable {
        let seed: UInt64
        let epoch: Int
    }
    private var cachedOrders: [OrderKey: [String]] = [:]

    /// Opens the dataset in `directory`. Throws `TrainingError` when there is no dataset, no usable
    /// record, or no member `conditionMember`.
    public init(directory: String, resolution: Int, conditionMember: String? = nil) throws {
        self.directory = directory
        self.resolution = resolution
        self.conditionMember = conditionMember
        let indexPath = directory + "/" + DatasetIndex.fileName
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw TrainingError("no dataset in '\(directory)' (no \(DatasetIndex.fileName)): build one with "
                + "`prep build --source SOURCE --out \(directory)` or pass --dataset DIR")
        }
        let index: DatasetIndex
        do {
            index = try DatasetIndex(path: indexPath, readOnly: true)
            reader = try DatasetReader(directory: directory)
        } catch let error as DatasetError {
            throw TrainingError("cannot open the dataset in '\(directory)': \(error.description)")
        }
        defer { index.close() }

        func count(_ member: String) throws -> Int {
            try index.query("SELECT COUNT(*) FROM members WHERE member = ?", .text(member)).first?.first?.int ?? 0
        }
        let jpegCount = try count("jpg"), pngCount = try count("png")
        guard jpegCount + pngCount > 0 else {
            throw TrainingError("the dataset in '\(directory)' has no image members (jpg or png): "
                + "no record was built (see `prep stats \(directory)`)")
        }
        imageMember = jpegCount >= pngCount ? "jpg" : "png"

        var sql = """
            SELECT s.key FROM samples s
            JOIN members image ON image.key = s.key AND image.member = ?
            JOIN members caption ON caption.key = s.key AND caption.member = 'txt'
            """
        var values: [SQLiteValue] = [.text(imageMember)]
        if let conditionMember {
            guard try count(conditionMember) > 0 else {
                let stage = conditionMember.hasSuffix(".png") ? String(conditionMember.dropLast(4)) : conditionMember
                throw TrainingError("the dataset in '\(directory)' has no '\(conditionMember)' members; "
                    + "build it with --stages \(stage)")
            }
            let stage = conditionMember.hasSuffix(".png") ? String(conditionMember.dropLast(4)) : conditionMember
            sql += """

                JOIN members condition ON condition.key = s.key AND condition.member = ?
                LEFT JOIN stages stage ON stage.key = s.key AND stage.stage = ?
                WHERE s.status = 'ok' AND (stage.status IS NULL OR stage.status = 'ok')
                """
            values += [.text(conditionMember), .text(stage)]
        } else {
            sql += "\nWHERE s.status = 'ok'"
        }
        sql += "\nORDER BY s.source_row"
        keys = try Self.query(index, sql, values).compactMap { $0.first?.string }
        guard !keys.isEmpty else {
            let what = conditionMember.map { "with an image, a caption and a non-skipped '\($0)'" } ?? "with an image and a caption"
            throw TrainingError("the dataset in '\(directory)' has no usable record (ok \(what)): see `prep stats \(directory)`")
        }
    }

    private static func query(_ index: DatasetIndex, _ sql: String, _ values: [SQLiteValue]) throws -> [[SQLiteValue]] {
        switch values.count {
        case 1: return try index.query(sql, values[0])
        case 3: return try index.query(sql, values[0], values[1], values[2])
        default: preconditionFailure("TrainingData.query: \(values.count) values")
        }
    }

    /// The usable keys in the order of `epoch` (a seeded shuffle; the same for the same seed and epoch).
    public func epochOrder(_ epoch: Int, seed: UInt64) -> [String] {
        if let order = cachedOrders[OrderKey(seed: seed, epoch: epoch)] { return order }
        var order = keys
        var random = TrainingRandom.generator(seed: seed, .shuffle, UInt64(epoch))
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, random.nextInt(below: i + 1))
            }
        }
        if cachedOrders.count >= 4 { cachedOrders.removeAll() }
        cachedOrders[OrderKey(seed: seed, epoch: epoch)] = order
        return order
    }

    /// Whether `key`'s caption is dropped in `epoch` (probability `probability`).
    public static func captionDropped(key: String, epoch: Int, seed: UInt64, probability: Double) -> Bool {
        var random = TrainingRandom.generator(seed: seed, .captionDropout, UInt64(epoch), TrainingRandom.word(key))
        return Double(random.nextUniform()) < probability
    }

    /// Reads, decodes and converts one record.
    public func sample(key: String) throws -> TrainingSample {
        let image = try decode(key: key, member: imageMember)
        let condition = try conditionMember.map { ImageTensor.condition(try decode(key: key, member: $0), resolution: resolution) }
        let caption = String(decoding: try read(key: key, member: "txt"), as: UTF8.self)
        return TrainingSample(key: key, latents: ImageTensor.latents(image, resolution: resolution), condition: condition,
                              caption: caption)
    }

    private func read(key: String, member: String) throws -> [UInt8] {
        do {
            return try reader.read(key: key, member: member)
        } catch let error as DatasetError {
            throw TrainingError("cannot read '\(key).\(member)' of the dataset in '\(directory)': \(error.description)")
        }
    }

    private func decode(key: String, member: String) throws -> Image {
        let bytes = try read(key: key, member: member)
        do {
            return try ImageDecoder.decode(bytes)
        } catch {
            throw TrainingError("cannot decode '\(key).\(member)' of the dataset in '\(directory)': \(error) "
                + "(run `prep verify \(directory)`)")
        }
    }
}
