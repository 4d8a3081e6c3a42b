//! The embedded Workorder API simulator (see issue 3).
