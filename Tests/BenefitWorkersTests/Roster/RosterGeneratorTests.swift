import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import Testing

@Suite("Roster generator")
struct RosterGeneratorTests {
    static let asOf = CalendarDate(year: 2026, month: 1, day: 1)!

    /// A generated roster as the bytes `members generate` writes.
    static func csv(count: Int, seed: UInt64, asOf: CalendarDate = asOf) throws -> [UInt8] {
        final class Collected { var bytes: [UInt8] = [] }
        let collected = Collected()
        var writer = RosterCSVWriter { collected.bytes += $0 }
        for member in RosterGenerator(count: count, seed: seed, asOf: asOf) { try writer.write(member) }
        try writer.finish()
        return collected.bytes
    }

    @Test("the same seed gives byte-identical output, from the library and from the command; another seed a different roster")
    func deterministic() async throws {
        let first = try Self.csv(count: 20_000, seed: 7)
        #expect(try Self.csv(count: 20_000, seed: 7) == first)
        let other = try Self.csv(count: 20_000, seed: 8)
        #expect(other != first)
        #expect(other.count > 1_000_000 && first.count > 1_000_000)

        let arguments = ["members", "generate", "--count", "20000", "--seed", "7", "--as-of", "2026-01-01"]
        let run1 = try await BenefitProcess.run(arguments)
        let run2 = try await BenefitProcess.run(arguments)
        #expect(run1.exitCode == 0, "\(run1.standardError)")
        #expect(run1.standardOutput == run2.standardOutput)
        #expect(Array(run1.standardOutput.utf8) == first)
    }

    @Test("100,000 generated members all pass the importer's checks and have a roster's shape")
    func realisticAndValid() throws {
        let bytes = try Self.csv(count: 100_000, seed: 2027)
        var reader = try RosterReader(file: "generated.csv", today: Self.asOf) { CSVRecordReader(bytes: bytes) }
        var members: [Member] = []
        while let row = try reader.next() { members.append(row.member) }
        #expect(reader.problemCount == 0, "\(reader.problems.prefix(5))")
        #expect(members.count == 100_000)
        #expect(Set(members.map(\.memberID)).count == 100_000)

        func share(_ predicate: (Member) -> Bool) -> Double { Double(members.filter(predicate).count) / Double(members.count) }
        func age(_ member: Member) -> Int {
            let birth = member.birthDate
            return Self.asOf.year - birth.year - ((Self.asOf.month, Self.asOf.day) < (birth.month, birth.day) ? 1 : 0)
        }
        let ages = members.map(age)
        #expect(ages.min()! >= 18 && ages.max()! <= 75)
        let retirees = members.filter { $0.employment == .retired }
        #expect((0.15...0.25).contains(Double(retirees.count) / 100_000))
        #expect(Double(retirees.filter { age($0) >= 60 }.count) / Double(retirees.count) > 0.8)
        #expect((0.07...0.095).contains(share { $0.hardshipTier != nil }))
        let tiers = (1...3).map { tier in members.filter { $0.hardshipTier == tier }.count }
        #expect(tiers[2] > tiers[1] && tiers[1] > tiers[0])
        #expect((0.27...0.33).contains(share(\.frontline)))
        #expect((0.015...0.025).contains(share(\.modelWorker)))
        #expect((0.04...0.06).contains(share { $0.childCollegeYear != nil }))
        #expect(members.compactMap(\.childCollegeYear).allSatisfy { (2023...2026).contains($0) })
        #expect((0.2...0.4).contains(share { $0.lastCheckupDate == nil }))
        #expect((0.1...0.35).contains(share { $0.lastRecuperationYear != nil }))
        #expect(share { $0.employment == .migrant } > 0.05 && share { $0.employment == .gig } > 0.03)
        #expect((0.44...0.5).contains(share { $0.gender == .female }))

        // A few large branches, many small ones.
        let sizes = Dictionary(grouping: members, by: \.orgUnit).values.map(\.count).sorted(by: >)
        #expect(sizes.count > 300)
        #expect(sizes[0] > 5_000)
        #expect(sizes[sizes.count / 2] < 150)
    }
}
