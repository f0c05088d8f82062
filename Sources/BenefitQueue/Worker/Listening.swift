import PostgresClient

extension Worker {
    /// Where a worker LISTENs for new jobs. Polling every `pollInterval` goes on
    /// whatever is chosen: it finds what no notification announced.
    public enum Listening: Sendable {
        /// On a connection of its own to the pool's database: right when the pool
        /// connects to PostgreSQL directly.
        case poolDatabase
        /// On a connection of its own to this database, which must reach
        /// PostgreSQL directly: for a pool that goes through a transaction pooler,
        /// where LISTEN does not work (`--listen-url`).
        case database(PostgresConfiguration)
        /// Not at all: polling only (a pool through a transaction pooler, and no
        /// direct connection given).
        case off
    }
}
