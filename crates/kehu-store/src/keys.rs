//! Keys for personal data at rest (SEC: the database file alone reveals no phone number).
//!
//! - **Data keys** seal every ledger entry with XChaCha20-Poly1305 (AEAD, random 192-bit nonce per
//!   value). Each has a numeric id stored beside the ciphertext, so that `kehu key rotate` can add a
//!   new key and re-encrypt while older entries still open.
//! - **The index key** keys the blind index: HMAC-SHA256 of each phone index key (full number and
//!   every mask form), truncated to 16 bytes. It does not rotate with the data keys: the index is a
//!   projection and can be rebuilt, but a changed index key would silently break lookups.
//!
//! The key file is TOML, created on first start with mode 0600 (or named by `KEHU_KEY_FILE`). A
//! file readable by group or others is refused, as ssh refuses a private key.

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const NONCE: usize = 24;
/// The Poly1305 tag after the ciphertext.
const TAG: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
    #[error("key file {path}: {detail}")]
    Format { path: PathBuf, detail: String },
    #[error("key file {path} is readable by others (mode {mode:o}): run `chmod 600 {path}`")]
    Permissions { path: PathBuf, mode: u32 },
    #[error("key file {path} already exists")]
    Exists { path: PathBuf },
    #[error("no data key {0} in the key file: entries sealed with it cannot be opened")]
    UnknownKey(u32),
    #[error("an entry sealed with key {0} does not open: it was changed, or the key is wrong")]
    Open(u32),
}

/// The key file's contents.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    /// HMAC key of the blind index, hex.
    index: String,
    /// The data key new entries are sealed with.
    active: u32,
    #[serde(default)]
    data: Vec<DataKey>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataKey {
    id: u32,
    key: String,
    /// When the key was made (informational).
    #[serde(default)]
    created: String,
}

/// The keys of one installation.
#[derive(Clone)]
pub struct Keys {
    index: Hmac<Sha256>,
    index_raw: [u8; 32],
    data: BTreeMap<u32, ([u8; 32], XChaCha20Poly1305, String)>,
    active: u32,
    /// Where seals take their nonces (shared by clones, so no two seals share one).
    nonces: std::sync::Arc<Nonces>,
}

/// XChaCha20-Poly1305 nonces without a system call per seal: 16 random bytes drawn from the OS
/// once per process, then a 64-bit counter. A nonce must never repeat under one key; within a
/// process the counter sees to that, and two processes repeat one only if they draw the same 128
/// random bits.
struct Nonces {
    prefix: [u8; 16],
    counter: std::sync::atomic::AtomicU64,
}

