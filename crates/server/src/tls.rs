//! TLS (Redis 7.0's `tls-*` settings) with rustls and its `ring` provider: the listener on
//! `tls-port`, whose connections run the same RESP loop as TCP ones ([`crate::conn`]'s
//! generic `Stream`), and HTTPS on the HTTP ports when `http-tls yes`.
//!
//! The certificate, key and CA files are loaded at start-up (a bad one stops the server with
//! the reason logged) and again by every CONFIG SET of a `tls-*` setting while TLS is in use:
//! connections accepted afterwards get the new configuration, open ones keep theirs, and a
//! configuration that does not load leaves the old one in place and fails the CONFIG SET with
//! Redis's `Unable to update TLS configuration. Check server logs.`
//!
//! Redis compatibility (rustls is not OpenSSL):
//! - `tls-protocols` takes `TLSv1.2` and `TLSv1.3`; `TLSv1` and `TLSv1.1` are accepted words
//!   that rustls cannot offer (a list of only those fails to load).
//! - `tls-ciphersuites` (TLS 1.3) and `tls-ciphers` (TLS 1.2) are colon-separated names, the
//!   OpenSSL ones (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`) or IANA ones; the
//!   words `DEFAULT`, `HIGH` and `ALL` select every suite, and `!`, `-`, `+` or `@` items are
//!   ignored. A list that names no suite rustls has fails, as OpenSSL's would.
//! - `tls-key-file-pass` decrypts an encrypted PKCS#8 key (`BEGIN ENCRYPTED PRIVATE KEY`,
//!   PBES2 as `openssl pkcs8 -topk8` writes it); OpenSSL's legacy encrypted PEM
//!   (`Proc-Type: 4,ENCRYPTED`) is refused with a log line saying how to convert it. Plain keys
//!   may be PKCS#8, PKCS#1 or SEC1.
//! - `tls-session-cache-timeout` is accepted: rustls's session cache evicts by size only.
//! - `tls-dh-params-file` is accepted: rustls has no finite-field Diffie-Hellman.
//! - `tls-replication`, `tls-cluster` and the `tls-client-*` files are accepted and checked as
//!   Redis checks them, and wait for replication and cluster mode.
//!
//! Built without the `tls` feature, the settings are still parsed and shown, but a start-up
//! that needs TLS (`tls-port`, `http-tls`, `tls-replication`, `tls-cluster`) fails with a log
//! line saying the build has no TLS.

use engine::config::TlsValues;
use engine::Engine;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// How long a client may take to complete its handshake before it is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(feature = "tls")]
pub use imp::{Tls, TlsStream};

#[cfg(not(feature = "tls"))]
pub use none::{Tls, TlsStream};

/// Accepts TLS connections on `listener` forever, one task each: admitted as TCP ones are
/// (`maxclients`, keepalive, protected mode), then the handshake, then the RESP loop.
pub async fn accept_loop(engine: Arc<Engine>, listener: TcpListener, tls: Arc<Tls>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        engine.stats.connections.fetch_add(1, Relaxed);
        let engine = engine.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            serve(engine, stream, peer.to_string(), &tls).await;
        });
    }
}

/// Serves one TLS connection until it closes.
async fn serve(engine: Arc<Engine>, stream: TcpStream, peer: String, tls: &Tls) {
    use std::os::fd::AsRawFd;
    use tokio::io::AsyncWriteExt;
    let _ = stream.set_nodelay(true);
    let Some(slot) = crate::admit(&engine, &stream) else {
        // Dropped before the handshake: a TLS client could not read a plain-text error.
        return;
    };
    let local = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let fd = i64::from(stream.as_raw_fd());
    let remote = !crate::conn::is_loopback(&stream);
    let Some(mut stream) = handshake(tls, stream, &peer).await else {
        return;
    };
    if remote && engine.config.password().is_none() && engine.config.values().protected_mode {
        let _ = stream.write_all(crate::conn::PROTECTED_MODE_DENIED).await;
        let _ = stream.flush().await;
        return;
    }
    crate::conn::serve_session(engine, stream, peer, local, fd, slot).await;
}

