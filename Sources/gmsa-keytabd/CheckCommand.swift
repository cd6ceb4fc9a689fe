import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSAService

/// `gmsa-keytabd check`: what an admin runs first. Writes nothing.
struct CheckCommand: Subcommand {
    static let spec = CommandSpec(
        name: "check",
        abstract: "Check the configuration, the host's credentials, the DCs and every account; write nothing.",
        discussion: """
            Prints, step by step: the configuration, the host principal and its Kerberos ticket, the domain \
            controllers and how they were found, the LDAP bind and its security strength, then per account: \
            readable or not, kvno, encryption types, SPNs, the next password change and whether the keytab is current.

            Exit status: 0 nothing to fix, 1 an account or keytab needs attention, 69 no domain controller could \
            be used, 78 configuration error.
            """,
        options: [.config]
    )

    let options: ConfigurationOptions

    init(_ arguments: ParsedArguments) {
        options = ConfigurationOptions(arguments)
    }

    func run() throws {
        let configuration = options.load()
        let discovery = configuration.discovery == nil ? "off" : "on"
        print("configuration: \(options.config): valid (\(configuration.accounts.count) configured account(s), discovery \(discovery))")
        print("realm: \(configuration.domain.realm)")

        let context: KerberosContext
        do {
            context = try KerberosContext()
        } catch {
            exitWithError(error.message, .softwareError)
        }
        let source =
            configuration.domain.servers.isEmpty
            ? "DNS SRV \(DomainControllerLocator.serviceName(domain: configuration.domain.dnsName))" : "[domain] servers"
        let domain: DomainConnection
        do {
            domain = try DomainConnection.open(configuration: configuration, context: context, statistics: DirectoryStatistics())
        } catch {
            print("domain: FAILED: \(error.message)")
            throw ExitCode.unavailable
        }
        let hosts = domain.credentials.serviceTicketHosts
        let ticket = hosts.isEmpty ? "TGT" : "LDAP ticket for \(hosts.joined(separator: ", "))"
        print("host: \(domain.credentials.principal) from \(configuration.host.keytab): \(ticket) valid until \(Self.format(epochSeconds: domain.credentials.expiry))")
        print("domain controllers: \(domain.session.candidates.map(\.description).joined(separator: ", ")) (from \(source))")
        print("dc order: \(domain.session.choice.summary)")
        if let readOnly = domain.session.readOnlySummary { print("dc order: \(readOnly)") }
        let connection = domain.session.connection
        print("ldap: bound to \(connection.server) with SASL GSSAPI, security strength \(connection.securityStrength); naming context \(domain.session.namingContext)")

        let inspections: [AccountInspector.Inspection]
        let unreadable: [ManagedAccount]
        do {
            (inspections, unreadable) = try AccountInspector(configuration: configuration, context: context)
                .inspect(domain.directory, hostPrincipal: domain.credentials.principal)
        } catch {
            print("accounts: FAILED: \(error.message)")
            throw ExitCode.unavailable
        }
        var problems = 0
        print("accounts:")
        if inspections.isEmpty {
            print("  none: add [[account]] blocks or enable [discovery]")
            problems += 1
        }
        for inspection in inspections {
            let report = inspection.report
            guard report.isHealthy else {
                problems += 1
                print("  " + report.line)
                continue
            }
            let account = inspection.account
            let typesSource = account?.supportedEncryptionTypes.map { "msDS-SupportedEncryptionTypes 0x\(String($0, radix: 16))" } ?? "msDS-SupportedEncryptionTypes not set"
            let spns = account?.servicePrincipalNames ?? []
            let keytabState: String
            switch inspection.keytabState {
            case .current: keytabState = "current"
            case .outdated:
                keytabState = "OUTDATED (run gmsa-keytabd sync)"
                problems += 1
            case .missing:
                keytabState = "MISSING (run gmsa-keytabd sync)"
                problems += 1
            case .notApplicable: keytabState = "-"
            }
            let next = report.nextPasswordChange.map {
                "\(Self.format(epochSeconds: Int64(Timestamp.now.timeIntervalSince1970) + $0.components.seconds)) (in \(AccountReport.format($0)))"
            } ?? "unknown"
            print("  \(report.account): readable")
            print("    kvno: \(account?.keyVersion.map(String.init) ?? "?") (keytab would hold \(report.keyVersions.map(String.init).joined(separator: ", ")))")
            print("    enctypes: \(report.encryptionTypes.map(\.name).joined(separator: ", ")) (\(typesSource))")
            // A warning, not a problem of this host: the exit status stays 0 for it.
            if let warning = report.rc4Warning { print("    WARNING: \(warning.detail)") }
            print("    SPNs: \(spns.isEmpty ? "none" : spns.joined(separator: ", "))")
            print("    next password change: \(next)")
            if configuration.keytabIsPrivate(for: report.account) {
                print("    keys: \(report.keytab) (root's alone, for the ticket cache): \(keytabState)")
            } else {
                print("    keytab: \(report.keytab): \(keytabState)")
            }
            if let settings = configuration.ticketCache(for: report.account) {
                let state = StateStore(path: configuration.daemon.stateFile).load().0[report.account]
                let summary = TicketCacheSummary.lines(
                    settings, account: report.account, realm: configuration.domain.realm, keyVersion: account?.keyVersion,
                    cache: state?.ticketCache, context: context, indent: "    ", now: .now)
                summary.lines.forEach { print($0) }
                if !summary.healthy { problems += 1 }
            }
        }
        for account in unreadable {
            print("  \(account.name): not readable by this host (discovery leaves it alone)")
        }
        let caches = inspections.compactMap { configuration.ticketCache(for: $0.report.account)?.path }
        problems += Self.checkSandbox(keytabs: inspections.map(\.report.keytab), caches: caches)
        print(problems == 0 ? "result: OK" : "result: \(problems) problem(s) to fix")
        if problems > 0 { throw ExitCode.failure }
    }

    /// Prints whether the installed unit may write every keytab's and ticket cache's directory; returns the
    /// number of problems.
    static func checkSandbox(keytabs: [String], caches: [String] = []) -> Int {
        guard let sandbox = ServiceSandbox.installed() else {
            print("systemd unit: \(ServiceSandbox.unit) not loaded (keytab and cache directories not checked against its sandbox)")
            return 0
        }
        let report = sandbox.report(keytabs: keytabs, caches: caches)
        print(report.lines.joined(separator: "\n"))
        return report.blocked
    }

    static func format(epochSeconds: Int64) -> String {
        LocalTime.format(epochSeconds: epochSeconds)
    }
}
