/// The environment of a command started by `run-as`: the caller's, changed as `runuser -u USER --` changes it,
/// plus the ticket cache.
///
/// What util-linux's runuser (2.38, Debian 12; su-common.c, no login shell) does: `HOME` becomes the user's home
/// directory; `USER` and `LOGNAME` the user's name unless the user is root (then they stay as they were);
/// `SHELL` and everything else stay; `PATH` stays unless /etc/login.defs says `ALWAYS_SET_PATH yes`, then it is
/// `ENV_PATH` (`ENV_SUPATH` for root) with its defaults. `KRB5CCNAME` names the private cache.
public enum LoginEnvironment {
    /// `inherited` (`NAME=value` strings, in order) changed for `user`; `loginDefinitions` is the text of
    /// /etc/login.defs (empty when it is absent).
    public static func build(
        inherited: [String], user: LocalUser, ticketCache: String, loginDefinitions: String = ""
    ) -> [String] {
        var changes: [(String, String)] = [("HOME", user.home)]
        if user.uid != 0 {
            changes += [("USER", user.name), ("LOGNAME", user.name)]
        }
        if let path = alwaysSetPath(loginDefinitions, root: user.uid == 0) {
            changes.append(("PATH", path))
        }
        changes.append(("KRB5CCNAME", "FILE:" + ticketCache))
        return setting(changes, in: inherited)
    }

    /// The caller's environment with only the ticket cache set: a command run as root (no `--user`).
    public static func keepingCaller(inherited: [String], ticketCache: String) -> [String] {
        setting([("KRB5CCNAME", "FILE:" + ticketCache)], in: inherited)
    }

    /// `environment` with each `(name, value)` replacing the entry of that name in place, or appended.
    static func setting(_ changes: [(String, String)], in environment: [String]) -> [String] {
        var result = environment
        for (name, value) in changes {
            let prefix = name + "="
            guard let index = result.firstIndex(where: { $0.hasPrefix(prefix) }) else {
                result.append(prefix + value)
                continue
            }
            // A name given twice: the first entry is the one getenv finds; the others go.
            result = result.indices.filter { $0 == index || !result[$0].hasPrefix(prefix) }.map { result[$0] }
            result[index] = prefix + value
        }
        return result
    }

    /// The `PATH` that login.defs imposes, or `nil` when it does not (`ALWAYS_SET_PATH` absent or not `yes`).
    static func alwaysSetPath(_ loginDefinitions: String, root: Bool) -> String? {
        var values: [String: String] = [:]
        for line in loginDefinitions.split(whereSeparator: { $0 == "\n" }) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, !words[0].hasPrefix("#") else { continue }
            values[String(words[0])] = String(words[1])
        }
        guard values["ALWAYS_SET_PATH"]?.lowercased() == "yes" else { return nil }
        let value =
            root
            ? values["ENV_SUPATH"] ?? "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin"
            : values["ENV_PATH"] ?? "PATH=/usr/local/bin:/bin:/usr/bin"
        return value.hasPrefix("PATH=") ? String(value.dropFirst(5)) : value
    }
}
