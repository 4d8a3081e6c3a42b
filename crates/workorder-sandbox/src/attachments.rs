//! Attachments of 2021-06-10: the object keys `GetAttachmentUploadUrl` issues, the pre-signed
//! PUT URL on the sandbox itself that takes the bytes, and the rule that a key is good only for
//! the account that asked for it and only once its bytes arrived. The real service hands out
//! OSS URLs; here the sandbox plays OSS too, so the whole flow runs on one machine.
//!
//! Pure apart from the bytes it keeps: the caller passes the time (epoch milliseconds).
//!
//! Limits (the real ones are undocumented; these are the sandbox's, and bounded on purpose):
//! - a URL lives [`UPLOAD_URL_TTL_MS`]; a PUT after that is refused;
//! - a file is at most [`MAX_FILE_BYTES`] and of an [allowed type](ALLOWED_TYPES);
//! - an account holds at most [`MAX_OBJECTS`] keys and [`MAX_ACCOUNT_BYTES`] of files; past
//!   either bound the oldest objects are forgotten (their keys then fail like unknown ones).
//!
//! The URL's signature is HMAC-SHA1 (the shared v1 signer) under a secret made at start-up,
//! over the method, the key, the expiry and the account's AccessKey id: it cannot be forged,
//! moved to another key or stretched, and it names whose key it is.

use std::collections::{HashMap, VecDeque};

use workorder_api::signer::{sign_rpc_v1, signatures_match};

/// How long an upload URL is good for.
pub(crate) const UPLOAD_URL_TTL_MS: i64 = 15 * 60 * 1000;
/// The largest file accepted.
pub(crate) const MAX_FILE_BYTES: usize = 5 << 20;
/// The most keys (issued or uploaded) one account holds.
pub(crate) const MAX_OBJECTS: usize = 256;
/// The most file bytes one account holds.
pub(crate) const MAX_ACCOUNT_BYTES: usize = 20 << 20;
/// The longest file name accepted.
pub(crate) const MAX_FILE_NAME_CHARS: usize = 200;
/// Where the sandbox serves the objects: `PUT {base}/{key}` and `GET {base}/{key}`.
pub(crate) const OSS_PATH: &str = "/_sandbox/oss";

/// File extensions and the content types a PUT may declare for them (`application/octet-stream`,
/// what the documentation's curl sends, is always accepted).
pub(crate) const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("zip", "application/zip"),
];

/// Why an attachment operation was refused (the HTTP layer picks the status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AttachmentError {
    /// The file name is empty, too long, has a path or control characters, or no allowed
    /// extension.
    #[error("FileName {0}")]
    BadFileName(&'static str),
    /// The URL carries no `Expires`, `OSSAccessKeyId` and `Signature`.
    #[error("the URL is not a signed object URL")]
    NotSigned,
    /// The URL's signature does not match, or it names another account's key.
    #[error("the upload URL's signature does not match")]
    BadSignature,
    /// The URL has expired.
    #[error("the upload URL has expired")]
    Expired,
    /// The key was never issued (or was forgotten).
    #[error("no such object")]
    UnknownKey,
    /// The body is larger than [`MAX_FILE_BYTES`].
    #[error("the file is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    /// The declared content type is not allowed for the key's extension.
    #[error("the content type is not allowed for this file")]
    BadType,
}

/// One issued key.
#[derive(Debug)]
struct Object {
    file_name: String,
    expires_ms: i64,
    bytes: Option<Vec<u8>>,
    content_type: String,
}

/// One account's attachments, bounded in count and bytes.
#[derive(Debug, Default)]
pub(crate) struct AttachmentStore {
    objects: HashMap<String, Object>,
    /// Keys, oldest first: what goes when a bound is reached.
    order: VecDeque<String>,
    bytes: usize,
}

/// A key just issued, with its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub object_key: String,
    pub expires_ms: i64,
}

