import BenefitWorkers
import Foundation
import Hummingbird

/// `/members`: look a member up by id. `/members/:id`: the member's file
/// (一户一档): everything the union's programs did for them, in time order.
/// A member's personal data (name, gender, birth date, employment, hardship
/// tier) is shown to operators only; a viewer sees the id, the org unit and
/// what was done.
enum MembersPage {
    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/members") { request, context in
            if let id = request.uri.queryParameters.get("id")?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
                return Response.redirect(to: ConsolePaths.member(id), type: .found)
            }
            return console.assets.page(
                "members", title: Strings.label("memberFiles", context.language), context: context, path: "/members", model: [:])
        }
        router.get("/members/:id") { request, context in
            let language = context.language
            let id = try ConsolePaths.parameter("id", of: context)
            guard let file = try await MemberFile.read(id, on: console.pool) else {
                return console.assets.notFound(Strings.label("noSuchMember", language) + id, context: context, path: request.uri.path)
            }
            return console.assets.page(
                "member", title: Strings.label("memberFile", language) + " " + id, context: context, path: "/members",
                model: model(file, showPersonalData: context.session?.user.role.canAct == true, language))
        }
    }

    static func model(_ file: MemberFile, showPersonalData: Bool, _ language: Language) -> [String: Any] {
        let member = file.member
        var model: [String: Any] = [
            "memberID": member.memberID, "orgUnit": member.orgUnit, "showPersonalData": showPersonalData,
            "hasEntries": !file.entries.isEmpty,
            "entries": file.entries.map { entry -> [String: Any] in
                [
                    "at": language.dateTime(entry.at), "kind": Strings.label("entry_" + entry.kind.rawValue, language),
                    "kindKey": entry.kind.rawValue, "hasCampaign": entry.campaign != nil, "campaign": entry.campaign ?? "",
                    "campaignPath": entry.campaign.map(ConsolePaths.campaign) ?? "", "cycle": entry.cycle ?? "",
                    "hasRun": entry.runID != nil, "run": entry.runID.map(String.init) ?? "", "detail": entry.detail,
                    "amount": entry.amount.map { language.money($0) } ?? "",
                ]
            },
            "status": member.left.map { Strings.label("memberLeft", language) + " " + $0.on.description + " · " + $0.reason }
                ?? Strings.label("memberActive", language),
            "granted": language.money(file.entries.compactMap(\.amount).reduce(0, +)),
        ]
        if showPersonalData {
            model["name"] = member.name
            model["gender"] = member.gender
            model["birthDate"] = member.birthDate
            model["employment"] = member.employment
            model["hardshipTier"] = member.hardshipTier.map(String.init) ?? "—"
        }
        return model
    }
}