/// The handshake with the current configuration, within [`HANDSHAKE_TIMEOUT`]. None (logged,
/// as Redis logs it) when it fails.
pub async fn handshake(tls: &Tls, stream: TcpStream, peer: &str) -> Option<TlsStream> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            tracing::debug!("Error accepting a client connection: {e} (addr={peer})");
            None
        }
        Err(_) => {
            tracing::debug!(
                "Error accepting a client connection: handshake timed out (addr={peer})"
            );
            None
        }
    }
}

/// Loads the configuration at start-up when `v` uses TLS (None when it does not), and makes
/// later CONFIG SETs of `tls-*` settings reload it. The error is the log line.
pub fn start(engine: &Engine, v: &TlsValues) -> Result<Arc<Tls>, String> {
    let tls = Arc::new(Tls::new());
    if v.active() {
        tls.reload(v)?;
    }
    let hook = tls.clone();
    engine
        .config
        .set_apply_hook(Box::new(move |next, pairs| {
            let Some((name, _)) = pairs.iter().find(|(n, _)| n.starts_with("tls-")) else {
                return Ok(());
            };
            if !next.tls.active() {
                return Ok(());
            }
            hook.reload(&next.tls).map_err(|e| {
                tracing::warn!("{e}");
                tracing::warn!(
                    "Failed applying new configuration. Possibly related to new {name} setting. Restoring previous settings."
                );
                (
                    name.clone(),
                    "Unable to update TLS configuration. Check server logs.".to_string(),
                )
            })
        }));
    Ok(tls)
}

