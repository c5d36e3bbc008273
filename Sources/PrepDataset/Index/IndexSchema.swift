/// The tables of `DIR/index.sqlite`: a public interface, documented in the README. Bump
/// `version` on any change; an index of another version is refused with a message saying so.
enum IndexSchema {
    static let version = 2

    static let statements = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS shards (
            name    TEXT PRIMARY KEY,          -- shard-000000.tar, relative to DIR/shards
            records INTEGER NOT NULL,
            bytes   INTEGER NOT NULL,
            sha256  TEXT NOT NULL,
            run     INTEGER NOT NULL           -- runs.id of the run that wrote it
        );
        CREATE TABLE IF NOT EXISTS samples (
            source_row      INTEGER PRIMARY KEY,   -- 0-based data row of the source
            key             TEXT UNIQUE,           -- NULL only for a row failed for a duplicate key
            image_path      TEXT,                  -- as written in the source
            depth_path      TEXT,
            caption         TEXT,                  -- the original caption, always kept
            caption_dropped INTEGER,               -- 0/1; NULL when failed
            width           INTEGER,               -- after resize and crop
            height          INTEGER,
            original_width  INTEGER,               -- after EXIF orientation
            original_height INTEGER,
            source_sha256   TEXT,                  -- of the image file's bytes
            dhash           TEXT,                  -- 64-bit dHash of the decoded image, 16 hex digits (--dedup near only)
            status          TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
            error           TEXT,                  -- one line, 'category: detail'
            shard           TEXT REFERENCES shards(name)
        );
        CREATE INDEX IF NOT EXISTS samples_by_status ON samples(status);
        CREATE INDEX IF NOT EXISTS samples_by_sha256 ON samples(source_sha256);
        CREATE INDEX IF NOT EXISTS samples_by_shard ON samples(shard);
        CREATE TABLE IF NOT EXISTS members (
            key    TEXT NOT NULL,                  -- samples.key
            member TEXT NOT NULL,                  -- jpg, txt, json, depth.png, ...
            shard  TEXT NOT NULL REFERENCES shards(name),
            offset INTEGER NOT NULL,               -- byte offset of the member's data in the tar
            size   INTEGER NOT NULL,
            PRIMARY KEY (key, member)
        );
        CREATE INDEX IF NOT EXISTS members_by_shard ON members(shard, offset);
        CREATE TABLE IF NOT EXISTS stages (
            key        TEXT NOT NULL,              -- samples.key
            stage      TEXT NOT NULL,
            status     TEXT NOT NULL CHECK (status IN ('ok', 'skipped')),
            reason     TEXT,                       -- why it was skipped
            density    REAL NOT NULL,              -- fraction of non-zero pixels of the condition
            parameters TEXT NOT NULL,              -- JSON object, the stage's parameters
            PRIMARY KEY (key, stage)
        );
        CREATE TABLE IF NOT EXISTS runs (
            id             INTEGER PRIMARY KEY,
            fingerprint    TEXT NOT NULL,
            command        TEXT NOT NULL,          -- build, resume, retry-failed
            started_at     TEXT NOT NULL,          -- ISO 8601, UTC
            finished_at    TEXT,
            status         TEXT NOT NULL,          -- running, complete, interrupted, failed
            records_ok     INTEGER NOT NULL DEFAULT 0,
            records_failed INTEGER NOT NULL DEFAULT 0,
            seconds        REAL
        );
        """
}
