//! Helpers shared by the fuzz targets in `fuzz_targets/`.

use std::collections::HashMap;

use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON body read independently of the gateway's types, to check what the gateway made of it.
///
/// Read as leniently as serde reads a body into a derived struct: serde_json skips the members a
/// struct does not name without checking their UTF-8 or converting their numbers, so a body the
/// gateway accepted may hold invalid bytes or a number no `f64` holds (`1e400`) there. The text
/// is therefore read lossily and each member kept raw; only the members asked for are parsed.
#[derive(Debug)]
pub enum JsonBody {
    /// An object's members by name (the last of duplicates).
    Object(HashMap<String, Box<RawValue>>),
    /// An array's elements: serde also reads a struct from an array, fields in declaration order.
    Array(Vec<Box<RawValue>>),
    /// Anything else.
    Other,
}

impl JsonBody {
    /// Reads `body`.
    pub fn read(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        if let Ok(members) = serde_json::from_str(&text) {
            JsonBody::Object(members)
        } else if let Ok(elements) = serde_json::from_str(&text) {
            JsonBody::Array(elements)
        } else {
            JsonBody::Other
        }
    }

    /// The member `name` of an object, or the element at `position` of an array, parsed;
    /// `None` when absent or not a value `serde_json::Value` can hold.
    pub fn member(&self, name: &str, position: usize) -> Option<Value> {
        let raw = match self {
            JsonBody::Object(members) => members.get(name),
            JsonBody::Array(elements) => elements.get(position),
            JsonBody::Other => None,
        }?;
        serde_json::from_str(raw.get()).ok()
    }
}
