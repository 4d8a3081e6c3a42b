//! Cache keys: every key names the tenant, the tenant's Workorder API version, the language and
//! (for category lists) the product. The version is in the key because the two versions'
//! catalogues are different id namespaces: an entry fetched while a tenant spoke one version is
//! never served after a reload switched it to the other (reloads also drop the tenant's
//! entries; the key makes it hold even for a fetch in flight across the reload).
//!
//! Lookups use [`KeyRef`], borrowed from the request, so a hit allocates nothing; its derived
//! `Hash` equals [`Key`]'s because `String` hashes exactly as `str`.

use moka::Equivalent;

use crate::settings::ApiVersion;
use workorder_api::Language;

/// A cache key. `product` is empty for products lists. The derived `Hash` equals [`KeyRef`]'s
/// (`String` hashes as `str`), which lets hits look up without allocating.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) tenant: String,
    pub(crate) version: ApiVersion,
    pub(crate) language: Language,
    pub(crate) product: String,
}

/// A borrowed [`Key`], for lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KeyRef<'a> {
    pub(crate) tenant: &'a str,
    pub(crate) version: ApiVersion,
    pub(crate) language: Language,
    pub(crate) product: &'a str,
}

impl KeyRef<'_> {
    pub(crate) fn to_key(self) -> Key {
        Key {
            tenant: self.tenant.to_owned(),
            version: self.version,
            language: self.language,
            product: self.product.to_owned(),
        }
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.tenant == key.tenant
            && self.version == key.version
            && self.language == key.language
            && self.product == key.product
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, RandomState};

    use super::*;

    #[test]
    fn a_borrowed_key_hashes_and_compares_like_the_owned_one() {
        let hasher = RandomState::new();
        let borrowed = KeyRef {
            tenant: "acme",
            version: ApiVersion::V2020,
            language: Language::En,
            product: "ecs",
        };
        let owned = borrowed.to_key();
        assert_eq!(hasher.hash_one(borrowed), hasher.hash_one(&owned));
        assert!(borrowed.equivalent(&owned));
        let other_tenant = KeyRef {
            tenant: "globex",
            ..borrowed
        };
        assert!(!other_tenant.equivalent(&owned));
        let other_version = KeyRef {
            version: ApiVersion::V2021,
            ..borrowed
        };
        assert!(!other_version.equivalent(&owned));
    }
}
