import Foundation

/// Random access to a dataset's records by key: one indexed query for the member's place, one
/// positioned read (`pread`) of its bytes. No tar scan. Shard files stay open between reads.
/// Not thread-safe: use one reader per thread.
public final class DatasetReader {
    public let directory: String
    private let index: DatasetIndex
    private let locate: SQLiteStatement
    private let list: SQLiteStatement
    private var shards: [String: InputFile] = [:]

    public init(directory: String) throws {
        self.directory = directory
        index = try DatasetIndex(path: directory + "/" + DatasetIndex.fileName, readOnly: true)
        locate = try index.database.prepare("SELECT shard, offset, size FROM members WHERE key = ? AND member = ?")
        list = try index.database.prepare("SELECT member, shard, offset, size FROM members WHERE key = ? ORDER BY offset")
    }

    /// The bytes of member `member` (`jpg`, `txt`, `json`, `canny.png`, ...) of record `key`.
    public func read(key: String, member: String) throws -> [UInt8] {
        try locate.bind([.text(key), .text(member)])
        defer { locate.reset() }
        guard try locate.step(), let shard = locate.column(0).string, let offset = locate.column(1).int,
              let size = locate.column(2).int else {
            locate.reset()
            let members = try self.members(of: key).map(\.member)
            if members.isEmpty { throw DatasetError("no record with key '\(key)' in \(directory)") }
            throw DatasetError("record '\(key)' has no member '\(member)'; members: \(members.joined(separator: ", "))")
        }
        return try file(shard).read(offset: Int64(offset), count: size)
    }

    /// Every member of record `key`, in tar order (empty when there is no such ok record).
    public func members(of key: String) throws -> [MemberRow] {
        try list.bind([.text(key)])
        defer { list.reset() }
        var rows: [MemberRow] = []
        while try list.step() {
            guard let member = list.column(0).string, let shard = list.column(1).string,
                  let offset = list.column(2).int, let size = list.column(3).int else { continue }
            rows.append(MemberRow(key: key, member: member, shard: shard, offset: Int64(offset), size: size))
        }
        return rows
    }

    /// Keys of the ok records, in source order.
    public func keys() throws -> [String] {
        try index.query("SELECT key FROM samples WHERE status = 'ok' ORDER BY source_row").compactMap { $0[0].string }
    }

    private func file(_ shard: String) throws -> InputFile {
        if let open = shards[shard] { return open }
        let file = try InputFile(path: directory + "/shards/" + shard)
        shards[shard] = file
        return file
    }
}
