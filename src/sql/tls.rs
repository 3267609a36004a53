//! TLS for the SQL endpoints: the emulator's own CA and a server certificate it signs, for the
//! endpoint host, `localhost` and `127.0.0.1`, so clients can verify the server
//! (`sslmode=verify-full` with the CA served at `GET /_emulator/ca.pem`). With a state
//! directory both are kept in `<state-dir>/tls` and reused; the server certificate is made
//! anew when the host names change.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;

pub struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// The CA certificate, PEM.
    pub ca_pem: String,
}

const CA_NAME: &str = "redshift-serverless-local CA";

/// The CA's parameters; the same every time, so a kept CA key can sign again.
fn ca_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, CA_NAME);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

struct Pems {
    ca: String,
    ca_key: String,
    server: String,
    server_key: String,
}

fn make_server(ca_key: &KeyPair, hosts: &[String]) -> Result<(String, String), rcgen::Error> {
    let issuer = ca_params()?.self_signed(ca_key)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(hosts.to_vec())?;
    params.distinguished_name.push(
        DnType::CommonName,
        hosts.first().map_or("localhost", String::as_str),
    );
    let cert = params.signed_by(&key, &issuer, ca_key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn make_all(hosts: &[String]) -> Result<Pems, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let ca = ca_params()?.self_signed(&ca_key)?;
    let (server, server_key) = make_server(&ca_key, hosts)?;
    Ok(Pems {
        ca: ca.pem(),
        ca_key: ca_key.serialize_pem(),
        server,
        server_key,
    })
}

/// Reads the kept certificates from `dir`, making what is missing or stale, and writes them
/// back (keys readable by the owner only).
fn kept(dir: &Path, hosts: &[String]) -> Result<Pems, String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let names = hosts.join("\n");
    let pems = match (read("ca.pem"), read("ca-key.pem")) {
        (Some(ca), Some(ca_key)) => {
            let (server, server_key) = match (read("server.pem"), read("server-key.pem")) {
                (Some(s), Some(k)) if read("hosts").as_deref() == Some(names.as_str()) => (s, k),
                _ => {
                    let key = KeyPair::from_pem(&ca_key).map_err(|e| e.to_string())?;
                    make_server(&key, hosts).map_err(|e| e.to_string())?
                }
            };
            Pems {
                ca,
                ca_key,
                server,
                server_key,
            }
        }
        _ => make_all(hosts).map_err(|e| e.to_string())?,
    };
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (name, text, private) in [
        ("ca.pem", &pems.ca, false),
        ("ca-key.pem", &pems.ca_key, true),
        ("server.pem", &pems.server, false),
        ("server-key.pem", &pems.server_key, true),
        ("hosts", &names, false),
    ] {
        write(&dir.join(name), text, private)
            .map_err(|e| format!("{}: {e}", dir.join(name).display()))?;
    }
    Ok(pems)
}

fn write(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if std::fs::read_to_string(path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

impl Tls {
    /// The certificates for `hosts` (the first names the certificate), kept in `dir` when given.
    pub fn new(dir: Option<&Path>, hosts: &[String]) -> Result<Tls, String> {
        let pems = match dir {
            Some(dir) => kept(dir, hosts)?,
            None => make_all(hosts).map_err(|e| e.to_string())?,
        };
        let certs: Vec<CertificateDer<'static>> =
            rustls_pemfile::certs(&mut pems.server.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
        let key = rustls_pemfile::pkcs8_private_keys(&mut pems.server_key.as_bytes())
            .next()
            .ok_or("the server key is missing")?
            .map_err(|e| e.to_string())?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.secret_pkcs8_der().to_vec()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| e.to_string())?;
        Ok(Tls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            ca_pem: pems.ca,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_certificates_are_reused_until_the_hosts_change() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let first = Tls::new(Some(dir.path()), &hosts).unwrap();
        let server = std::fs::read_to_string(dir.path().join("server.pem")).unwrap();
        let again = Tls::new(Some(dir.path()), &hosts).unwrap();
        assert_eq!(first.ca_pem, again.ca_pem);
        assert_eq!(
            server,
            std::fs::read_to_string(dir.path().join("server.pem")).unwrap()
        );
        let other = vec!["db.example".to_string(), "localhost".to_string()];
        let moved = Tls::new(Some(dir.path()), &other).unwrap();
        assert_eq!(first.ca_pem, moved.ca_pem, "the CA stays");
        assert_ne!(
            server,
            std::fs::read_to_string(dir.path().join("server.pem")).unwrap()
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
