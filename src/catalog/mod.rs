//! Cached product and category catalogs, per tenant and language (see issue 4).
