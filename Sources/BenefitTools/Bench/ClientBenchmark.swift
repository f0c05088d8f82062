import BenefitCore
import Foundation
import PostgresClient

/// Measures the client's bulk paths against a real server: COPY, and single-row
/// inserts in autocommit, in one transaction, and pipelined.
///
/// Works in a temporary table, so it leaves nothing behind.
public struct ClientBenchmark: Sendable {
    /// Single-row inserts per mode. Default 10,000.
    public var inserts = 10_000
    /// Rows loaded by COPY. Default 100,000.
    public var copyRows = 100_000

    public init() {}

    /// The figures, in seconds and rows per second, with the server and machine they came from.
    public struct Report: Sendable, Codable {
        public struct Figure: Sendable, Codable {
            public let name: String
            public let rows: Int
            public let seconds: Double
            public var rowsPerSecond: Double { Double(rows) / seconds }
        }
        public var serverVersion: String
        public var machine: BenchMachine
        public var figures: [Figure] = []
    }

    public func run(on connection: PostgresConnection) async throws -> Report {
        try await connection.query("""
            CREATE TEMP TABLE bench_effects (id bigint PRIMARY KEY, member_id text NOT NULL, amount numeric(12,2) NOT NULL)
            """)
        var report = Report(serverVersion: try await connection.query("SHOW server_version").single(String.self), machine: .current())
        let inserts = self.inserts

        report.figures.append(try await measure("COPY", rows: copyRows, on: connection) { connection in
            try await connection.copyIn("COPY bench_effects (id, member_id, amount) FROM STDIN") { writer in
                for id in 0..<copyRows { try writer.appendRow(id, "M-\(id)", Decimal(id % 2000)) }
            }
        })
        report.figures.append(try await measure("insert, autocommit", rows: inserts, on: connection) { connection in
            for id in 0..<inserts { try await connection.query(Self.insert(id)) }
        })
        report.figures.append(try await measure("insert, one transaction", rows: inserts, on: connection) { connection in
            try await connection.transaction { tx in
                for id in 0..<inserts { try await tx.query(Self.insert(id)) }
            }
        })
        report.figures.append(try await measure("insert, pipelined", rows: inserts, on: connection) { connection in
            _ = try await connection.pipeline((0..<inserts).map(Self.insert))
        })
        try await connection.query("DROP TABLE bench_effects")
        return report
    }

    private static func insert(_ id: Int) -> PostgresQuery {
        "INSERT INTO bench_effects (id, member_id, amount) VALUES (\(id), \("M-\(id)"), \(Decimal(id % 2000)))"
    }

    private func measure(
        _ name: String, rows: Int, on connection: PostgresConnection,
        _ body: (PostgresConnection) async throws -> Void
    ) async throws -> Report.Figure {
        try await connection.query("TRUNCATE bench_effects")
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { try await body(connection) }
        return Report.Figure(name: name, rows: rows, seconds: elapsed.seconds)
    }
}
