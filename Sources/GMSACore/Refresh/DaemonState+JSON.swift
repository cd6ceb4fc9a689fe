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
        let reader = StateJSONReader(path: "")
        self.init()
        version = try reader.require(object, "version", StateJSONReader.integer(Int.self))
        guard version == DaemonState.currentVersion else {
            throw FormatError(message: "version \(version) is not \(DaemonState.currentVersion)")
        }
        for (name, value) in try reader.require(object, "accounts", StateJSONReader.object) {
            accounts[name] = try AccountState(json: value, reader: StateJSONReader(path: "accounts[\"\(name)\"]"))
        }
    }

    /// Pretty-printed, keys sorted, ending with a newline.
    public func json() -> [UInt8] {
        JSONValue.object([
            "version": .integer(version),
            "accounts": .object(accounts.mapValues { $0.jsonValue }),
        ]).serialized()
    }
}

extension AccountState {
    init(json value: JSONValue, reader: StateJSONReader) throws(DaemonState.FormatError) {
        guard let object = value.object else { throw reader.failure(nil, "not an object") }
        let timestamp = StateJSONReader.timestamp
        self.init(keytab: try reader.require(object, "keytab", StateJSONReader.string))
        keyVersion = try reader.read(object, "keyVersion", StateJSONReader.integer(UInt32.self))
        keytabKeyVersions = try reader.read(object, "keytabKeyVersions", StateJSONReader.integers(UInt32.self)) ?? []
        retainedUntil = try reader.read(object, "retainedUntil", StateJSONReader.retention) ?? [:]
        passwordExpiry = try reader.read(object, "passwordExpiry", timestamp)
        nextFetch = try reader.read(object, "nextFetch", timestamp)
        nextProbe = try reader.read(object, "nextProbe", timestamp)
        lastSuccess = try reader.read(object, "lastSuccess", timestamp)
        lastAttempt = try reader.read(object, "lastAttempt", timestamp)
        lastError = try reader.read(object, "lastError", StateJSONReader.string)
        consecutiveFailures = try reader.read(object, "consecutiveFailures", StateJSONReader.integer(Int.self)) ?? 0
        servicePrincipalNames = try reader.read(object, "servicePrincipalNames", StateJSONReader.strings) ?? []
        passwordLastSet = try reader.read(object, "passwordLastSet", StateJSONReader.integer(Int64.self))
        membershipFingerprint = try reader.read(object, "membershipFingerprint", StateJSONReader.string)
        if let fingerprint = try reader.read(object, "keytabFingerprint", StateJSONReader.object) {
            keytabFingerprint = try KeytabFingerprint(json: fingerprint, reader: reader.nested("keytabFingerprint"))
        }
        keysFingerprint = try reader.read(object, "keysFingerprint", StateJSONReader.string)
    }

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "keytab": .string(keytab),
            "keytabKeyVersions": .array(keytabKeyVersions.map { .integer($0) }),
            "retainedUntil": .array(
                retainedUntil.sorted { $0.key < $1.key }.flatMap { [JSONValue.integer($0.key), .string(UTCTimestamp.format($0.value))] }),
            "consecutiveFailures": .integer(consecutiveFailures),
            "servicePrincipalNames": .array(servicePrincipalNames.map { .string($0) }),
        ]
        object["keyVersion"] = keyVersion.map { .integer($0) }
        object["passwordExpiry"] = passwordExpiry.map { .string(UTCTimestamp.format($0)) }
        object["nextFetch"] = nextFetch.map { .string(UTCTimestamp.format($0)) }
        object["nextProbe"] = nextProbe.map { .string(UTCTimestamp.format($0)) }
        object["lastSuccess"] = lastSuccess.map { .string(UTCTimestamp.format($0)) }
        object["lastAttempt"] = lastAttempt.map { .string(UTCTimestamp.format($0)) }
        object["lastError"] = lastError.map { .string($0) }
        object["passwordLastSet"] = passwordLastSet.map { .integer($0) }
        object["membershipFingerprint"] = membershipFingerprint.map { .string($0) }
        object["keytabFingerprint"] = keytabFingerprint.map { $0.jsonValue }
        object["keysFingerprint"] = keysFingerprint.map { .string($0) }
        return .object(object)
    }
}

