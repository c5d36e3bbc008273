import PrepImage
import PrepStages

/// `prep preview`: a PNG to look at before training. One row per `ok` record (source order): the
/// image, each condition member (catalog order; a stage that skipped the record is labelled
/// `skipped`), then the key and the caption (`[dropped]` when caption dropout marked it). Below,
/// the failed records with their reasons. Pictures are read by key through the index, decoded and
/// scaled to square tiles exactly as a build crops (`--crop center`), so image and conditions stay
/// aligned: a misaligned condition shows as edges that do not sit on the image's.
public struct ContactSheet: Sendable {
    public var dataset: String
    /// Records shown (and failed records listed), at most.
    public var count = 16
    /// An SQL expression on the `samples` table's columns, e.g. `caption LIKE '%cat%'`.
    public var whereClause: String?
    public var tile = 128

    public init(dataset: String, count: Int = 16, whereClause: String? = nil, tile: Int = 128) {
        self.dataset = dataset
        self.count = count
        self.whereClause = whereClause
        self.tile = tile
    }

    static let background: UInt8 = 48  // gray, so that black conditions show as tiles
    static let ink: [UInt8] = [235, 235, 235]
    static let label: [UInt8] = [150, 200, 255]
    static let warning: [UInt8] = [255, 110, 90]

    /// Renders the sheet.
    public func render() throws -> (image: Image, layout: ContactSheetLayout) {
        guard (1...1000).contains(count) else { throw DatasetError("--count must be in 1...1000 (got \(count))") }
        guard (16...1024).contains(tile) else { throw DatasetError("--tile must be in 16...1024 (got \(tile))") }
        let index = try DatasetIndex(path: dataset + "/" + DatasetIndex.fileName, readOnly: true)
        defer { index.close() }
        let filter = try sqlFilter()
        let records = try query(index, """
            SELECT key, caption, caption_dropped, source_row FROM samples
            WHERE status = 'ok' AND (\(filter)) ORDER BY source_row LIMIT \(count)
            """)
        let failures = try query(index, """
            SELECT source_row, key, image_path, error FROM samples
            WHERE status = 'failed' AND (\(filter)) ORDER BY source_row LIMIT \(count)
            """)
        guard !records.isEmpty || !failures.isEmpty else {
            throw DatasetError(whereClause == nil
                ? "\(dataset) holds no records: nothing to preview"
                : "no record of \(dataset) matches --where \(whereClause!)")
        }
        let stages = try index.query("SELECT DISTINCT stage FROM stages").compactMap { $0[0].string }
            .sorted { (StageCatalog.names.firstIndex(of: $0) ?? Int.max, $0) < (StageCatalog.names.firstIndex(of: $1) ?? Int.max, $1) }
        let imageMember = try index.query(
            "SELECT DISTINCT member FROM members WHERE member IN ('jpg', 'png') ORDER BY member").first?[0].string ?? "jpg"

        let layout = ContactSheetLayout(tile: tile, pictureColumns: 1 + stages.count, records: records.count, failedLines: failures.count)
        var sheet = Image(width: layout.width, height: layout.height, channels: 3,
                          pixels: [UInt8](repeating: Self.background, count: layout.width * layout.height * 3))
        let scale = layout.fontScale
        for (column, name) in ([imageMember] + stages).enumerated() {
            BitmapFont.draw(fit(name, layout.tile / BitmapFont.advance(scale: scale)), into: &sheet,
                            x: layout.columnX(column), y: layout.margin, scale: scale, color: Self.label)
        }
        BitmapFont.draw("key, caption", into: &sheet, x: layout.textX, y: layout.margin, scale: scale, color: Self.label)

        let reader = try DatasetReader(directory: dataset)
        for (row, record) in records.enumerated() {
            guard let key = record[0].string else { continue }
            let y = layout.rowY(row)
            let skipped = Set(try index.query("SELECT stage FROM stages WHERE key = ? AND status = 'skipped'", .text(key))
                .compactMap { $0[0].string })
            for (column, member) in ([imageMember] + stages.map { $0 + ".png" }).enumerated() {
                let x = layout.columnX(column)
                let picture = try ImageDecoder.decode(try reader.read(key: key, member: member))
                let geometry = ResizeGeometry(sourceWidth: picture.width, sourceHeight: picture.height, resolution: tile, crop: .center)
                blit(Resizer.resize(picture, to: geometry), into: &sheet, x: x, y: y)
                if column > 0, skipped.contains(stages[column - 1]) {
                    BitmapFont.draw("skipped", into: &sheet, x: x + 2, y: y + 2, scale: scale, color: Self.warning)
                }
            }
            var lines = [key + "  row \(record[3].int ?? -1)" + (record[2].int == 1 ? "  [dropped]" : "")]
            lines += wrap(record[1].string ?? "", width: layout.textCharacters)
            if lines.count > layout.textLines {
                lines = Array(lines.prefix(layout.textLines))
                lines[lines.count - 1] = fit(lines[lines.count - 1] + " ...", layout.textCharacters, ellipsis: true)
            }
            for (n, line) in lines.enumerated() {
                BitmapFont.draw(line, into: &sheet, x: layout.textX, y: y + n * layout.lineHeight, scale: scale,
                                color: n == 0 ? Self.label : Self.ink)
            }
        }
        if !failures.isEmpty {
            let total = try index.query("SELECT COUNT(*) FROM samples WHERE status = 'failed' AND (\(filter))").first?[0].int ?? 0
            BitmapFont.draw("failed: \(total)" + (total > failures.count ? " (first \(failures.count))" : ""), into: &sheet,
                            x: layout.margin, y: layout.failuresY, scale: scale, color: Self.warning)
            for (n, failure) in failures.enumerated() {
                let line = "row \(failure[0].int ?? -1)  \(failure[1].string ?? "-")  \(failure[2].string ?? "")  \(failure[3].string ?? "")"
                BitmapFont.draw(fit(line, layout.sheetCharacters, ellipsis: true), into: &sheet,
                                x: layout.margin, y: layout.failuresY + (n + 1) * layout.lineHeight, scale: scale, color: Self.ink)
            }
        }
        return (sheet, layout)
    }

