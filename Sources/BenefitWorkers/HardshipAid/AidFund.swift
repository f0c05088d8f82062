import Foundation
import PostgresClient

/// Hardship-aid funds (爱心互助基金): donations in, awards out.
///
/// A fund's balance is a row the database keeps from its deposits and
/// payments, with CHECK (balance >= 0): no command and no concurrency can take
/// it below zero (migrations/0022_hardship_aid.sql).
public enum AidFund {
    /// One fund's figures.
    public struct Balance: Sendable, Hashable, Codable {
        public let fund: String
        public let deposited: Decimal
        public let paid: Decimal
        public let balance: Decimal
        public let updatedAt: Date
    }

    /// Credits `fund` (opening it on its first deposit) and returns its new balance;
    /// audited as `aid.deposit` in the same transaction.
    public static func deposit(
        _ amount: Decimal, into fund: String, source: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> Decimal {
        try await AidApplications.refusalsWorded {
            try await pool.transaction { connection in
                let balance: Decimal = try await connection.query(AidFundQueries.deposit(amount, into: fund, source: source, by: operatorName))
                    .single(Decimal.self)
                return balance
            }
        }
    }

    /// Every fund, by name (`benefit.aid_funds`).
    public static func balances(on pool: PostgresPool) async throws -> [Balance] {
        try await pool.query(AidFundQueries.balances)
            .decode((String, Decimal, Decimal, Decimal, Date).self)
            .map { Balance(fund: $0.0, deposited: $0.1, paid: $0.2, balance: $0.3, updatedAt: $0.4) }
    }
}

/// The statements on funds: deposits go through the database's function, which
/// audits them; balances are read from the administrators' view.
enum AidFundQueries {
    /// Run by `aid fund deposit`: returns the fund's new balance.
    static func deposit(_ amount: Decimal, into fund: String, source: String, by operatorName: String) -> PostgresQuery {
        "SELECT benefit.aid_deposit(\(fund), \(amount)::numeric, \(source), \(operatorName))"
    }

    /// Run by `aid fund show`: every fund, by name.
    static let balances: PostgresQuery = "SELECT fund, deposited, paid, balance, updated_at FROM benefit.aid_funds ORDER BY fund"
}
