/// The version of gmsa-keytabd: the one place it is set. `make deb` reads it from here for the package version.
let gmsaKeytabdVersion = "0.2.0"