impl Nonces {
    fn new() -> Nonces {
        let mut prefix = [0u8; 16];
        OsRng.fill_bytes(&mut prefix);
        Nonces {
            prefix,
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn next(&self) -> XNonce {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut nonce = XNonce::default();
        nonce[..16].copy_from_slice(&self.prefix);
        nonce[16..].copy_from_slice(&n.to_le_bytes());
        nonce
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Keys")
            .field("active", &self.active)
            .field("data_ids", &self.data.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn random32() -> [u8; 32] {
    let mut k = [0u8; 32];
    OsRng.fill_bytes(&mut k);
    k
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}

impl Keys {
    /// Fresh random keys (a new installation, or an in-memory store).
    pub fn generate() -> Keys {
        let mut k = Keys::with_index(random32());
        k.add_data(1, random32(), jiff::Timestamp::now().to_string());
        k.active = 1;
        k
    }

    fn with_index(index_raw: [u8; 32]) -> Keys {
        Keys {
            index: <Hmac<Sha256> as Mac>::new_from_slice(&index_raw)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
            index_raw,
            data: BTreeMap::new(),
            active: 0,
            nonces: std::sync::Arc::new(Nonces::new()),
        }
    }

    fn add_data(&mut self, id: u32, key: [u8; 32], created: String) {
        let cipher = XChaCha20Poly1305::new(&key.into());
        self.data.insert(id, (key, cipher, created));
    }

    /// The data key id new entries are sealed with.
    pub fn active(&self) -> u32 {
        self.active
    }

    /// The ids of every data key held.
    pub fn data_ids(&self) -> Vec<u32> {
        self.data.keys().copied().collect()
    }

    /// Adds a new data key and makes it the active one; returns its id.
    pub fn rotate(&mut self) -> u32 {
        let id = self.data.keys().max().copied().unwrap_or(0) + 1;
        self.add_data(id, random32(), jiff::Timestamp::now().to_string());
        self.active = id;
        id
    }

    /// Seals `plain` under the active key, bound to `aad` (which the reader must present again).
    /// Returns the key id and `nonce ‖ ciphertext ‖ tag`.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> (u32, Vec<u8>) {
        let Some((_, cipher, _)) = self.data.get(&self.active) else {
            unreachable!("Keys always hold their active key")
        };
        let nonce = self.nonces.next();
        // nonce ‖ ciphertext ‖ tag, encrypted where it lies: one allocation, no copy.
        let mut out = Vec::with_capacity(NONCE + plain.len() + TAG);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = cipher
            .encrypt_in_place_detached(&nonce, aad, &mut out[NONCE..])
            .unwrap_or_else(|_| unreachable!("XChaCha20-Poly1305 encrypts any length we store"));
        out.extend_from_slice(&tag);
        (self.active, out)
    }

    /// Opens what [`Keys::seal`] made; fails if the key is unknown or the bytes or `aad` changed.
    pub fn open(&self, key_id: u32, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
        let (_, cipher, _) = self.data.get(&key_id).ok_or(KeyError::UnknownKey(key_id))?;
        if sealed.len() < NONCE {
            return Err(KeyError::Open(key_id));
        }
        let (nonce, ct) = sealed.split_at(NONCE);
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| KeyError::Open(key_id))
    }

    /// The blind index value of an index key: the first 64 bits of its HMAC, as an integer (a
    /// compact, fast B-tree key). A collision between two different keys, about one in 10^19 per
    /// pair, would only make a probe load one record too many, which the exact match then drops;
    /// it can never hide a record.
    pub fn blind(&self, key: &str) -> i64 {
        let mut mac = self.index.clone();
        mac.update(key.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&full[..8]);
        i64::from_le_bytes(b)
    }

    /// A keyed digest (HMAC-SHA256 under the index key, domain-separated from blind values): the
    /// audit chain's links, which nobody without the key file can recompute after an edit.
    pub fn mac(&self, domain: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = self.index.clone();
        mac.update(b"kehu-mac\0");
        mac.update(domain.as_bytes());
        mac.update(b"\0");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// A check value that identifies a key without revealing it (stored in the database so that a
    /// wrong or missing key file is reported at start, not as unreadable entries later).
    pub fn fingerprint_index(&self) -> Vec<u8> {
        fingerprint(&self.index_raw)
    }

    /// The fingerprint of data key `id`, if held.
    pub fn fingerprint_data(&self, id: u32) -> Option<Vec<u8>> {
        self.data.get(&id).map(|(k, _, _)| fingerprint(k))
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Keys, KeyError> {
        let io = |err| KeyError::Io {
            path: path.to_path_buf(),
            err,
        };
        let fmt = |detail: String| KeyError::Format {
            path: path.to_path_buf(),
            detail,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::Permissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let file: KeyFile = toml::from_str(&text).map_err(|e| fmt(e.to_string()))?;
        let index =
            unhex32(&file.index).ok_or_else(|| fmt("`index` must be 64 hex digits".into()))?;
        let mut keys = Keys::with_index(index);
        for d in file.data {
            let k = unhex32(&d.key)
                .ok_or_else(|| fmt(format!("data key {}: `key` must be 64 hex digits", d.id)))?;
            if keys.data.contains_key(&d.id) {
                return Err(fmt(format!("data key {} appears twice", d.id)));
            }
            keys.add_data(d.id, k, d.created);
        }
        if !keys.data.contains_key(&file.active) {
            return Err(fmt(format!(
                "`active = {}` names no data key in the file",
                file.active
            )));
        }
        keys.active = file.active;
        Ok(keys)
    }

    /// Reads the key file at `path`, or creates it with fresh keys (mode 0600) if it does not
    /// exist. Returns the keys and whether the file was created.
    pub fn load_or_create(path: &Path) -> Result<(Keys, bool), KeyError> {
        if path.exists() {
            return Ok((Keys::load(path)?, false));
        }
        let keys = Keys::generate();
        keys.write_new(path)?;
        Ok((keys, true))
    }

    fn to_toml(&self) -> String {
        let file = KeyFile {
            index: hex(&self.index_raw),
            active: self.active,
            data: self
                .data
                .iter()
                .map(|(id, (k, _, created))| DataKey {
                    id: *id,
                    key: hex(k),
                    created: created.clone(),
                })
                .collect(),
        };
        let body = toml::to_string(&file)
            .unwrap_or_else(|_| unreachable!("the key file serialises to TOML"));
        format!(
            "# kehu key file: it opens every phone and ID number in the database.\n\
             # Keep it secret (mode 0600), back it up apart from the database, never lose it.\n{body}"
        )
    }

    /// Writes a new key file with mode 0600; fails if it exists.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        let io = |err| KeyError::Io {
            path: path.to_path_buf(),
            err,
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                io(e)
            }
        })?;
        f.write_all(self.to_toml().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(())
    }

    /// Replaces the key file at `path` atomically (a new file beside it, then a rename).
    pub fn replace(&self, path: &Path) -> Result<(), KeyError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".new");
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        self.write_new(&tmp)?;
        std::fs::rename(&tmp, path).map_err(|err| KeyError::Io {
            path: path.to_path_buf(),
            err,
        })
    }
}

fn fingerprint(key: &[u8; 32]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"kehu key fingerprint");
    mac.finalize().into_bytes()[..16].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_seals_share_a_nonce_even_through_clones_and_threads() {
        let k = Keys::generate();
        let nonces = std::sync::Mutex::new(std::collections::HashSet::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                let (k, nonces) = (k.clone(), &nonces);
                s.spawn(move || {
                    for _ in 0..1000 {
                        let (_, sealed) = k.seal(b"aad", b"x");
                        let fresh = nonces.lock().unwrap().insert(sealed[..NONCE].to_vec());
                        assert!(fresh, "a nonce repeated");
                    }
                });
            }
        });
        // Another process (here: another key set) draws another prefix.
        let (_, a) = k.seal(b"aad", b"x");
        let (_, b) = Keys::generate().seal(b"aad", b"x");
        assert_ne!(a[..16], b[..16]);
    }

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let k = Keys::generate();
        let (id, s) = k.seal(b"seq 1", "王先生 13800138000".as_bytes());
        assert_eq!(
            k.open(id, b"seq 1", &s).unwrap(),
            "王先生 13800138000".as_bytes()
        );
        assert!(matches!(k.open(id, b"seq 2", &s), Err(KeyError::Open(_))));
        let mut t = s.clone();
        t[30] ^= 1;
        assert!(matches!(k.open(id, b"seq 1", &t), Err(KeyError::Open(_))));
        assert!(matches!(
            k.open(9, b"seq 1", &s),
            Err(KeyError::UnknownKey(9))
        ));
        assert!(!s.windows(11).any(|w| w == b"13800138000"));
    }

    #[test]
    fn rotation_keeps_old_keys_and_the_index() {
        let mut k = Keys::generate();
        let b = k.blind("f13800138000");
        let (old, s) = k.seal(b"a", b"x");
        let new = k.rotate();
        assert_ne!(old, new);
        assert_eq!(k.open(old, b"a", &s).unwrap(), b"x");
        assert_eq!(k.seal(b"a", b"x").0, new);
        assert_eq!(k.blind("f13800138000"), b);
        assert_ne!(k.blind("f13800138001"), b);
    }

    #[test]
    fn key_file_is_created_0600_and_reloads() {
        let dir = std::env::temp_dir().join(format!("kehu-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kehu.key");
        let (k, created) = Keys::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (again, created) = Keys::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(again.blind("x"), k.blind("x"));
        let (id, s) = k.seal(b"", b"secret");
        assert_eq!(again.open(id, b"", &s).unwrap(), b"secret");
        let mut r = again.clone();
        r.rotate();
        r.replace(&path).unwrap();
        assert_eq!(Keys::load(&path).unwrap().data_ids(), vec![1, 2]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Keys::load(&path),
                Err(KeyError::Permissions { .. })
            ));
        }
        std::fs::write(dir.join("bad.key"), "index = \"zz\"\nactive = 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("bad.key"), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let e = Keys::load(&dir.join("bad.key")).err().unwrap().to_string();
        assert!(e.contains("64 hex digits"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
