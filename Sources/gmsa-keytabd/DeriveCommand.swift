import GMSACore
import GMSAKerberos

/// `gmsa-keytabd derive`: turn a saved blob into a keytab, offline.
struct DeriveCommand: Subcommand {
    static let spec = CommandSpec(
        name: "derive",
        abstract: "Write a keytab from a saved msDS-ManagedPassword value, without contacting a DC.",
        discussion: """
            The blob may be raw bytes, base64, or ldapsearch's LDIF output ("msDS-ManagedPassword:: ..."). \
            The keytab gets the current password at --kvno and, when the blob has one, the previous password at \
            kvno-1, for NAME$@REALM and every --spn, for each encryption type. Nothing secret is printed.

            Exit status: 0 written or already current, 64 usage, 65 malformed blob, 66 unreadable input, \
            73 keytab not written, 70 libkrb5 failure.
            """,
        options: [
            .init("blob", valueName: "file", help: "The saved msDS-ManagedPassword value ('-' for standard input).", isRequired: true),
            .init("account", valueName: "name$", help: "The gMSA's sAMAccountName, e.g. msa-web$.", isRequired: true),
            .init("realm", valueName: "realm", help: "The Kerberos realm (the domain's DNS name), e.g. COMPANY.TEST.", isRequired: true),
            .init("kvno", valueName: "kvno", help: "The account's msDS-KeyVersionNumber for the current password.", isRequired: true),
            .init("keytab", valueName: "path", help: "Where to write the keytab.", isRequired: true),
            .init("spn", valueName: "spn", help: "A service principal name to add, e.g. HTTP/web.company.test (repeatable).", isRepeatable: true),
            .init("enctypes", valueName: "list", help: "Encryption types, comma-separated: aes256, aes128, rc4 (default: all three)."),
            .init("mode", valueName: "mode", help: "Octal permission bits of the keytab.", defaultText: "0600"),
            .init("owner", valueName: "user", help: "Owner of the keytab (user name or uid)."),
            .init("group", valueName: "group", help: "Group of the keytab (group name or gid)."),
        ]
    )

    let blob: String
    let account: String
    let realm: String
    let kvno: UInt32
    let keytab: String
    let spn: [String]
    let enctypes: String?
    let mode: String
    let owner: String?
    let group: String?

    init(_ arguments: ParsedArguments) throws(UsageError) {
        blob = arguments.required("blob")
        account = arguments.required("account")
        realm = arguments.required("realm")
        kvno = try arguments.integer("kvno", as: UInt32.self) ?? 0
        keytab = arguments.required("keytab")
        spn = arguments.all("spn")
        enctypes = arguments.value("enctypes")
        mode = arguments.value("mode") ?? "0600"
        owner = arguments.value("owner")
        group = arguments.value("group")
        try validate()
    }

    private func validate() throws(UsageError) {
        guard KeytabLayout.validKeyVersions.contains(kvno) else {
            throw UsageError(
                "--kvno must be between \(KeytabLayout.validKeyVersions.lowerBound) and \(KeytabLayout.validKeyVersions.upperBound) "
                    + "(msDS-KeyVersionNumber starts at 1)")
        }
        guard FileOwnership.mode(mode) != nil else { throw UsageError("--mode '\(mode)' is not an octal mode such as 0600") }
        guard !realm.isEmpty, !realm.contains("@") else { throw UsageError("--realm '\(realm)' is not a realm name") }
        do {
            _ = try ServiceAccountName(account)
            if let enctypes { _ = try EncryptionType.parseList(enctypes) }
        } catch {
            throw UsageError("\(error)")
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
