#!/usr/bin/python3
"""Fast object creation for the gMSA lab (runs against the local sam.ldb).

  lab-objects.py SMB_CONF batch < commands
      Runs samba-tool commands, one per line (shell quoting), in this one
      process: ~0.12 s per command instead of ~0.35 s for a new samba-tool.
      "-s SMB_CONF -H SAM_LDB" is appended to every command. A line
      "@dns-a FQDN IP [FQDN IP ...]" adds A records instead (as dns-a).

  lab-objects.py SMB_CONF dns-a FQDN IP [FQDN IP ...]
      Sets A records in the DC's DNS zone (offline).

  lab-objects.py SMB_CONF bench N PREFIX TRUSTEE
      Creates N enabled gMSAs PREFIX-1..PREFIX-N readable by TRUSTEE (a
      sAMAccountName) in one transaction.  Same attributes as
      `samba-tool service-account create` + `group-msa-membership add` +
      `user enable`.  The DC derives a password per gMSA at creation, which
      costs ~55 ms each.

  lab-objects.py SMB_CONF hosts N PREFIX GROUP KEYTAB_DIR
      Creates N computer accounts PREFIX1..PREFIXN (as `computer create`),
      each with a random password, makes them members of the new group
      GROUP, and exports each one's keys into KEYTAB_DIR/PREFIXi.keytab (as
      `domain exportkeytab --principal=PREFIXi$`). For the load test.
"""
import shlex
import sys


def add_a_records(lp, samldb, pairs):
    """A records in the DC's own DNS zone (provision refuses to register
    127.0.0.1, so the SRV records would point at a name without one)."""
    import ldb
    from samba.auth import system_session
    from samba.dcerpc import dnsp
    from samba.ndr import ndr_pack
    from samba.samdb import SamDB

    db = SamDB(url=samldb, session_info=system_session(), lp=lp)
    zone = lp.get("realm").lower()
    for fqdn, ip in pairs:
        rec = dnsp.DnssrvRpcRecord()
        rec.wType = dnsp.DNS_TYPE_A
        rec.rank = dnsp.DNS_RANK_ZONE
        rec.dwTtlSeconds = 900
        rec.data = ip
        label = fqdn[:-len(zone) - 1] if fqdn.endswith("." + zone) else fqdn
        dn = "DC=%s,DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (
            label, zone, db.get_default_basedn())
        try:
            db.add({"dn": dn, "objectClass": "dnsNode",
                    "dnsRecord": ndr_pack(rec)})
        except ldb.LdbError as e:
            if e.args[0] != ldb.ERR_ENTRY_ALREADY_EXISTS:
                raise
            db.dns_replace(fqdn, [rec])


def main():
    smbconf, mode = sys.argv[1], sys.argv[2]
    from samba.param import LoadParm
    lp = LoadParm()
    lp.load(smbconf)
    samldb = lp.private_path("sam.ldb")

    if mode == "batch":
        from samba.netcmd.main import samba_tool
        for lineno, line in enumerate(sys.stdin, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@dns-a "):
                words = line.split()[1:]
                add_a_records(lp, samldb, list(zip(words[0::2], words[1::2])))
                print("Added A records: %s" % " ".join(words))
                continue
            args = shlex.split(line) + ["-s", smbconf, "-H", samldb]
            rc = samba_tool(*args)
            sys.stdout.flush()
            if rc:
                print("lab-objects: line %d failed (rc=%s): samba-tool %s"
                      % (lineno, rc, line), file=sys.stderr)
                return 1
        return 0

    if mode == "dns-a":
        args = sys.argv[3:]
        add_a_records(lp, samldb, list(zip(args[0::2], args[1::2])))
        return 0

    if mode == "bench":
        import ldb
        from samba.auth import system_session
        from samba.dcerpc import security
        from samba.ndr import ndr_pack, ndr_unpack
        from samba.dsdb import DS_GUID_MANAGED_SERVICE_ACCOUNTS_CONTAINER
        from samba.samdb import SamDB

        count, prefix, trustee = int(sys.argv[3]), sys.argv[4], sys.argv[5]
        db = SamDB(url=samldb, session_info=system_session(), lp=lp)
        base = db.get_default_basedn()
        res = db.search(base, ldb.SCOPE_SUBTREE,
                        "(sAMAccountName=%s)" % ldb.binary_encode(trustee),
                        ["objectSid"])
        if len(res) != 1:
            print("lab-objects: trustee %s not found" % trustee, file=sys.stderr)
            return 1
        sid = str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))
        # Samba's default GroupMSAMembership plus an allow ACE like the one
        # `group-msa-membership add` appends (SEC_ADS_GENERIC_ALL).
        full = "CCDCLCSWRPWPDTLOCRSDRCWDWO"
        sddl = "O:BAD:(A;;%s;;;LA)(A;;%s;;;%s)" % (full, full, sid)
        sd = ndr_pack(security.descriptor.from_sddl(
            sddl, security.dom_sid(str(db.get_domain_sid()))))
        dnsdomain = lp.get("realm").lower()
        container = db.get_wellknown_dn(
            base, DS_GUID_MANAGED_SERVICE_ACCOUNTS_CONTAINER)
        db.transaction_start()
        try:
            for i in range(1, count + 1):
                name = "%s-%d" % (prefix, i)
                db.add({
                    "dn": "CN=%s,%s" % (name, container),
                    "objectClass": "msDS-GroupManagedServiceAccount",
                    "sAMAccountName": name + "$",
                    "dNSHostName": "%s.%s" % (name, dnsdomain),
                    "msDS-ManagedPasswordInterval": "30",
                    "msDS-GroupMSAMembership": sd,
                    "userAccountControl": "4096",  # WORKSTATION_TRUST, enabled
                })
        except Exception:
            db.transaction_cancel()
            raise
        db.transaction_commit()
        return 0

    if mode == "hosts":
        import secrets
        from samba.auth import system_session
        from samba.netcmd.main import samba_tool
        from samba.samdb import SamDB

        count, prefix, group, keytabs = int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
        db = SamDB(url=samldb, session_info=system_session(), lp=lp)
        names = ["%s%d" % (prefix, i) for i in range(1, count + 1)]
        db.newgroup(group, description="load test hosts")
        for name in names:
            db.newcomputer(name, description="gmsa-keytabd load test host")
            db.setpassword("(sAMAccountName=%s$)" % name,
                           "Lab-H0st-%s" % secrets.token_urlsafe(18))
        db.add_remove_group_members(group, [n + "$" for n in names])
        # samba-tool's own command: Net.export_keytab called directly here aborts ("Bad talloc magic value").
        for name in names:
            if samba_tool("domain", "exportkeytab", "%s/%s.keytab" % (keytabs, name),
                          "--principal=%s$" % name, "-s", smbconf, "-H", samldb):
                return 1
        return 0

    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
