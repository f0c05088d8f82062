/// The word lists synthetic rosters are drawn from: Chinese names and workplace union branches.
///
/// Surnames are in rough order of frequency, so drawing early indices more
/// often gives the familiar skew (many 王, 李, 张; few 覃 or 龚).
enum RosterNames {
    static let surnames: [String] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
        "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
        "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",
        "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦",
        "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵",
    ]

    /// Two-character surnames, rare enough to draw one in a hundred.
    static let compoundSurnames: [String] = ["欧阳", "司马", "诸葛", "上官", "东方", "慕容", "司徒", "皇甫"]

    static let femaleGiven: [String] = [
        "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "兰", "婷", "雪", "燕", "红", "梅", "琳", "洁",
        "慧", "颖", "晶", "欣", "倩", "佳", "玉", "萍", "丹", "玲", "桂", "凤", "琴", "蓉", "薇", "悦", "怡", "雯",
    ]

    static let maleGiven: [String] = [
        "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波",
        "宁", "建", "国", "志", "海", "峰", "浩", "宇", "俊", "凯", "林", "文", "东", "亮", "成", "永", "春", "荣",
    ]

    /// Districts of an imaginary city, the first part of a branch's name.
    static let districts: [String] = ["城东区", "城西区", "城南区", "城北区", "高新区", "经开区", "滨江区", "临港区", "北郊", "南郊"]

    /// Workplace name stems, the second part.
    static let stems: [String] = [
        "第一", "第二", "第三", "第四", "第五", "红星", "东方红", "前进", "新华", "光明",
        "胜利", "曙光", "长江", "黄河", "联合", "利民", "华丰", "永安", "新兴", "建设",
    ]

    /// Kinds of workplace, the last part, each with the mix of employment it has.
    static let kinds: [(name: String, workforce: Workforce)] = [
        ("机床厂", .industry), ("纺织厂", .industry), ("钢铁厂", .industry), ("汽车制造厂", .industry),
        ("电子厂", .industry), ("化工厂", .industry), ("食品厂", .industry), ("印刷厂", .industry),
        ("建筑工程公司", .construction), ("市政工程公司", .construction), ("路桥公司", .construction),
        ("公交公司", .publicService), ("环卫所", .publicService), ("人民医院", .publicService),
        ("中学", .publicService), ("小学", .publicService), ("供电所", .publicService), ("自来水厂", .publicService),
        ("邮政支局", .publicService), ("燃气公司", .publicService), ("地铁车辆段", .publicService),
        ("快递站", .logistics), ("外卖配送站", .logistics), ("物流园", .logistics), ("网约车服务站", .logistics),
        ("百货商场", .commerce), ("大酒店", .commerce), ("农贸市场", .commerce),
    ]

    /// How a kind of workplace employs people, which decides its members' employment types.
    enum Workforce {
        case industry, construction, publicService, logistics, commerce

        /// Per-mille shares of staff, migrant and gig workers among working-age members.
        var staffMigrantGig: (Int, Int, Int) {
            switch self {
            case .industry: (780, 190, 30)
            case .construction: (250, 700, 50)
            case .publicService: (940, 40, 20)
            case .logistics: (200, 200, 600)
            case .commerce: (600, 250, 150)
            }
        }
    }

    /// The biggest branches: the generator gives the first indices the most members,
    /// and a primary school with ten thousand members would look wrong. Each is in
    /// a fixed district (the units register of a generated roster gives it).
    static let largeWorkplaces: [(name: String, workforce: Workforce, district: String)] = [
        ("市第一机床厂", .industry, "城东区"), ("市公交集团", .publicService, "城西区"), ("红星钢铁集团", .industry, "临港区"),
        ("市第一人民医院", .publicService, "城南区"), ("东方汽车制造厂", .industry, "经开区"), ("市地铁运营公司", .publicService, "城北区"),
        ("长江纺织集团", .industry, "滨江区"), ("市环卫集团", .publicService, "城东区"), ("城南建筑工程集团", .construction, "城南区"),
        ("光明电子厂", .industry, "高新区"), ("市供电公司", .publicService, "城西区"), ("临港物流园", .logistics, "临港区"),
    ]

    /// The name of the branch at `index`, its kind of workforce and its district:
    /// every index gets a different, plausible name.
    ///
    /// After the large workplaces, indices are spread over the combinations of
    /// district, stem and kind by a fixed permutation, so neighbouring branches
    /// do not all share a district. Their names begin with their district.
    static func orgUnit(_ index: Int) -> (name: String, workforce: Workforce, district: String) {
        if index < largeWorkplaces.count { return largeWorkplaces[index] }
        let index = index - largeWorkplaces.count
        let combinations = districts.count * stems.count * kinds.count
        // 3571 is prime and divides none of 10, 20, 28: multiplying permutes 0..<combinations.
        let mixed = (index % combinations) * 3571 % combinations
        let kind = kinds[mixed % kinds.count]
        let stem = stems[(mixed / kinds.count) % stems.count]
        let district = districts[mixed / (kinds.count * stems.count)]
        let round = index / combinations
        let name = district + stem + kind.name + (round == 0 ? "" : "第\(round + 1)分部")
        return (name, kind.workforce, district)
    }
}
