import ArgumentParser
import BenefitCore
import BenefitScheduler

@main
struct Benefit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benefit",
        abstract: "Schedule and run a trade union's recurring benefit programs on PostgreSQL.",
        discussion: """
            Campaigns (health checkups, seasonal relief, recuperation places) run as
            batches on a PostgreSQL-backed queue, claimed by worker daemons under
            leases and committed exactly once.

            Every command connects to --database-url, else $DATABASE_URL, else an
            embedded PostgreSQL it creates and starts under .benefit/pg (or
            $BENEFIT_HOME/pg; as root, under /var/lib/benefit/ when the postgres
            account cannot reach that folder).
            """,
        version: BenefitVersion.current,
        subcommands: [
            Database.self, Campaign.self, Members.self, Appointments.self, Places.self, Aid.self, Runs.self, Report.self, Jobs.self, Queues.self, StatusCommand.self, Audit.self, Users.self, WorkerCommand.self,
            SchedulerCommand.self, ServeCommand.self, DemoCommand.self, Bench.self,
        ]
    )
}
