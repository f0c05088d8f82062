import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import Testing

/// `members generate --out FILE`: the roster file is made new and renamed into
/// place, and a path another user could have planted is refused, not written through.
@Suite("Roster file")
struct RosterFileTests {
    enum Planted: String, CaseIterable, Sendable {
        case linkToAFile, anotherAccountsFile
    }

    @Test("a roster path that is a link or another account's file is refused in one line naming it, and left as it was",
          .enabled(if: getuid() == 0, "other users' files need root"), arguments: Planted.allCases)
    func plantedPathIsRefused(planted: Planted) async throws {
        try await ScratchFolder.with(mode: 0o1777) { scratch in
            let path = scratch.appendingPathComponent("roster.csv").path
            let target = scratch.appendingPathComponent("target").path
            try Data("the target's own words\n".utf8).write(to: URL(fileURLWithPath: target))
            switch planted {
            case .linkToAFile: try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
            case .anotherAccountsFile: try await OtherAccount.run("printf 'their rows' > '\(path)'")
            }
            let before = (PathInfo(path), PathInfo(target))

            let error = try #require(throws: RosterWriteError.self) {
                try RosterGenerator.writeCSV(count: 10, seed: 1, asOf: RosterGeneratorTests.asOf, toFile: path)
            }
            #expect(error.description.contains(path) && !error.description.contains("\n"), "\(error)")
            #expect((PathInfo(path), PathInfo(target)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["roster.csv", "target"])
        }
    }

    @Test("a roster replaces the caller's own file whole, leaving no partial file beside it")
    func ownFileIsReplaced() async throws {
        try await ScratchFolder.with(mode: 0o755) { scratch in
            let path = scratch.appendingPathComponent("roster.csv").path
            try Data("an older roster\n".utf8).write(to: URL(fileURLWithPath: path))
            try RosterGenerator.writeCSV(count: 1_000, seed: 3, asOf: RosterGeneratorTests.asOf, toFile: path)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == RosterGeneratorTests.csv(count: 1_000, seed: 3))
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["roster.csv"])
        }
    }
}
