/// Why a `msDS-ManagedPassword` value could not be parsed.
///
/// The message says what is wrong with the structure; it never contains password bytes. Callers that know
/// the account attach it with ``forAccount(_:)`` so the user sees which gMSA is affected.
public struct ManagedPasswordBlobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of malformed blob.
    public enum Code: String, Sendable, Equatable {
        case truncated
        case unsupportedVersion
        case lengthMismatch
        case offsetOutOfRange
        case offsetsOutOfOrder
        case missingTerminator
        case emptyPassword
        case intervalOutOfRange
    }

    public let code: Code
    public let message: String
    /// The gMSA whose blob this was, when known.
    public private(set) var account: String?

    public init(_ code: Code, _ message: String, account: String? = nil) {
        self.code = code
        self.message = message
        self.account = account
    }

    /// The same error, naming the account.
    public func forAccount(_ account: String) -> Self {
        var copy = self
        copy.account = account
        return copy
    }

    public var description: String {
        let subject = account.map { "msDS-ManagedPassword of \($0)" } ?? "msDS-ManagedPassword blob"
        return "malformed \(subject): \(message) (\(code.rawValue)); "
            + "check that the value is the raw attribute (binary or base64) and was read over a sealed connection"
    }
}
