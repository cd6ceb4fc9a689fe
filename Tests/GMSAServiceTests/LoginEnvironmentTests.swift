import GMSAService
import Testing

/// The command's environment as `runuser -u USER --` (util-linux 2.38) sets it, plus the cache.
@Suite struct LoginEnvironmentTests {
    let app = LocalUser(name: "app", uid: 1001, gid: 1001, groups: [1001, 27], home: "/home/app", shell: "/bin/bash")
    let root = LocalUser(name: "root", uid: 0, gid: 0, groups: [0], home: "/root", shell: "/bin/bash")
    let caller = [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME=/root", "SHELL=/bin/zsh", "USER=root", "LOGNAME=root",
        "TERM=xterm", "LANG=C.UTF-8", "KRB5CCNAME=FILE:/tmp/krb5cc_0", "KRB5_CONFIG=/etc/krb5.conf",
    ]

    @Test func anotherUserGetsHomeUserLognameAndTheCacheAndKeepsTheRest() {
        let environment = LoginEnvironment.build(inherited: caller, user: app, ticketCache: "/run/gmsa-keytabd/run-as.app.x/ccache")
        #expect(
            environment == [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "HOME=/home/app", "SHELL=/bin/zsh", "USER=app",
                "LOGNAME=app", "TERM=xterm", "LANG=C.UTF-8", "KRB5CCNAME=FILE:/run/gmsa-keytabd/run-as.app.x/ccache",
                "KRB5_CONFIG=/etc/krb5.conf",
            ])
    }

    @Test func rootKeepsUserAndLognameAsRunuserDoes() {
        let environment = LoginEnvironment.build(
            inherited: ["USER=someone", "LOGNAME=someone", "HOME=/home/someone"], user: root, ticketCache: "/tmp/c")
        #expect(environment == ["USER=someone", "LOGNAME=someone", "HOME=/root", "KRB5CCNAME=FILE:/tmp/c"])
    }

    @Test func absentNamesAreAddedAndDuplicatesGo() {
        let environment = LoginEnvironment.build(inherited: ["HOME=/a", "X=1", "HOME=/b"], user: app, ticketCache: "/tmp/c")
        #expect(environment == ["HOME=/home/app", "X=1", "USER=app", "LOGNAME=app", "KRB5CCNAME=FILE:/tmp/c"])
        #expect(LoginEnvironment.keepingCaller(inherited: ["A=1"], ticketCache: "/tmp/c") == ["A=1", "KRB5CCNAME=FILE:/tmp/c"])
    }

    @Test func alwaysSetPathInLoginDefsSetsThePath() {
        let definitions = "# comment\nALWAYS_SET_PATH yes\nENV_SUPATH\tPATH=/usr/sbin:/usr/bin\nENV_PATH PATH=/usr/bin:/bin\n"
        let user = LoginEnvironment.build(inherited: ["PATH=/x"], user: app, ticketCache: "/c", loginDefinitions: definitions)
        #expect(user.first == "PATH=/usr/bin:/bin")
        let superuser = LoginEnvironment.build(inherited: ["PATH=/x"], user: root, ticketCache: "/c", loginDefinitions: definitions)
        #expect(superuser.first == "PATH=/usr/sbin:/usr/bin")
        // Debian's default login.defs names ENV_PATH but not ALWAYS_SET_PATH: the PATH stays.
        let debian = LoginEnvironment.build(
            inherited: ["PATH=/x"], user: app, ticketCache: "/c", loginDefinitions: "ENV_PATH PATH=/usr/bin:/bin\n")
        #expect(debian.first == "PATH=/x")
        let defaults = LoginEnvironment.build(inherited: [], user: app, ticketCache: "/c", loginDefinitions: "ALWAYS_SET_PATH yes\n")
        #expect(defaults.contains("PATH=/usr/local/bin:/bin:/usr/bin"))
    }

    @Test func aLocalUserIsLookedUpWithItsGroups() throws {
        let user = try LocalUser.named("root")
        #expect(user.uid == 0 && user.gid == 0 && user.groups.contains(0) && user.home == "/root")
        #expect(throws: LocalUser.LookupError.self) { try LocalUser.named("no-such-user-gmsa") }
    }
}
