import ArgumentParser
import BenefitScheduler
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput against a real PostgreSQL and print the figures.",
        subcommands: [Client.self]
    )

    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "client",
            abstract: "Time COPY and single-row inserts (autocommit, one transaction, pipelined).",
            discussion: "Works in a temporary table: nothing is left behind.")

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Single-row inserts per mode.")
        var inserts = 10_000

        @Option(help: "Rows loaded by COPY.")
        var copyRows = 100_000

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        func validate() throws {
            guard inserts > 0, copyRows > 0 else { throw ValidationError("--inserts and --copy-rows must be positive") }
        }

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            let db = try await PostgresConnection.connect(to: configuration, logger: logger)
            var benchmark = ClientBenchmark()
            benchmark.inserts = inserts
            benchmark.copyRows = copyRows
            let report = try await benchmark.run(on: db)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print("what                       rows      seconds    rows/s")
            for figure in report.figures {
                print(
                    figure.name.padding(toLength: 25, withPad: " ", startingAt: 0),
                    String(figure.rows).leftPadded(8),
                    String(format: "%10.3f", figure.seconds),
                    String(format: "%9.0f", figure.rowsPerSecond))
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
