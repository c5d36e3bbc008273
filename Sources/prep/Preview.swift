import ArgumentParser
import PrepDataset

struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a contact sheet (PNG): per record the image, each condition, the key and the caption; then the failed records.",
        discussion: """
            Records in source order, read by key through the index. --where takes an SQL expression on the \
            samples table's columns, e.g. --where "caption LIKE '%cat%'" or --where "source_row >= 100"; it \
            selects the failed records listed too.
            """)

    @Argument(help: "The dataset folder (default: dataset).")
    var directory = "dataset"
    @Option(name: .customLong("out"), help: "The PNG to write.")
    var output = "sheet.png"
    @Option(help: "Records shown (and failed records listed), at most.")
    var count = 16
    @Option(name: .customLong("where"), help: "An SQL expression on the samples table's columns.")
    var whereClause: String?
    @Option(help: "Side of each picture tile in pixels.")
    var tile = 128

    func run() throws {
        let sheet = ContactSheet(dataset: directory, count: count, whereClause: whereClause, tile: tile)
        do {
            let layout = try sheet.write(to: output)
            print("\(output): \(layout.width)x\(layout.height), \(layout.records) records x \(layout.pictureColumns) pictures, "
                  + "\(layout.failedLines) failed listed")
        } catch let error as DatasetError {
            throw CleanExit.failure(error.description)
        }
    }
}
