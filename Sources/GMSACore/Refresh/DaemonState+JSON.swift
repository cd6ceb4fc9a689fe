import JSON

/// The state file's JSON: ``DaemonState`` to and from ``JSONValue``, in the layout gmsa-keytabd 0.2.0 wrote
/// with Foundation's `JSONEncoder`, so existing state files keep loading (and older versions can read ours).
///
/// Keys are the property names; times are ``UTCTimestamp`` strings; `retainedUntil` is a flat array of
/// alternating key version and time (how `JSONEncoder` wrote a dictionary with integer keys other than `Int`);
/// an absent optional is left out. Unknown keys are ignored; a property with a default value may be absent.
extension DaemonState {
    /// What is wrong in a state file, and where (`accounts["msa-web$"].nextFetch`).
    public struct FormatError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(json bytes: [UInt8]) throws(FormatError) {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw FormatError(message: "not JSON: \(error)")
        }
        guard let object = root.object else { throw FormatError(message: "not a JSON object") }
        let reader = StateJSONReader(object)
        self.init()
        version = try reader.require("version", reader.integer("version", as: Int.self))
        guard version == DaemonState.currentVersion else {
            throw FormatError(message: "version \(version) is not \(DaemonState.currentVersion)")
        }
        if let use = try reader.object("directory") {
            let nested = reader.nested("directory", use)
            directory = DirectoryUse(
                domainController: try nested.require("domainController", nested.string("domainController")),
                site: try nested.string("site"), siteSource: try nested.string("siteSource"),
                connected: try nested.require("connected", nested.timestamp("connected")))
        }
        for (name, value) in try reader.require("accounts", reader.object("accounts")) {
            guard let account = value.object else { throw StateJSONReader.failure(at: "accounts[\"\(name)\"]", "not an object") }
            accounts[name] = try AccountState(json: StateJSONReader(account, account: name))
        }
    }

    /// Pretty-printed, keys sorted, ending with a newline.
    public func json() -> [UInt8] {
        var root: [String: JSONValue] = [
            "version": .integer(version),
            "accounts": .object(accounts.mapValues { $0.jsonValue }),
        ]
        if let directory {
            var use: [String: JSONValue] = [
                "domainController": .string(directory.domainController), "connected": .timestamp(directory.connected),
            ]
            use["site"] = directory.site.map { .string($0) }
            use["siteSource"] = directory.siteSource.map { .string($0) }
            root["directory"] = .object(use)
        }
        return JSONValue.object(root).serialized()
    }
}

extension AccountState {
    init(json reader: StateJSONReader) throws(DaemonState.FormatError) {
        self.init(keytab: try reader.require("keytab", reader.string("keytab")))
        keyVersion = try reader.integer("keyVersion", as: UInt32.self)
        keytabKeyVersions = try reader.integers("keytabKeyVersions", as: UInt32.self) ?? []
        retainedUntil = try reader.retention("retainedUntil") ?? [:]
        passwordExpiry = try reader.timestamp("passwordExpiry")
        nextFetch = try reader.timestamp("nextFetch")
        nextProbe = try reader.timestamp("nextProbe")
        lastSuccess = try reader.timestamp("lastSuccess")
        lastAttempt = try reader.timestamp("lastAttempt")
        lastError = try reader.string("lastError")
        consecutiveFailures = try reader.integer("consecutiveFailures", as: Int.self) ?? 0
        servicePrincipalNames = try reader.strings("servicePrincipalNames") ?? []
        passwordLastSet = try reader.integer("passwordLastSet", as: Int64.self)
        membershipFingerprint = try reader.string("membershipFingerprint")
        if let fingerprint = try reader.object("keytabFingerprint") {
            keytabFingerprint = try KeytabFingerprint(json: reader.nested("keytabFingerprint", fingerprint))
        }
        keysFingerprint = try reader.string("keysFingerprint")
        objectGUID = try reader.string("objectGUID")
        disputedKeyVersion = try reader.integer("disputedKeyVersion", as: UInt32.self)
        disputedKeysFingerprint = try reader.string("disputedKeysFingerprint")
        if let cache = try reader.object("ticketCache") {
            ticketCache = try TicketCacheState(json: reader.nested("ticketCache", cache))
        }
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "keytab": .string(keytab),
            "keytabKeyVersions": .array(keytabKeyVersions.map { .integer($0) }),
            "retainedUntil": .array(
                retainedUntil.sorted { $0.key < $1.key }.flatMap { [JSONValue.integer($0.key), .timestamp($0.value)] }),
            "consecutiveFailures": .integer(consecutiveFailures),
            "servicePrincipalNames": .array(servicePrincipalNames.map { .string($0) }),
        ]
        object["keyVersion"] = keyVersion.map { .integer($0) }
        object["passwordExpiry"] = passwordExpiry.map(JSONValue.timestamp)
        object["nextFetch"] = nextFetch.map(JSONValue.timestamp)
        object["nextProbe"] = nextProbe.map(JSONValue.timestamp)
        object["lastSuccess"] = lastSuccess.map(JSONValue.timestamp)
        object["lastAttempt"] = lastAttempt.map(JSONValue.timestamp)
        object["lastError"] = lastError.map { .string($0) }
        object["passwordLastSet"] = passwordLastSet.map { .integer($0) }
        object["membershipFingerprint"] = membershipFingerprint.map { .string($0) }
        object["keytabFingerprint"] = keytabFingerprint.map { $0.jsonValue }
        object["keysFingerprint"] = keysFingerprint.map { .string($0) }
        object["objectGUID"] = objectGUID.map { .string($0) }
        object["disputedKeyVersion"] = disputedKeyVersion.map { .integer($0) }
        object["disputedKeysFingerprint"] = disputedKeysFingerprint.map { .string($0) }
        object["ticketCache"] = ticketCache.map { $0.jsonValue }
        return .object(object)
    }
}

