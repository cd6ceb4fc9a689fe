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
    }

    public let code: Code
    public let message: String
    /// libldap's result code, when there is one.
    public let resultCode: Int32?

    public init(_ code: Code, _ message: String, resultCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.resultCode = resultCode
    }

    public var description: String { message }
}
