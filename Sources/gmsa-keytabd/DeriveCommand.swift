import ArgumentParser
import GMSACore
import GMSAKerberos

/// `gmsa-keytabd derive`: turn a saved blob into a keytab, offline.
struct DeriveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive",
        abstract: "Write a keytab from a saved msDS-ManagedPassword value, without contacting a DC.",
        discussion: """
            The blob may be raw bytes, base64, or ldapsearch's LDIF output ("msDS-ManagedPassword:: ..."). \
            The keytab gets the current password at --kvno and, when the blob has one, the previous password at \
            kvno-1, for NAME$@REALM and every --spn, for each encryption type. Nothing secret is printed.

            Exit status: 0 written or already current, 64 usage, 65 malformed blob, 66 unreadable input, \
            73 keytab not written, 70 libkrb5 failure.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The saved msDS-ManagedPassword value ('-' for standard input).", valueName: "file"))
    var blob: String

    @Option(name: .long, help: ArgumentHelp("The gMSA's sAMAccountName, e.g. msa-web$.", valueName: "name$"))
    var account: String

    @Option(name: .long, help: ArgumentHelp("The Kerberos realm (the domain's DNS name), e.g. COMPANY.TEST.", valueName: "realm"))
    var realm: String

    @Option(name: .long, help: ArgumentHelp("The account's msDS-KeyVersionNumber for the current password.", valueName: "kvno"))
    var kvno: UInt32

    @Option(name: .long, help: ArgumentHelp("Where to write the keytab.", valueName: "path"))
    var keytab: String

    @Option(name: .long, help: ArgumentHelp("A service principal name to add, e.g. HTTP/web.company.test (repeatable).", valueName: "spn"))
    var spn: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Encryption types, comma-separated: aes256, aes128, rc4 (default: all three).", valueName: "list"))
    var enctypes: String?

    @Option(name: .long, help: ArgumentHelp("Octal permission bits of the keytab.", valueName: "mode"))
    var mode: String = "0600"

    @Option(name: .long, help: ArgumentHelp("Owner of the keytab (user name or uid).", valueName: "user"))
    var owner: String?

    @Option(name: .long, help: ArgumentHelp("Group of the keytab (group name or gid).", valueName: "group"))
    var group: String?

    func validate() throws {
        guard KeytabLayout.validKeyVersions.contains(kvno) else {
            throw ValidationError(
                "--kvno must be between \(KeytabLayout.validKeyVersions.lowerBound) and \(KeytabLayout.validKeyVersions.upperBound) "
                    + "(msDS-KeyVersionNumber starts at 1)")
        }
        guard FileOwnership.mode(mode) != nil else { throw ValidationError("--mode '\(mode)' is not an octal mode such as 0600") }
        guard !realm.isEmpty, !realm.contains("@") else { throw ValidationError("--realm '\(realm)' is not a realm name") }
        do {
            _ = try ServiceAccountName(account)
            if let enctypes { _ = try EncryptionType.parseList(enctypes) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let accountName = try ServiceAccountName(account)
        // The input, the decoded blob and the passwords are SecretBytes (zeroed when released); no Data,
        // String or array copy of them is made.
        let input: SecretBytes
        do {
            input = try SecretInput.read(blob)
        } catch {
            fail("cannot read the blob file \(blob): \(error.message)", .noInput)
        }
        let parsed: ManagedPasswordBlob
        do {
            parsed = try ManagedPasswordBlob(parsing: try ManagedPasswordAttribute.decode(input))
        } catch let error as ManagedPasswordBlobError {
            fail("\(error.forAccount(accountName.samAccountName)) (read from \(blob))", .dataError)
        } catch {
            fail("cannot decode the blob in \(blob) for \(accountName): \(error)", .dataError)
        }

        let types = try enctypes.map(EncryptionType.parseList) ?? EncryptionType.defaultSet
        let layout = KeytabLayout(
            account: accountName,
            realm: realm,
            servicePrincipalNames: spn,
            keyVersions: KeytabLayout.keyVersions(from: parsed, currentKeyVersion: kvno),
            encryptionTypes: types)
        var options = KeytabFileOptions(mode: FileOwnership.mode(mode) ?? 0o600)
        do {
            options.owner = try owner.map(FileOwnership.userID)
            options.group = try group.map(FileOwnership.groupID)
        } catch {
            fail("\(error)", .cannotCreate)
        }

        do throws(KerberosError) {
            let context = try KerberosContext()
            let entries = try context.entries(for: layout)
            let outcome = try KeytabWriter(context: context).write(entries, to: keytab, options: options)
            let kvnos = layout.keyVersions.map { String($0.number) }.joined(separator: ", ")
            let verb = outcome == .written ? "wrote" : "unchanged"
            print(
                "\(verb) \(keytab): \(accountName), \(layout.principals.count) principal(s) × kvno \(kvnos) × "
                    + "\(types.map(\.name).joined(separator: ",")) = \(entries.count) entries")
        } catch {
            switch error.code {
            case .library: fail("\(accountName): \(error)", .softwareError)
            default: fail("\(accountName): \(error)", .cannotCreate)
            }
        }
    }

    private func fail(_ message: String, _ code: ExitCode) -> Never {
        exitWithError(message, code)
    }
}
