/// The version of gmsa-keytabd: the one place it is set. debian/changelog's first entry must carry the same version (packaging/build-deb.sh checks).
let gmsaKeytabdVersion = "0.3.0"