#[cfg(feature = "tls")]
mod imp {
    use super::TlsValues;
    use rustls::crypto::CryptoProvider;
    use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache, WebPkiClientVerifier};
    use rustls::{RootCertStore, ServerConfig, SupportedCipherSuite};
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::sync::{Arc, RwLock};
    use tokio::net::TcpStream;

    /// A server-side TLS stream.
    pub type TlsStream = tokio_rustls::server::TlsStream<TcpStream>;

    /// The configuration new connections get; replaced whole by a reload.
    pub struct Tls {
        current: RwLock<Option<Arc<ServerConfig>>>,
    }

    impl Tls {
        /// No configuration yet.
        pub(super) fn new() -> Tls {
            Tls {
                current: RwLock::new(None),
            }
        }

        /// Builds a configuration from `v` and makes it the current one; on an error (the
        /// log line) the current one stays.
        pub fn reload(&self, v: &TlsValues) -> Result<(), String> {
            let config = Arc::new(build(v)?);
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(config);
            Ok(())
        }

        /// The handshake of a new connection with the current configuration.
        pub async fn accept(&self, stream: TcpStream) -> std::io::Result<TlsStream> {
            let config = self
                .current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .ok_or_else(|| std::io::Error::other("TLS is not configured"))?;
            tokio_rustls::TlsAcceptor::from(config).accept(stream).await
        }
    }

    fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("Failed to load certificate: {path}: {e}"))?;
        if certs.is_empty() {
            return Err(format!(
                "Failed to load certificate: {path}: no certificate in the file"
            ));
        }
        Ok(certs)
    }

    fn load_key(path: &str, pass: &str) -> Result<PrivateKeyDer<'static>, String> {
        let failed = |e: &dyn std::fmt::Display| format!("Failed to load private key: {path}: {e}");
        let text = std::fs::read_to_string(path).map_err(|e| failed(&e))?;
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            // An encrypted PKCS#8 key, as `openssl pkcs8 -topk8` writes it.
            if pass.is_empty() {
                return Err(failed(
                    &"the key is encrypted and tls-key-file-pass is empty",
                ));
            }
            let (_, doc) = pkcs8::der::Document::from_pem(&text).map_err(|e| failed(&e))?;
            let info =
                pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).map_err(|e| failed(&e))?;
            let plain = info
                .decrypt(pass)
                .map_err(|e| failed(&format!("{e} (is tls-key-file-pass right?)")))?;
            return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                plain.as_bytes().to_vec(),
            )));
        }
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            // Redis compatibility: OpenSSL also reads its legacy encrypted PEM; not here.
            return Err(failed(&"a legacy encrypted PEM key is not supported: convert it with `openssl pkcs8 -topk8 -in KEY -out NEW.key` (PKCS#8, encrypted or not)"));
        }
        PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| failed(&e))
    }

    /// The CA certificates of `tls-ca-cert-file` and every certificate file of
    /// `tls-ca-cert-dir`.
    fn load_roots(v: &TlsValues) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        let mut add = |path: &str, strict: bool| -> Result<(), String> {
            match load_certs(path) {
                Ok(certs) => {
                    for c in certs {
                        roots.add(c).map_err(|e| {
                            format!(
                                "Failed to configure CA certificate(s) file/directory: {path}: {e}"
                            )
                        })?;
                    }
                    Ok(())
                }
                Err(e) if strict => Err(format!(
                    "Failed to configure CA certificate(s) file/directory: {e}"
                )),
                Err(_) => Ok(()),
            }
        };
        if !v.ca_cert_file.is_empty() {
            add(&v.ca_cert_file, true)?;
        }
        if !v.ca_cert_dir.is_empty() {
            let dir = std::fs::read_dir(&v.ca_cert_dir).map_err(|e| {
                format!(
                    "Failed to configure CA certificate(s) file/directory: {}: {e}",
                    v.ca_cert_dir
                )
            })?;
            for entry in dir.flatten() {
                if entry.path().is_file() {
                    // A directory also holds hash links and other files: what is no
                    // certificate is skipped.
                    add(&entry.path().display().to_string(), false)?;
                }
            }
        }
        Ok(roots)
    }

    /// The name OpenSSL gives a suite, from rustls's IANA one.
    fn openssl_name(suite: SupportedCipherSuite) -> String {
        let iana = format!("{:?}", suite.suite());
        if let Some(rest) = iana.strip_prefix("TLS13_") {
            return format!("TLS_{rest}");
        }
        let rest = iana.trim_start_matches("TLS_").replace("_WITH_", "_");
        rest.replace("AES_128", "AES128")
            .replace("AES_256", "AES256")
            .replace('_', "-")
    }

    /// The suites of `version` (1.2 or 1.3) that `list` selects; empty `list`: all of them.
    fn select(
        all: &[SupportedCipherSuite],
        list: &str,
        tls13: bool,
        setting: &str,
    ) -> Result<Vec<SupportedCipherSuite>, String> {
        let of_version: Vec<SupportedCipherSuite> = all
            .iter()
            .copied()
            .filter(|s| matches!(s, SupportedCipherSuite::Tls13(_)) == tls13)
            .collect();
        if list.trim().is_empty() {
            return Ok(of_version);
        }
        let mut out = Vec::new();
        for item in list.split([':', ',', ' ']).filter(|w| !w.is_empty()) {
            if item.starts_with(['!', '-', '+', '@']) {
                continue;
            }
            if ["DEFAULT", "HIGH", "ALL"].contains(&item.to_ascii_uppercase().as_str()) {
                for s in &of_version {
                    if !out.contains(s) {
                        out.push(*s);
                    }
                }
                continue;
            }
            if let Some(s) = of_version.iter().find(|s| {
                openssl_name(**s).eq_ignore_ascii_case(item)
                    || format!("{:?}", s.suite()).eq_ignore_ascii_case(item)
            }) {
                if !out.contains(s) {
                    out.push(*s);
                }
            }
        }
        if out.is_empty() {
            return Err(format!("Failed to configure {setting}: {list}"));
        }
        Ok(out)
    }

    /// A rustls configuration from the settings, with Redis's log texts for what fails.
    pub fn build(v: &TlsValues) -> Result<ServerConfig, String> {
        if v.cert_file.is_empty() {
            return Err("No tls-cert-file configured!".into());
        }
        if v.key_file.is_empty() {
            return Err("No tls-key-file configured!".into());
        }
        let need_ca = v.auth_clients != "no" || v.replication || v.cluster;
        if need_ca && v.ca_cert_file.is_empty() && v.ca_cert_dir.is_empty() {
            return Err("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!".into());
        }
        let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
        let words: Vec<&str> = v.protocols.split_whitespace().collect();
        for w in &words {
            match w.to_ascii_lowercase().as_str() {
                "tlsv1" | "tlsv1.1" => {}
                "tlsv1.2" => versions.push(&rustls::version::TLS12),
                "tlsv1.3" => versions.push(&rustls::version::TLS13),
                _ => return Err("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.".into()),
            }
        }
        if words.is_empty() {
            versions = vec![&rustls::version::TLS12, &rustls::version::TLS13];
        } else if versions.is_empty() {
            return Err(format!(
                "tls-protocols '{}' names no protocol ferrokv offers: use TLSv1.2 and/or TLSv1.3",
                v.protocols
            ));
        }
        // rustls 0.23.48 deprecates the ring provider for lacking post-quantum key exchange;
        // it is kept on purpose: aws-lc-rs needs cmake and a C toolchain setup ring does not.
        #[allow(deprecated)]
        let base = rustls::crypto::ring::default_provider();
        let mut suites = select(&base.cipher_suites, &v.ciphersuites, true, "ciphersuites")?;
        suites.extend(select(&base.cipher_suites, &v.ciphers, false, "ciphers")?);
        let provider = Arc::new(CryptoProvider {
            cipher_suites: suites,
            ..base
        });
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| format!("Failed to configure TLS: {e}"))?;
        // The CA files are checked whenever given (Redis loads them for replication too).
        let roots = if v.ca_cert_file.is_empty() && v.ca_cert_dir.is_empty() {
            None
        } else {
            Some(Arc::new(load_roots(v)?))
        };
        let builder = match (v.auth_clients, roots) {
            ("no", _) | (_, None) => builder.with_no_client_auth(),
            (mode, Some(roots)) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
                let verifier = if mode == "optional" {
                    verifier.allow_unauthenticated()
                } else {
                    verifier
                };
                let verifier = verifier.build().map_err(|e| {
                    format!("Failed to configure CA certificate(s) file/directory: {e}")
                })?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let certs = load_certs(&v.cert_file)?;
        let key = load_key(&v.key_file, &v.key_file_pass)?;
        let mut config = builder.with_single_cert(certs, key).map_err(|e| {
            format!(
                "Failed to load private key: {}: {e} (does it match tls-cert-file?)",
                v.key_file
            )
        })?;
        if !v.client_cert_file.is_empty() {
            load_certs(&v.client_cert_file)?;
            load_key(&v.client_key_file, &v.client_key_file_pass)?;
        }
        config.ignore_client_order = v.prefer_server_ciphers;
        config.session_storage = if v.session_caching {
            // Redis compatibility: OpenSSL reads a size of 0 as unbounded; rustls needs one.
            let size = match v.session_cache_size {
                0 => 1 << 20,
                n => n as usize,
            };
            ServerSessionMemoryCache::new(size)
        } else {
            Arc::new(NoServerSessionStorage {})
        };
        Ok(config)
    }
}

#[cfg(not(feature = "tls"))]
mod none {
    use super::TlsValues;
    use tokio::net::TcpStream;

    /// No TLS stream exists in this build.
    pub type TlsStream = TcpStream;

    /// A build without the `tls` feature: nothing ever loads.
    pub struct Tls;

    impl Tls {
        pub(super) fn new() -> Tls {
            Tls
        }

        /// Always fails: the build has no TLS.
        pub fn reload(&self, _v: &TlsValues) -> Result<(), String> {
            Err("ferrokv was built without TLS (cargo feature `tls`): tls-port, http-tls, tls-replication and tls-cluster need it".into())
        }

        /// Always fails: the build has no TLS.
        pub async fn accept(&self, _stream: TcpStream) -> std::io::Result<TlsStream> {
            Err(std::io::Error::other("ferrokv was built without TLS"))
        }
    }
}
