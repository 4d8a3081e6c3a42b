//! The application object: shared state, the principal extractor, and server start-up with
//! graceful shutdown and configuration reload, and the optional admin listener.

mod admin;
mod lifecycle;
mod live;
pub mod principal;
pub mod startup;
pub mod state;
mod watch;

pub use lifecycle::{AppHandle, shutdown_signal};
pub use principal::Principal;
pub use startup::{Application, StartupError};
pub use state::{AppState, LiveConfig};