extension TicketCacheState {
    init(json reader: StateJSONReader) throws(DaemonState.FormatError) {
        self.init(keyVersion: try reader.integer("keyVersion", as: UInt32.self))
        consecutiveFailures = try reader.integer("consecutiveFailures", as: Int.self) ?? 0
        retryAt = try reader.timestamp("retryAt")
        lastError = try reader.string("lastError")
        withheld = try reader.string("withheld")
        path = try reader.string("path")
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["consecutiveFailures": .integer(consecutiveFailures)]
        object["keyVersion"] = keyVersion.map { .integer($0) }
        object["retryAt"] = retryAt.map(JSONValue.timestamp)
        object["lastError"] = lastError.map { .string($0) }
        object["withheld"] = withheld.map { .string($0) }
        object["path"] = path.map { .string($0) }
        return .object(object)
    }
}

extension KeytabFingerprint {
    init(json reader: StateJSONReader) throws(DaemonState.FormatError) {
        self.init(
            device: try reader.require("device", reader.integer("device", as: UInt64.self)),
            inode: try reader.require("inode", reader.integer("inode", as: UInt64.self)),
            size: try reader.require("size", reader.integer("size", as: Int64.self)),
            modifiedSeconds: try reader.require("modifiedSeconds", reader.integer("modifiedSeconds", as: Int64.self)),
            modifiedNanoseconds: try reader.require("modifiedNanoseconds", reader.integer("modifiedNanoseconds", as: Int64.self)),
            owner: try reader.require("owner", reader.integer("owner", as: UInt32.self)),
            group: try reader.require("group", reader.integer("group", as: UInt32.self)),
            mode: try reader.require("mode", reader.integer("mode", as: UInt32.self)),
            changedSeconds: try reader.integer("changedSeconds", as: Int64.self),
            changedNanoseconds: try reader.integer("changedNanoseconds", as: Int64.self))
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "device": .integer(device), "inode": .integer(inode), "size": .integer(size),
            "modifiedSeconds": .integer(modifiedSeconds), "modifiedNanoseconds": .integer(modifiedNanoseconds),
            "owner": .integer(owner), "group": .integer(group), "mode": .integer(mode),
        ]
        object["changedSeconds"] = changedSeconds.map { .integer($0) }
        object["changedNanoseconds"] = changedNanoseconds.map { .integer($0) }
        return .object(object)
    }
}

extension JSONValue {
    /// A time in the state file: a ``UTCTimestamp`` string.
    static func timestamp(_ time: Timestamp) -> JSONValue {
        .string(UTCTimestamp.format(time))
    }
}