    /// Renders and writes the sheet as a PNG.
    public func write(to path: String) throws -> ContactSheetLayout {
        let (image, layout) = try render()
        let file = try OutputFile(path: path)
        try file.write(try PNGCodec.encode(image, compressionLevel: 6))
        try file.close()
        return layout
    }

    /// `--where` as an SQL expression, or `1`. One expression: no `;`.
    private func sqlFilter() throws -> String {
        guard let whereClause, !whereClause.allSatisfy(\.isWhitespace) else { return "1" }
        if whereClause.contains(";") {
            throw DatasetError("--where takes one SQL expression on the samples table's columns, without ';' (got: \(whereClause))")
        }
        return whereClause
    }

    private func query(_ index: DatasetIndex, _ sql: String) throws -> [[SQLiteValue]] {
        do {
            return try index.query(sql)
        } catch let error as SQLiteError {
            throw DatasetError("--where \(whereClause ?? ""): \(error.message); it must be an SQL expression on the samples "
                + "table's columns (key, caption, caption_dropped, source_row, width, height, image_path, error, ...), "
                + "e.g. --where \"caption LIKE '%cat%'\"")
        }
    }

    private func blit(_ picture: Image, into sheet: inout Image, x: Int, y: Int) {
        for py in 0..<picture.height {
            for px in 0..<picture.width {
                let target = ((y + py) * sheet.width + x + px) * 3
                let source = (py * picture.width + px) * picture.channels
                for c in 0..<3 { sheet.pixels[target + c] = picture.pixels[source + (picture.channels == 3 ? c : 0)] }
            }
        }
    }

    /// Greedy word wrap to lines of at most `width` characters (long words are cut).
    func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            var word = String(word)
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if line.isEmpty {
                line = word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// `text` cut to `width` characters (ending in "..." when `ellipsis` and cut).
    func fit(_ text: String, _ width: Int, ellipsis: Bool = false) -> String {
        guard text.count > width else { return text }
        return ellipsis && width > 3 ? String(text.prefix(width - 3)) + "..." : String(text.prefix(width))
    }
}
