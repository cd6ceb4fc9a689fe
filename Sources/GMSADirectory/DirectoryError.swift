/// A failure talking to a domain controller.
///
/// The message names the DC, what was being done, libldap's text and the server's diagnostic message
/// (e.g. "00002020: Operation unavailable without authentication"), and what to check.
public struct DirectoryError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The DC could not be reached or did not answer in time.
        case unavailable
        /// The SASL GSSAPI bind failed (Kerberos or authorization).
        case bindFailed
        /// The connection has no confidentiality layer strong enough to carry passwords.
        case insufficientSecurity
        /// A search failed.
        case searchFailed
        /// No domain controller could be found.
        case noDomainController
        /// The directory answered something unexpected.
        case unexpectedResponse
        /// The DC is read-only (an RODC): it holds no gMSA passwords.
        case readOnly
    }

    public let code: Code
    public let message: String
    /// libldap's result code, when there is one.
    public let resultCode: Int32?
    /// For "no domain controller could be used": each DC's own failure.
    public let failures: [DirectoryError]

    public init(_ code: Code, _ message: String, resultCode: Int32? = nil, failures: [DirectoryError] = []) {
        self.code = code
        self.message = message
        self.resultCode = resultCode
        self.failures = failures
    }

    /// Whether this, or one DC's failure in it, is a refused SASL GSSAPI bind.
    public var includesBindFailure: Bool {
        code == .bindFailed || failures.contains { $0.includesBindFailure }
    }

    public var description: String { message }
}
