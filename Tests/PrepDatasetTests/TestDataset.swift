import Foundation
import PrepImage
@testable import PrepDataset

/// A temporary folder with images and a source file, for build tests.
final class TestDataset {
    let root: URL
    var sourcePath: String { root.appendingPathComponent("captions.tsv").path }
    var output: String { root.appendingPathComponent("dataset").path }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("prep-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ name: String, text: String) throws { try write(name, Array(text.utf8)) }

    /// A deterministic RGB test pattern, different per `seed`.
    static func pattern(width: Int, height: Int, seed: Int) -> Image {
        var image = Image(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                image.pixels[i] = UInt8((x * 7 + seed * 31) & 255)
                image.pixels[i + 1] = UInt8((y * 5 + seed * 17) & 255)
                image.pixels[i + 2] = UInt8(((x ^ y) + seed * 13) & 255)
            }
        }
        return image
    }

    func writePNG(_ name: String, width: Int = 96, height: Int = 80, seed: Int = 0) throws {
        try write(name, PNGCodec.encode(Self.pattern(width: width, height: height, seed: seed)))
    }

    func writeJPEG(_ name: String, width: Int = 120, height: Int = 90, seed: Int = 0) throws {
        try write(name, JPEGCodec.encode(Self.pattern(width: width, height: height, seed: seed), quality: 90))
    }

    /// A TSV with the given data rows (tab-joined), under the header `image\tcaption\tdepth`.
    func writeSource(_ rows: [String], header: String = "image\tcaption\tdepth") throws {
        try write("captions.tsv", text: ([header] + rows).joined(separator: "\n") + "\n")
    }

    /// `count` good PNG rows.
    func writeGoodSource(count: Int) throws {
        var rows: [String] = []
        for i in 0..<count {
            try writePNG("images/\(i).png", width: 64 + i % 5 * 16, height: 72 + i % 3 * 8, seed: i)
            rows.append("images/\(i).png\ta picture number \(i)")
        }
        try writeSource(rows, header: "image\tcaption")
    }

    func options(output: String? = nil) -> BuildOptions {
        var options = BuildOptions()
        options.source = sourcePath
        options.output = output ?? self.output
        options.resolution = 64
        options.shardSize = 3
        options.workers = 2
        options.stages = []  // tests that need condition stages name them
        return options
    }
}

/// Every file of a dataset's shards folder, by name, with its bytes.
func shardFiles(_ output: String) throws -> [String: Data] {
    let directory = output + "/shards"
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
        files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
    }
    return files
}

/// The index's contents (every table but runs; meta without the manifest, which names the output
/// folder and worker count), as text lines, for equality checks.
func indexContents(_ output: String) throws -> [String] {
    let index = try DatasetIndex(path: output + "/index.sqlite", readOnly: true)
    defer { index.close() }
    var lines: [String] = []
    for table in ["meta", "shards", "samples", "members", "stages"] {
        let orderBy = ["meta": "name", "shards": "name", "samples": "source_row", "members": "key, member", "stages": "key, stage"][table]!
        let columns = table == "shards" ? "name, records, bytes, sha256" : "*"
        let filter = table == "meta" ? "WHERE name != 'manifest'" : ""
        for row in try index.query("SELECT \(columns) FROM \(table) \(filter) ORDER BY \(orderBy)") {
            lines.append(table + ": " + row.map { "\($0)" }.joined(separator: " | "))
        }
    }
    return lines
}
