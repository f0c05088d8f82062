import BenefitTools
import Testing

@Suite("Embedded cluster settings")
struct EmbeddedSettingsTests {
    @Test("shared_buffers is a quarter of the machine's memory, from 128 MB to 4 GB", arguments: [
        (UInt64(256) << 20, 128), (UInt64(2) << 30, 512), (UInt64(8) << 30, 2048), (UInt64(16) << 30, 4096), (UInt64(64) << 30, 4096),
    ])
    func sharedBuffersFollowMemory(memory: UInt64, megabytes: Int) {
        let settings = EmbeddedSettings(physicalMemory: memory)
        #expect(settings.sharedBuffersMB == megabytes)
        #expect(settings.configuration.contains("\nshared_buffers = \(megabytes)MB\n"))
    }

    @Test("the block keeps the server on loopback only and leaves commits durable")
    func loopbackAndDurable() {
        let text = EmbeddedSettings().configuration
        #expect(text.contains("listen_addresses = '127.0.0.1'\n") && text.contains("unix_socket_directories = ''\n"))
        for setting in ["fsync", "synchronous_commit", "full_page_writes", "wal_level"] {
            #expect(!text.contains(setting), "\(setting) stays PostgreSQL's default")
        }
    }
}
