import BenefitTestSupport
import PostgresClient
import Testing

/// A migration, once released, keeps its text byte for byte: every database it
/// ran on recorded its checksum, and `db migrate` refuses a file whose text no
/// longer matches ("changed after it was applied"). A change, even to a comment,
/// goes in a new migration.
@Suite("Released migrations")
struct ReleasedMigrationsTests {
    /// The SHA-256 each released migration's text had when it was released, as
    /// `benefit.schema_migrations.checksum` records it. A new migration is added
    /// here once it is released.
    static let released: [Int: String] = [
        1: "1efd16421efef54d1f67eb3ee7d7102a6bf9aaf85e5f2e48a03327579073485a",
        2: "0c997e24e00d067331dbb86ee5eae8b4c7950fede39c17c3cf6c14717bb67753",
        3: "07b02f4f2644a47ee3c4a386190903371686f34913ce5714eb6bd59c13deb429",
        4: "e4a313a80c4942d241a845138f20e149e599a2efbb96a31cdba0c31984b3110a",
        5: "ef0460234e9913a6567b12dbe50b5c702be169c3730bdcad54b5790708989c72",
        6: "c77c1dbb50b88e4e94893f19e78837d269e80fd8ea55dadfce6cc9a9211844eb",
        7: "f45ae158a36a25321a9860507c0d62e4567a2ce4c1c730d207e52c3b7ce1bb09",
        8: "bd4157eb534ebfd69959b6a61f4a9c53d408f353528bd711c703c23f7316b479",
        9: "0692e68c6b05be8996fd13312bbed79838ba99a25e286ecd84b2360ccf5f7e88",
        10: "af494699705ae53e4e12f0d2a28927be2e6daac1a8686930e252e07d66f7d969",
        11: "86bae88067ff402fccf58bf8c6f807b62c99b71a1c64ff75074a25a081b8fa7f",
        12: "208d75d58e9fdde99b46a6e11db539b3eb14701c3280af930423e736bf144b59",
        13: "8038d53811a2b1f75d09dbd1034763dff8080cf8f4b42471aee3ca486156e63b",
        14: "e194fcaf697e2650c5d5b6304f3024c5ec3c530aec424c677fe673d5d7f6f5ce",
        15: "57566968414f7987ce718b795c748167cd4400b205d4ebcb727fea2a1a017142",
        16: "0dd302febd78aced038a2f1bdf6ce5408685936b6fc58178ca1d4929d6d4714f",
        17: "06c0876052e34b993c52c121e3d39b438e35a1b454af4202a815fd46363a4c02",
        18: "41beacef72b4591542a27cd14717f9680c294392359da237316fa7c4fecbb493",
        19: "405ce9db3c1c208e1242bfc06e90a850e18b13cd96a9acbd5de729f4b873e754",
        20: "cec88de285bb0dcb8b27c8444aaf909b1c33196b8561b97da05944f614cd10a4",
        21: "ccfbee931592be1864e78110eaa1a5e67aeb5a46b744defe59cc2ec2d2e0d071",
        22: "7464bae1f8719088997a5d5bdb998f1cdbf460e0ce4b434e755a1bd0d81a05be",
        23: "c9b19fb40cec1567c5a978e9ed8af77c4f955e47a4464a92b96f9e07bbf356b5",
        24: "7c407da4dc34747a94a9c306f96142a1f3f8ed812f193d3a233778a21d181c14",
        25: "13138d5d00809a5b6941d7a959a1311f27426e7addf73a8a279473dd486dbf4e",
        26: "4df81987f6415c876dd2b7c8e3d24a2af70ab2f9378c49ac344bc1145731060e",
        27: "c55b888603f63e10b924e06e0e803f4a7dae8631e3cd0772e23c116794a988c5",
        28: "33b099bee773b556498945e6fa2e6eebb86199bc950e979b1e9a8cf3114970be",
        29: "f1a8f602a19000e95517b91840aae9ad18ecd2dd3a357e846ddf486acca712a2",
        30: "ca5f6fe3a89146f351c5953bdfd7e153c927f0136d32fb18f2dd7271cc57ed46",
        31: "45f7eb3bdfe729bcc5aab54b1c67b854e95173f3be02097569b48cb5f4aa11d6",
        32: "5c8dbe771a5f38d3add28ef26784b4e1b224a8e8941ecdd03da098c113771017",
        33: "59feb5b62ed97f5a02284b480dedb039331927054ddf962883152f8699a7f01b",
        34: "f52b52fefbe992ba951df07516f572ca7c7480b524eaae85870b7636d5fd4de0",
        35: "723eddfdb09ebe97f07f6b48b6ae5715fc0c57ad933097e7dc4ea6db6f509b3e",
        36: "ca019c77c0b18043e6f4417100cad723261bb04b405f20c0e68283470d7f759f",
        37: "374c2fdfdaf3c6298f0b18f0fbdef8359c5486e92139a834ae1c32bde8031faa",
        38: "08d031e63f8a23b488388f4a02287809abb01520b0d293a495bdef6f00eaab10",
        39: "f2ecbf4430ea08a049809a65fc2975aea2f87887b6161553212e817a368b9fb5",
        40: "3992b7390efd9c6793553ca1bbb854ee2466f8a634229c13f17c03d1c792f126",
        41: "782651b781c5fce5ff007d7087be6c440d1fb77f5d70b0b2ec6b94a97a3f5feb",
        42: "bfef6fa481adee7a0827bcadf8a6da263cbb5825770a39dd2a48146d7698f1c2",
    ]

    @Test("a database migrated by this build records, for every released migration, the checksum it was released with")
    func releasedTextIsKept() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let recorded = try await pool.query("SELECT version, checksum FROM benefit.schema_migrations ORDER BY version")
                .decode((Int, String).self)
            let checksums = Dictionary(uniqueKeysWithValues: recorded)
            for (version, checksum) in Self.released.sorted(by: { $0.key < $1.key }) {
                #expect(checksums[version] == checksum, "migration \(version) differs from its released text: restore it and put the change in a new migration")
            }
        }
    }
}