extension KeytabFingerprint {
    init(json object: [String: JSONValue], reader: StateJSONReader) throws(DaemonState.FormatError) {
        self.init(
            device: try reader.require(object, "device", StateJSONReader.integer(UInt64.self)),
            inode: try reader.require(object, "inode", StateJSONReader.integer(UInt64.self)),
            size: try reader.require(object, "size", StateJSONReader.integer(Int64.self)),
            modifiedSeconds: try reader.require(object, "modifiedSeconds", StateJSONReader.integer(Int64.self)),
            modifiedNanoseconds: try reader.require(object, "modifiedNanoseconds", StateJSONReader.integer(Int64.self)),
            owner: try reader.require(object, "owner", StateJSONReader.integer(UInt32.self)),
            group: try reader.require(object, "group", StateJSONReader.integer(UInt32.self)),
            mode: try reader.require(object, "mode", StateJSONReader.integer(UInt32.self)))
    }

    var jsonValue: JSONValue {
        .object([
            "device": .integer(device), "inode": .integer(inode), "size": .integer(size),
            "modifiedSeconds": .integer(modifiedSeconds), "modifiedNanoseconds": .integer(modifiedNanoseconds),
            "owner": .integer(owner), "group": .integer(group), "mode": .integer(mode),
        ])
    }
}

/// Typed reads from the state file's JSON, naming what is wrong and where in every error.
struct StateJSONReader {
    /// A conversion of a JSON value, `nil` when it is not what is expected, and what was expected.
    struct Conversion<T> {
        let convert: (JSONValue) -> T?
        let expected: String
    }

    /// Where the object being read is, e.g. `accounts["msa-web$"]`; empty for the top level.
    let path: String

    func nested(_ key: String) -> StateJSONReader {
        StateJSONReader(path: path.isEmpty ? key : "\(path).\(key)")
    }

    func failure(_ key: String?, _ problem: String) -> DaemonState.FormatError {
        let location = [path, key ?? ""].filter { !$0.isEmpty }.joined(separator: ".")
        return DaemonState.FormatError(message: location.isEmpty ? problem : "\(location): \(problem)")
    }

    /// `object[key]` converted; `nil` when absent or null.
    func read<T>(_ object: [String: JSONValue], _ key: String, _ conversion: Conversion<T>) throws(DaemonState.FormatError) -> T? {
        guard let value = object[key], value != .null else { return nil }
        guard let converted = conversion.convert(value) else { throw failure(key, "not \(conversion.expected)") }
        return converted
    }

    func require<T>(_ object: [String: JSONValue], _ key: String, _ conversion: Conversion<T>) throws(DaemonState.FormatError) -> T {
        guard let value = try read(object, key, conversion) else { throw failure(key, "missing") }
        return value
    }

    static var string: Conversion<String> { Conversion(convert: \.string, expected: "a string") }
    static var object: Conversion<[String: JSONValue]> { Conversion(convert: \.object, expected: "an object") }

    static func integer<T: FixedWidthInteger>(_ type: T.Type) -> Conversion<T> {
        Conversion(convert: { $0.integer(as: type) }, expected: "an integer from \(T.min) to \(T.max)")
    }

    static func integers<T: FixedWidthInteger>(_ type: T.Type) -> Conversion<[T]> {
        Conversion(
            convert: { value in
                guard let array = value.array else { return nil }
                let integers = array.compactMap { $0.integer(as: type) }
                return integers.count == array.count ? integers : nil
            }, expected: "an array of integers from \(T.min) to \(T.max)")
    }

    static var strings: Conversion<[String]> {
        Conversion(
        convert: { value in
            guard let array = value.array else { return nil }
            let strings = array.compactMap(\.string)
            return strings.count == array.count ? strings : nil
        }, expected: "an array of strings")
    }

    static var timestamp: Conversion<Timestamp> {
        Conversion(convert: { $0.string.flatMap(UTCTimestamp.parse) }, expected: "a UTC time (YYYY-MM-DDTHH:MM:SSZ)")
    }

    /// `[kvno, "time", kvno, "time", …]`, each key version once.
    static var retention: Conversion<[UInt32: Timestamp]> {
        Conversion(
        convert: { value in
            guard let elements = value.array, elements.count % 2 == 0 else { return nil }
            var retention: [UInt32: Timestamp] = [:]
            for index in stride(from: 0, to: elements.count, by: 2) {
                guard let kvno = elements[index].integer(as: UInt32.self),
                    let time = elements[index + 1].string.flatMap(UTCTimestamp.parse),
                    retention.updateValue(time, forKey: kvno) == nil
                else { return nil }
            }
            return retention
        }, expected: "an array of alternating key versions and UTC times, each version once")
    }
}
