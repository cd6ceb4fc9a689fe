/// Why a DC's answer to an LDAP ping could not be used.
///
/// The message describes the structure that was wrong (an offset, a tag, a length); the answer holds no
/// secret, but it is not echoed either.
public struct LDAPPingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The datagram is not a well-formed LDAP message (BER).
        case malformedMessage
        /// The messages answer another request (message id).
        case wrongMessage
        /// The DC answered with an LDAP error, or without a `Netlogon` value.
        case noNetlogon
        /// The `Netlogon` value is not a well-formed `NETLOGON_SAM_LOGON_RESPONSE_EX`.
        case malformedNetlogon
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (\(code.rawValue))" }
}
