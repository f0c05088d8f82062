import BenefitQueue
import Testing

@Suite("Worker and scheduler names")
struct WorkerNameTests {
    @Test("a name an operator gives is 1 to 200 characters PostgreSQL can store", arguments: [
        ("host-a-1", nil),
        (String(repeating: "工", count: 200), nil),
        (String(repeating: "工", count: 201), "201 characters, more than the 200 allowed"),
        ("  ", "empty"),
        ("a\u{0}", "contains U+0000 (NUL), which PostgreSQL cannot store in text"),
    ])
    func nameRules(name: String, problem: String?) {
        #expect(WorkerIdentity.nameProblem(name) == problem)
    }
}
