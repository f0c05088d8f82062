/// Every label the console shows, in both languages. A page's template reads
/// them as `{{t.key}}`; a key missing from one language fails the test that
/// checks the table (ConsoleStringsTests), not a page at run time.
enum Strings {
    static let table: [String: (zh: String, en: String)] = [
        "console": ("工会福利调度台", "Benefit Scheduler console"),
        "overview": ("总览", "Overview"),
        "campaigns": ("活动", "Campaigns"),
        "runs": ("运行", "Runs"),
        "jobs": ("任务", "Jobs"),
        "audit": ("操作记录", "Audit trail"),
        "switchLanguage": ("English", "中文"),
        "processes": ("进程", "Processes"),
        "leader": ("主调度器", "Leader"),
        "noLeader": ("无", "none"),
        "host": ("主机", "Host"),
        "role": ("角色", "Role"),
        "name": ("名称", "Name"),
        "state": ("状态", "State"),
        "queues": ("队列", "Queues"),
        "queue": ("队列", "Queue"),
        "slots": ("并发", "Slots"),
        "version": ("版本", "Version"),
        "lastHeartbeat": ("上次心跳", "Last heartbeat"),
        "ago": ("前", " ago"),
        "due": ("待处理", "Due"),
        "scheduled": ("定时", "Scheduled"),
        "running": ("运行中", "Running"),
        "dead24h": ("24小时内失败", "Dead (24 h)"),
        "oldestWait": ("最久等待", "Oldest wait"),
        "runsInProgress": ("进行中的运行", "Runs in progress"),
        "run": ("运行", "Run"),
        "campaign": ("活动", "Campaign"),
        "program": ("项目", "Program"),
        "phase": ("阶段", "Phase"),
        "progress": ("进度", "Progress"),
        "batches": ("批次", "Batches"),
        "members": ("会员", "Members"),
        "rate": ("速度", "Rate"),
        "perSecond": ("人/秒", "/s"),
        "deadJobs": ("24小时内失败的任务", "Dead jobs in the last 24 hours"),
        "warnings": ("警告", "Warnings"),
        "none": ("无", "None"),
        "noProcesses": ("最近一天没有进程登记", "No process has registered in the last day"),
        "noQueues": ("没有待处理、运行中或最近失败的任务", "No job is due, scheduled, running or recently dead"),
        "phase_queued": ("排队等待上一次运行结束", "queued behind an earlier run"),
        "phase_waiting_to_plan": ("等待工作进程规划", "waiting for a worker to plan it"),
        "phase_planning": ("规划中", "planning"),
        "phase_running": ("运行中", "running"),
        "state_running": ("运行中", "running"),
        "state_draining": ("停止中", "draining"),
        "state_stopped": ("已停止", "stopped"),
        "state_gone": ("失联", "gone"),
        "role_worker": ("工作进程", "worker"),
        "role_scheduler": ("调度器", "scheduler"),
        "role_console": ("控制台", "console"),
        "live": ("实时更新", "Live"),
        "signIn": ("登录", "Sign in"),
        "history": ("历史", "History"),
        "runsPerDay": ("近30天每天的运行次数", "Runs per day, last 30 days"),
        "moneyPerCycle": ("各活动每期发放金额", "Money granted per campaign and cycle"),
        "noHistory": ("暂无记录", "Nothing yet"),
        "signOut": ("退出", "Sign out"),
        "userName": ("用户名", "User name"),
        "password": ("密码", "Password"),
        "role_viewer": ("查看者", "viewer"),
        "role_operator": ("操作员", "operator"),
        "problem_form": ("表单已过期，请重新登录", "The form expired: sign in again"),
        "problem_refused": ("用户名或密码不正确", "Wrong user name or password"),
        "problem_limited": ("失败次数过多，请稍后再试", "Too many failed attempts: try again later"),
    ]

    /// Every label in `language`, keyed for templates (`{{t.overview}}`).
    static func labels(_ language: Language) -> [String: String] {
        table.mapValues { language == .zh ? $0.zh : $0.en }
    }

    static func label(_ key: String, _ language: Language) -> String {
        guard let entry = table[key] else { return key }
        return language == .zh ? entry.zh : entry.en
    }
}
