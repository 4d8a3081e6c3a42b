//! The `workorder-gateway` binary.

fn main() {}