/// The extension of an acceptable file name, lower-cased.
pub(crate) fn extension(file_name: &str) -> Result<String, AttachmentError> {
    let name = file_name.trim();
    if name.is_empty() {
        return Err(AttachmentError::BadFileName("is empty"));
    }
    if name.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(AttachmentError::BadFileName("is too long"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(AttachmentError::BadFileName(
            "must not hold a path or control characters",
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .ok_or(AttachmentError::BadFileName("has no extension"))?;
    if ALLOWED_TYPES.iter().any(|(allowed, _)| *allowed == ext) {
        Ok(ext)
    } else {
        Err(AttachmentError::BadFileName(
            "has an extension that is not allowed (png, jpg, jpeg, gif, webp, pdf, txt, log, zip)",
        ))
    }
}

/// The signature of an upload URL for `key` of `access_key_id` until `expires_s`.
pub(crate) fn url_signature(
    secret: &str,
    method: &str,
    key: &str,
    expires_s: i64,
    access_key_id: &str,
) -> String {
    let expires = expires_s.to_string();
    sign_rpc_v1(
        method,
        [
            ("Expires", expires.as_str()),
            ("ObjectKey", key),
            ("OSSAccessKeyId", access_key_id),
        ],
        secret,
    )
    .signature
}

/// Checks an upload URL's signature and expiry at `now_ms`.
pub(crate) fn check_url(
    secret: &str,
    method: &str,
    key: &str,
    expires_s: i64,
    access_key_id: &str,
    signature: &str,
    now_ms: i64,
) -> Result<(), AttachmentError> {
    let expected = url_signature(secret, method, key, expires_s, access_key_id);
    if !signatures_match(&expected, signature) {
        return Err(AttachmentError::BadSignature);
    }
    if now_ms / 1000 > expires_s {
        return Err(AttachmentError::Expired);
    }
    Ok(())
}

impl AttachmentStore {
    /// Issues a key for `file_name` at `now_ms`: `<uuid>.<ext>`, as the service does.
    pub fn issue(&mut self, file_name: &str, now_ms: i64) -> Result<Issued, AttachmentError> {
        let ext = extension(file_name)?;
        let object_key = format!("{}.{ext}", uuid::Uuid::new_v4());
        while self.objects.len() >= MAX_OBJECTS {
            self.forget_oldest();
        }
        let expires_ms = now_ms.saturating_add(UPLOAD_URL_TTL_MS);
        self.objects.insert(
            object_key.clone(),
            Object {
                file_name: file_name.trim().to_owned(),
                expires_ms,
                bytes: None,
                content_type: String::new(),
            },
        );
        self.order.push_back(object_key.clone());
        Ok(Issued {
            object_key,
            expires_ms,
        })
    }

    /// Stores the bytes of `key` (a URL already checked). A second PUT replaces the first, as
    /// on OSS.
    pub fn upload(
        &mut self,
        key: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
        now_ms: i64,
    ) -> Result<(), AttachmentError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(AttachmentError::TooLarge);
        }
        let object = self.objects.get(key).ok_or(AttachmentError::UnknownKey)?;
        if now_ms > object.expires_ms {
            return Err(AttachmentError::Expired);
        }
        let ext = key.rsplit_once('.').map_or("", |(_, ext)| ext);
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let allowed = mime == "application/octet-stream"
            || ALLOWED_TYPES.iter().any(|(e, t)| *e == ext && *t == mime);
        if !allowed {
            return Err(AttachmentError::BadType);
        }
        let size = bytes.len();
        if let Some(old) = self.objects.get_mut(key).and_then(|o| o.bytes.take()) {
            self.bytes -= old.len();
        }
        while self.bytes + size > MAX_ACCOUNT_BYTES && self.forget_oldest_uploaded_except(key) {}
        if let Some(object) = self.objects.get_mut(key) {
            object.bytes = Some(bytes);
            object.content_type = mime;
            self.bytes += size;
        }
        Ok(())
    }

    /// The file name of an uploaded key, or why it cannot be attached: unknown (never issued
    /// to this account, or forgotten) or not uploaded yet.
    pub fn attachable(&self, key: &str) -> Result<&str, &'static str> {
        match self.objects.get(key.trim()) {
            None => Err("names an object key this account was not issued"),
            Some(object) if object.bytes.is_none() => {
                Err("names an object key whose file was not uploaded")
            }
            Some(object) => Ok(&object.file_name),
        }
    }

    /// The bytes and content type of an uploaded key.
    pub fn read(&self, key: &str) -> Option<(&[u8], &str)> {
        let object = self.objects.get(key)?;
        Some((object.bytes.as_deref()?, &object.content_type))
    }

    /// How many keys and bytes the store holds.
    #[cfg(test)]
    pub fn usage(&self) -> (usize, usize) {
        (self.objects.len(), self.bytes)
    }

    fn forget_oldest(&mut self) {
        if let Some(key) = self.order.pop_front()
            && let Some(object) = self.objects.remove(&key)
        {
            self.bytes -= object.bytes.map_or(0, |b| b.len());
        }
    }

    /// Forgets the oldest uploaded object other than `keep`; false when there is none.
    fn forget_oldest_uploaded_except(&mut self, keep: &str) -> bool {
        let Some(position) = self
            .order
            .iter()
            .position(|k| k != keep && self.objects.get(k).is_some_and(|o| o.bytes.is_some()))
        else {
            return false;
        };
        if let Some(key) = self.order.remove(position)
            && let Some(object) = self.objects.remove(&key)
        {
            self.bytes -= object.bytes.map_or(0, |b| b.len());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn keys_keep_the_extension_and_are_attachable_only_once_uploaded() {
        let mut store = AttachmentStore::default();
        let issued = store.issue("Screen Shot.PNG", NOW).unwrap();
        assert!(issued.object_key.ends_with(".png"), "{}", issued.object_key);
        assert_eq!(issued.expires_ms, NOW + UPLOAD_URL_TTL_MS);
        assert_eq!(
            store.attachable(&issued.object_key),
            Err("names an object key whose file was not uploaded")
        );
        store
            .upload(&issued.object_key, Some("image/png"), vec![1, 2, 3], NOW)
            .unwrap();
        assert_eq!(store.attachable(&issued.object_key), Ok("Screen Shot.PNG"));
        assert_eq!(
            store.read(&issued.object_key),
            Some((&[1_u8, 2, 3][..], "image/png"))
        );
        assert!(store.attachable("other.png").is_err());
    }

    #[test]
    fn bad_names_types_sizes_and_late_uploads_are_refused() {
        let mut store = AttachmentStore::default();
        for bad in ["", "noext", "a/b.png", "x.exe", "a\n.png"] {
            assert!(store.issue(bad, NOW).is_err(), "{bad:?}");
        }
        let key = store.issue("a.pdf", NOW).unwrap().object_key;
        assert_eq!(
            store.upload(&key, Some("text/html"), vec![0], NOW),
            Err(AttachmentError::BadType)
        );
        assert_eq!(
            store.upload(&key, None, vec![0; MAX_FILE_BYTES + 1], NOW),
            Err(AttachmentError::TooLarge)
        );
        assert_eq!(
            store.upload(&key, None, vec![0], NOW + UPLOAD_URL_TTL_MS + 1),
            Err(AttachmentError::Expired)
        );
        store
            .upload(&key, Some("application/pdf; charset=binary"), vec![0], NOW)
            .unwrap();
    }

    #[test]
    fn urls_verify_only_for_their_key_account_and_lifetime() {
        let expires = NOW / 1000 + 900;
        let sig = url_signature("s3cret", "PUT", "k.png", expires, "LTAI1");
        assert_eq!(
            check_url("s3cret", "PUT", "k.png", expires, "LTAI1", &sig, NOW),
            Ok(())
        );
        for (key, account, until) in [
            ("j.png", "LTAI1", expires),
            ("k.png", "LTAI2", expires),
            ("k.png", "LTAI1", expires + 1),
        ] {
            assert_eq!(
                check_url("s3cret", "PUT", key, until, account, &sig, NOW),
                Err(AttachmentError::BadSignature)
            );
        }
        assert_eq!(
            check_url("s3cret", "GET", "k.png", expires, "LTAI1", &sig, NOW),
            Err(AttachmentError::BadSignature)
        );
        assert_eq!(
            check_url(
                "s3cret",
                "PUT",
                "k.png",
                expires,
                "LTAI1",
                &sig,
                (expires + 1) * 1000
            ),
            Err(AttachmentError::Expired)
        );
    }

    #[test]
    fn the_store_is_bounded_in_keys_and_bytes() {
        let mut store = AttachmentStore::default();
        let first = store.issue("0.txt", NOW).unwrap().object_key;
        for i in 1..=MAX_OBJECTS {
            store.issue(&format!("{i}.txt"), NOW).unwrap();
        }
        assert_eq!(store.usage().0, MAX_OBJECTS);
        assert!(store.attachable(&first).is_err(), "the oldest key went");

        let mut store = AttachmentStore::default();
        let keys: Vec<String> = (0..5)
            .map(|i| store.issue(&format!("{i}.zip"), NOW).unwrap().object_key)
            .collect();
        for key in &keys {
            store
                .upload(key, None, vec![0; MAX_FILE_BYTES], NOW)
                .unwrap();
        }
        assert!(store.usage().1 <= MAX_ACCOUNT_BYTES);
        assert!(store.read(&keys[0]).is_none(), "the oldest file went");
        assert!(store.read(&keys[4]).is_some());
    }
}
