//! The application object: shared state, the principal extractor, and server start-up with
//! graceful shutdown and configuration reload.

pub mod principal;
pub mod startup;
pub mod state;
mod watch;

pub use principal::Principal;
pub use startup::{AppHandle, Application, StartupError};
pub use state::{AppState, LiveConfig};
