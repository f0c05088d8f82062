import ArgumentParser
import BenefitCore
import BenefitWorkers
import Foundation
import PostgresClient

struct Members: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import the member roster, record members who leave, show a member's file, or generate a roster.",
        discussion: "The roster format and membership status are described in docs/programs.md (Member roster).",
        subcommands: [Import.self, Units.self, Leave.self, Show.self, Generate.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add and update members from a roster CSV file, all in one transaction.",
            discussion: """
                The file starts with the header:

                \(RosterColumn.header)

                Members in the file are added, or updated where a field differs; members
                exactly as on the roster are not rewritten. A member in the file who had
                left is back (re-joined, counted as updated). Members missing from the file
                are left alone: an import never deletes anyone.

                With --complete the file is the whole roster: every active member missing
                from it leaves, as of today, with reason `absent` (their history stays; they
                drop out of every program's later runs). If more than --max-leaving-share of
                the active members would leave, the file is taken for the wrong one and
                refused whole. Try it first with --dry-run, which prints how many would leave:

                  benefit members import roster-2027.csv --complete --dry-run
                  benefit members import roster-2027.csv --complete

                All or nothing: if any record is bad, the first 50 problems are listed
                (FILE:LINE: COLUMN: what is wrong) with a count of the rest, and nothing is
                written.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The roster file (CSV, UTF-8).")
        var file: String

        @Flag(help: "Check the file and count what would change, without writing anything.")
        var dryRun = false

        @Flag(help: "The file is the whole roster: active members missing from it leave (reason absent).")
        var complete = false

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "With --complete: refuse the file if more than this share of active members would leave. (default: 10%)",
                valueName: "percent"),
            transform: OptionValues.percent)
        var maxLeavingShare: Double?

        func validate() throws {
            if !complete, maxLeavingShare != nil {
                throw ValidationError("--max-leaving-share applies only with --complete")
            }
        }

        func run() async throws {
            let summary: RosterImport.Summary
            do {
                // The header is checked before finding the database, which may mean starting the embedded one.
                _ = try RosterReader(path: file, today: .today())
                let (database, logger) = try await connection.configuration(label: "benefit.members")
                let pool = PostgresPool(configuration: database, maxConnections: 1, logger: logger)
                let whole = complete ? CompleteRoster(maxLeavingPercent: maxLeavingShare ?? CompleteRoster.defaultMaxLeavingPercent) : nil
                summary = try await RosterImport.run(path: file, dryRun: dryRun, complete: whole, by: OperatorIdentity.current, on: pool)
            } catch let error as RosterError {
                printToStandardError(error.problemLines)
                throw CommandFailure(error.summary)
            }
            let members = "\(summary.total) member\(summary.total == 1 ? "" : "s")"
            if let left = summary.left {
                print("\(file): \(left) \(dryRun ? "would leave" : "left") (absent from the complete roster)")
            }
            if summary.rejoined > 0 {
                print("\(file): \(summary.rejoined) who had left \(dryRun ? "would re-join" : "re-joined") (counted as updated)")
            }
            if dryRun {
                print("\(file): \(summary.added) would be added, \(summary.updated) would be updated, \(summary.unchanged) unchanged (\(members)); nothing was written (dry run)")
            } else {
                print("\(file): \(summary.added) added, \(summary.updated) updated, \(summary.unchanged) unchanged (\(members))")
            }
        }
    }

    struct Units: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the org units register: which district each org unit is in.",
            discussion: """
                The file starts with the header:

                \(OrgUnitRegister.header)

                Units in the file are added, or their district changed; units missing from
                the file are left alone. Job-fair campaigns invite members to the fairs of
                their org unit's district; members of a unit not in the register are
                waitlisted. `benefit members generate --units-out FILE` writes the register
                of a generated roster.

                All or nothing: if any record is bad, the first 50 problems are listed
                (FILE:LINE: COLUMN: what is wrong) with a count of the rest, and nothing is
                written. Recorded in the audit trail (roster.units).

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The register file (CSV, UTF-8).")
        var file: String

        func run() async throws {
            let summary: OrgUnitRegister.Summary
            do {
                // The file is checked before finding the database, which may mean starting the embedded one.
                _ = try OrgUnitRegister.read(path: file)
                let (database, logger) = try await connection.configuration(label: "benefit.members")
                let pool = PostgresPool(configuration: database, maxConnections: 1, logger: logger)
                summary = try await OrgUnitRegister.importFile(path: file, by: OperatorIdentity.current, on: pool)
            } catch let error as RosterError {
                printToStandardError(error.problemLines)
                throw CommandFailure(error.summary)
            }
            print("\(file): \(summary.added) added, \(summary.updated) updated, \(summary.unchanged) unchanged")
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a realistic synthetic roster (CSV), the same for the same seed.",
            discussion: """
                For demos and benchmarks: branches of very different sizes, ages 18 to 75 with
                retirees, staff, migrant and gig workers, hardship tiers, frontline and model
                workers, checkups and recuperation trips. The file imports as is.

                The output depends only on --count, --seed and --as-of.
                Example: benefit members generate --count 1000000 --seed 7 --out roster.csv
                """)

        @Option(parsing: .unconditional, help: "How many members.", transform: OptionValues.wholeNumber(0...50_000_000))
        var count: Int

        @Option(parsing: .unconditional, help: "Fixes the roster: the same seed gives the same file. (default: 1)", transform: OptionValues.seed)
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var out: String?

        @Option(help: ArgumentHelp(
            "Also write the roster's org units register (org_unit,district) to this file, for `members units`.",
            valueName: "file"))
        var unitsOut: String?

        @Option(help: ArgumentHelp(
            "The day the roster describes: ages and dates are relative to it (default: 1 January of this year).",
            valueName: "YYYY-MM-DD"))
        var asOf: String?

        func validate() throws {
            if let asOf {
                guard let date = CalendarDate(asOf) else { throw ValidationError("--as-of: \"\(asOf)\" is not a date (YYYY-MM-DD)") }
                let range = RosterGenerator.asOfRange
                guard range.contains(date) else { throw ValidationError("--as-of must be between \(range.lowerBound) and today") }
            }
        }

        func run() throws {
            let day = asOf.flatMap(CalendarDate.init) ?? RosterGenerator.defaultAsOf
            if let unitsOut {
                do {
                    try OrgUnitRegister.writeGenerated(count: count, toFile: unitsOut)
                } catch {
                    throw CommandFailure(error.description)
                }
                // The roster may go to standard output: the note goes to standard error.
                printToStandardError(["wrote the org units register to \(unitsOut)"])
            }
            guard let out else {
                return try RosterGenerator.writeCSV(count: count, seed: seed, asOf: day, to: .standardOutput)
            }
            do {
                try RosterGenerator.writeCSV(count: count, seed: seed, asOf: day, toFile: out)
            } catch {
                throw CommandFailure(error.description)
            }
            print("wrote \(count) members to \(out) (seed \(seed), as of \(day))")
        }
    }
}
