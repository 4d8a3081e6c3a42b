//! The application object: server start-up with graceful shutdown and configuration reload,
//! and the optional admin listener. What handlers share ([`crate::http::AppState`]) and the
//! principal extractor belong to the request context, [`crate::http`].

mod admin;
mod lifecycle;
mod live;
pub mod startup;
mod watch;

pub use lifecycle::{AppHandle, shutdown_signal};
pub use startup::{Application, StartupError};
