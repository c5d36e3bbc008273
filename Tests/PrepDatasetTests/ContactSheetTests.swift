import Foundation
import PrepImage
import Testing
@testable import PrepDataset

@Suite(.serialized)
struct ContactSheetTests {
    /// Three ok records with canny and hough, one failed row (a missing file).
    func dataset() throws -> TestDataset {
        let data = try TestDataset()
        for i in 0..<3 { try data.writePNG("images/\(i).png", width: 96, height: 72, seed: i * 3) }
        try data.writeSource(["images/0.png\ta red one", "images/missing.png\tgone", "images/1.png\ta blue one",
                              "images/2.png\ta long caption that needs more than one line of the text column to be shown"],
                             header: "image\tcaption")
        var options = data.options()
        options.stages = ["canny", "hough"]
        _ = try DatasetBuilder(options: options).run()
        return data
    }

    @Test func dimensionsFollowTheLayout() throws {
        let data = try dataset()
        let (image, layout) = try ContactSheet(dataset: data.output, tile: 64).render()
        #expect(layout.pictureColumns == 3)  // jpg, canny, hough
        #expect(layout.records == 3 && layout.failedLines == 1)
        // margin + 3 x (tile + gap) + 40 characters x 12 px + margin
        #expect(image.width == 8 + 3 * 72 + 480 + 8)
        // margin + header line + 3 x (tile + gap) + gap + (title + 1 failure) x 18 px + margin
        #expect(image.height == 8 + 18 + 3 * 72 + 8 + 2 * 18 + 8)
        let written = try ContactSheet(dataset: data.output, count: 2, tile: 32).write(to: data.path("sheet.png"))
        let decoded = try ImageDecoder.decode(FileSystem.readFile(data.path("sheet.png")))
        #expect((decoded.width, decoded.height) == (written.width, written.height))
        #expect(written.records == 2)
        #expect(decoded.height == 8 + 18 + 2 * 40 + 8 + 2 * 18 + 8)
    }

    @Test func tilesHoldTheImageAndItsConditionsSideBySide() throws {
        let data = try dataset()
        let (sheet, layout) = try ContactSheet(dataset: data.output, tile: 64).render()
        let reader = try DatasetReader(directory: data.output)
        for (row, key) in ["000000000", "000000002"].enumerated() {
            for (column, member) in ["jpg", "canny.png", "hough.png"].enumerated() {
                let picture = try ImageDecoder.decode(reader.read(key: key, member: member))
                let expected = Resizer.resize(picture, to: ResizeGeometry(
                    sourceWidth: picture.width, sourceHeight: picture.height, resolution: 64, crop: .center))
                var tile: [UInt8] = []
                for y in 0..<64 {
                    let start = ((layout.rowY(row) + y) * sheet.width + layout.columnX(column)) * 3
                    tile += sheet.pixels[start..<start + 64 * 3]
                }
                #expect(tile == expected.pixels, "\(key) \(member)")
            }
        }
    }

    @Test func whereSelectsRecordsAndBadInputIsExplained() throws {
        let data = try dataset()
        let (_, layout) = try ContactSheet(dataset: data.output, whereClause: "caption LIKE '%blue%'", tile: 32).render()
        #expect(layout.records == 1 && layout.failedLines == 0)
        func message(_ sheet: ContactSheet) -> String {
            do { _ = try sheet.render(); return "no error" } catch { return "\(error)" }
        }
        #expect(message(ContactSheet(dataset: data.output, whereClause: "colour = 'red'")).contains("no such column: colour"))
        #expect(message(ContactSheet(dataset: data.output, whereClause: "1; DELETE FROM samples")).contains("without ';'"))
        #expect(message(ContactSheet(dataset: data.output, whereClause: "caption = 'nothing'")).contains("no record of"))
        #expect(message(ContactSheet(dataset: data.path("none"))).contains("no dataset index at"))
        #expect(message(ContactSheet(dataset: data.output, count: 0)).contains("--count must be in 1...1000"))
    }

    @Test func wrapAndFitKeepLinesWithinTheColumn() {
        let sheet = ContactSheet(dataset: "")
        #expect(sheet.wrap("a long caption that needs more", width: 10) == ["a long", "caption", "that needs", "more"])
        #expect(sheet.wrap("abcdefghijklmnop", width: 6) == ["abcdef", "ghijkl", "mnop"])
        #expect(sheet.fit("abcdefghij", 6, ellipsis: true) == "abc...")
    }

    @Test func theFontHasADistinctGlyphForEveryPrintableCharacter() {
        var seen: [[UInt8]: Character] = [:]
        for code in UInt8(33)...UInt8(126) {
            let character = Character(UnicodeScalar(code))
            let rows = BitmapFont.glyph(character)
            #expect(rows.count == 7 && rows.allSatisfy { $0 < 32 }, "\(character)")
            #expect(rows.contains { $0 != 0 }, "\(character) is blank")
            #expect(seen[rows] == nil, "\(character) looks like \(seen[rows].map(String.init) ?? "")")
            seen[rows] = character
        }
        #expect(BitmapFont.glyph(" ") == [0, 0, 0, 0, 0, 0, 0])
        #expect(BitmapFont.glyph("é") == BitmapFont.glyph("?"))
        var image = Image(width: 12, height: 7, channels: 1)
        let end = BitmapFont.draw("|", into: &image, x: 0, y: 0, scale: 1, color: [255])
        #expect(end == 6)
        #expect((0..<7).allSatisfy { image.pixels[$0 * 12 + 2] == 255 && image.pixels[$0 * 12 + 1] == 0 })
    }
}

/// Text partly or wholly outside the image is clipped, never a crash.
@Test func bitmapFontTextOutsideTheImageIsClipped() {
    var image = Image(width: 20, height: 10, channels: 3)
    BitmapFont.draw("ABC", into: &image, x: 15, y: 6, scale: 2, color: [255, 255, 255])
    BitmapFont.draw("far away", into: &image, x: 40, y: 30, scale: 1, color: [255, 255, 255])
    BitmapFont.draw("left", into: &image, x: -50, y: -20, scale: 1, color: [255, 255, 255])
    #expect(image.pixels.contains(255))
    #expect(image.width == 20 && image.height == 10)
}
