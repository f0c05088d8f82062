import BenefitTools
import Testing

/// Plain-text tables line up in a terminal, whatever script their cells are in.
@Suite("Text tables")
struct TextTableTests {
    @Test("Chinese characters take two columns, combining marks none, the rest one")
    func displayWidth() {
        #expect(DisplayWidth.of("沙家浜") == 6)
        #expect(DisplayWidth.of("市第一人民医院 A1") == 17)
        #expect(DisplayWidth.of("ＡＢ") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("winter-warmth") == 13)
        #expect(DisplayWidth.padded("尚湖", to: 6) == "尚湖  ")
        #expect(DisplayWidth.padded("沙家浜", to: 2) == "沙家浜")
    }

    @Test("each column starts at the same terminal column on every line, with Chinese cells in it")
    func columnsLineUp() {
        let table = TextTable.render(
            header: ["SITE", "START", "PLACES"],
            rows: [["沙家浜", "2027-04-06", "40"], ["尚湖", "2027-05-11", "30"], ["Lakeside", "2027-06-01", "5"]])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        // The second column begins after the widest first cell (Lakeside, 8) and two spaces, on every line.
        for line in lines {
            let second = line.range(of: "2027") ?? line.range(of: "START")!
            #expect(DisplayWidth.of(String(line[..<second.lowerBound])) == 10, "\(line)")
        }
    }
}
