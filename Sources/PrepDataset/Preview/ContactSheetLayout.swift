/// Where everything goes on a contact sheet: a header line of column labels, one row per record
/// (a tile per picture: the image, then each condition; then a text column with the key and the
/// caption), then one line per failed record. All sizes in pixels.
public struct ContactSheetLayout: Equatable, Sendable {
    /// Side of each square picture tile.
    public var tile: Int
    /// Picture tiles per record row: the image and each condition.
    public var pictureColumns: Int
    public var records: Int
    public var failedLines: Int
    /// Size of a font pixel.
    public var fontScale = 2
    /// Characters per line of the text column.
    public var textCharacters = 40
    public var margin = 8
    public var gap = 8

    public init(tile: Int, pictureColumns: Int, records: Int, failedLines: Int) {
        self.tile = tile
        self.pictureColumns = pictureColumns
        self.records = records
        self.failedLines = failedLines
    }

    public var lineHeight: Int { BitmapFont.lineHeight(scale: fontScale) }
    public var textWidth: Int { textCharacters * BitmapFont.advance(scale: fontScale) }
    /// Lines of text beside one record: as many as fit the tile's height.
    public var textLines: Int { max(1, tile / lineHeight) }

    public var width: Int { margin + pictureColumns * (tile + gap) + textWidth + margin }
    /// Header, record rows, and the failures block (its title line, then one line each).
    public var height: Int {
        margin + lineHeight + records * (tile + gap) + (failedLines > 0 ? gap + (failedLines + 1) * lineHeight : 0) + margin
    }

    public func columnX(_ column: Int) -> Int { margin + column * (tile + gap) }
    public var textX: Int { columnX(pictureColumns) }
    public func rowY(_ row: Int) -> Int { margin + lineHeight + row * (tile + gap) }
    public var failuresY: Int { rowY(records) + gap }
    /// Characters that fit one line across the whole sheet.
    public var sheetCharacters: Int { (width - 2 * margin) / BitmapFont.advance(scale: fontScale) }
}
