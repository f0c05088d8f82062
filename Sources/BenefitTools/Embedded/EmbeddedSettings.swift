import Foundation

/// The server settings a new embedded cluster gets, beyond PostgreSQL's defaults.
///
/// The defaults suit a small machine and small writes. A run at a city's scale
/// writes millions of effect rows, each with its index entries and the row
/// locks of its foreign keys, in a few minutes, and with the defaults the
/// server spends most of that time on full-page images: a checkpoint every
/// gigabyte of WAL, after which every index page a batch touches is written
/// whole again. Measured on the health checkup over 4,300,000 members
/// (BENCHMARKS.md): 8.7 KB of WAL per member and 293 s with the defaults,
/// 741 B and 181 s with these. Commits stay durable (`fsync` and
/// `synchronous_commit` are untouched).
///
/// - `shared_buffers`: a quarter of the machine's memory, from 128 MB to 4 GB;
///   the roster and the effects' indexes then stay in the server's cache.
/// - `max_wal_size` 8 GB and `checkpoint_timeout` 30 min: checkpoints come at
///   most every few gigabytes of WAL, so full-page images are rare. The WAL
///   folder can grow that far during a big run, and a crash replays up to it.
/// - `wal_compression = lz4`: the full-page images that remain are compressed.
///
/// An operator's own PostgreSQL is theirs to tune; docs/operations.md gives the
/// same advice.
public struct EmbeddedSettings: Sendable, Equatable {
    /// `shared_buffers`, in megabytes.
    public let sharedBuffersMB: Int

    public init(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) {
        let quarter = Int(physicalMemory / 4 / (1 << 20))
        sharedBuffersMB = min(max(quarter, 128), 4096)
    }

    /// The block appended to a new cluster's `postgresql.conf`.
    public var configuration: String {
        """

        # benefit embedded cluster
        listen_addresses = '127.0.0.1'
        unix_socket_directories = ''
        max_connections = 200
        # Sized for runs over millions of members (Sources/BenefitTools/Embedded/EmbeddedSettings.swift)
        shared_buffers = \(sharedBuffersMB)MB
        max_wal_size = 8GB
        checkpoint_timeout = 30min
        wal_compression = lz4

        """
    }
}
