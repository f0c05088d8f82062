import BenefitScheduler
import BenefitTestSupport
import Foundation
import Testing

@Suite("Campaign files read together")
struct CampaignFilesTests {
    static func write(_ text: String, named name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("every problem of every file, in file order: unreadable files, each file's own, a name defined twice at its line")
    func everyProblemOfEveryFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaign-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Self.write(CampaignText.yaml(name: "twice", program: "synthetic", parameters: "{ members: 5 }"), named: "a.yaml", in: directory)
        let missing = directory.appendingPathComponent("missing.yaml").path
        let second = try Self.write(
            "# the same campaign again\n" + CampaignText.yaml(name: "twice", program: "synthetic", parameters: "{ members: 6 }"),
            named: "b.yaml", in: directory)
        let bad = try Self.write(CampaignText.yaml(name: "bad", program: "synthetic", batchSize: 0, parameters: "{ members: 5 }"), named: "c.yaml", in: directory)

        let error = #expect(throws: CampaignFileError.self) {
            try CampaignFiles.read([first, missing, second, bad], validators: RunFixtures.programs.validators)
        }
        #expect(error?.problems.map(\.description) == [
            "\(missing): cannot read: No such file or directory",
            "\(second):2: name: campaign twice is also defined in \(first)",
            "\(bad):10: execution.batchSize: 0 is out of range: members per batch must be from 1 to 100000",
        ])
    }

    @Test("good files give their sources, in the order given")
    func goodFilesInOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("campaign-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try ["b", "a"].map {
            try Self.write(CampaignText.yaml(name: $0, program: "synthetic", parameters: "{ members: 5 }"), named: "\($0).yaml", in: directory)
        }
        let sources = try CampaignFiles.read(paths, validators: RunFixtures.programs.validators)
        #expect(sources.map(\.definition.name) == ["b", "a"])
        #expect(sources.map(\.fileName) == paths)
    }
}