/// Typed reads of one object of the state file's JSON, naming what is wrong and where in every error.
///
/// Each read is `nil` when the key is absent or `null`, and an error when the value is of another kind. The
/// place (`accounts["msa-web$"].keytabFingerprint`) is only spelled out for an error.
struct StateJSONReader {
    let object: [String: JSONValue]
    /// The account whose object this is (or whose object holds it), `nil` at the top level.
    let account: String?
    /// The key of this object in the account's object, for nested objects.
    let key: String?

    init(_ object: [String: JSONValue]) {
        self.object = object
        self.account = nil
        self.key = nil
    }

    init(_ object: [String: JSONValue], account: String) {
        self.object = object
        self.account = account
        self.key = nil
    }

    private init(_ object: [String: JSONValue], account: String?, key: String) {
        self.object = object
        self.account = account
        self.key = key
    }

    /// The reader of the object `value` found at `key` in this one.
    func nested(_ key: String, _ value: [String: JSONValue]) -> StateJSONReader {
        StateJSONReader(value, account: account, key: key)
    }

    /// `value`, or an error that `key` is missing.
    func require<T>(_ key: String, _ value: T?) throws(DaemonState.FormatError) -> T {
        guard let value else { throw failure(key, "missing") }
        return value
    }

    func string(_ key: String) throws(DaemonState.FormatError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { throw failure(key, "not a string") }
        return text
    }

    func integer<T: FixedWidthInteger>(_ key: String, as type: T.Type) throws(DaemonState.FormatError) -> T? {
        guard let value = present(key) else { return nil }
        guard let integer = value.integer(as: type) else { throw failure(key, "not an integer from \(T.min) to \(T.max)") }
        return integer
    }

    func timestamp(_ key: String) throws(DaemonState.FormatError) -> Timestamp? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value, let time = UTCTimestamp.parse(text) else {
            throw failure(key, "not a UTC time (YYYY-MM-DDTHH:MM:SSZ)")
        }
        return time
    }

    func object(_ key: String) throws(DaemonState.FormatError) -> [String: JSONValue]? {
        guard let value = present(key) else { return nil }
        guard case .object(let members) = value else { throw failure(key, "not an object") }
        return members
    }

    func integers<T: FixedWidthInteger>(_ key: String, as type: T.Type) throws(DaemonState.FormatError) -> [T]? {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else { throw failure(key, "not an array of integers from \(T.min) to \(T.max)") }
        var integers: [T] = []
        integers.reserveCapacity(elements.count)
        for element in elements {
            guard let integer = element.integer(as: type) else {
                throw failure(key, "not an array of integers from \(T.min) to \(T.max)")
            }
            integers.append(integer)
        }
        return integers
    }

    func strings(_ key: String) throws(DaemonState.FormatError) -> [String]? {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else { throw failure(key, "not an array of strings") }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let text) = element else { throw failure(key, "not an array of strings") }
            strings.append(text)
        }
        return strings
    }

    /// `[kvno, "time", kvno, "time", …]`, each key version once.
    func retention(_ key: String) throws(DaemonState.FormatError) -> [UInt32: Timestamp]? {
        guard let value = present(key) else { return nil }
        let problem = "not an array of alternating key versions and UTC times, each version once"
        guard case .array(let elements) = value, elements.count % 2 == 0 else { throw failure(key, problem) }
        var retention: [UInt32: Timestamp] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let kvno = elements[index].integer(as: UInt32.self),
                case .string(let text) = elements[index + 1], let time = UTCTimestamp.parse(text),
                retention.updateValue(time, forKey: kvno) == nil
            else { throw failure(key, problem) }
        }
        return retention
    }

    /// The value at `key`, `nil` when absent or `null`.
    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// An error at `key` of this object.
    func failure(_ key: String, _ problem: String) -> DaemonState.FormatError {
        var location: [String] = []
        if let account { location.append("accounts[\"\(account)\"]") }
        if let nested = self.key { location.append(nested) }
        location.append(key)
        return Self.failure(at: location.joined(separator: "."), problem)
    }

    static func failure(at location: String, _ problem: String) -> DaemonState.FormatError {
        DaemonState.FormatError(message: location.isEmpty ? problem : "\(location): \(problem)")
    }
}
