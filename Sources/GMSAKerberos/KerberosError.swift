import CKrb5

/// A failure reported by libkrb5, by GnuTLS's key derivation, or by the keytab file handling around it.
///
/// The message says what was being done, for which account or file, the library's own text, and what
/// to check. It never contains key material.
public struct KerberosError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// libkrb5 returned this error code.
        case library(Int32)
        /// GnuTLS (AES string-to-key) returned this error code.
        case crypto(Int32)
        /// A system call failed with this errno.
        case system(Int32)
        /// The target path is a symbolic link, a directory or another non-regular file.
        case unsafePath
        /// A principal name, owner or other argument is not usable.
        case invalidArgument
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether no KDC of the realm answered (any other request to it now would wait as long, and fail too).
    public var isKDCUnreachable: Bool { code == .library(krb5_error_code(KRB5_KDC_UNREACH)) }
}
