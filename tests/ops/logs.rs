//! The captured log output of this test process: the gateway's JSON subscriber
//! (`telemetry::try_init_with_writer`) writing into a shared buffer, at debug level for
//! every crate and trace level for the gateway — far more than production logs — so that a
//! secret logged at any level is caught.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;
use workorder_gateway::settings::{LogFormat, LogSettings};

/// A cloneable writer appending to the shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static CAPTURE: OnceLock<Buffer> = OnceLock::new();

/// Installs the capturing subscriber on first use.
fn buffer() -> &'static Buffer {
    CAPTURE.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let settings = LogSettings {
            level: "debug,workorder_gateway=trace".to_owned(),
            format: LogFormat::Json,
        };
        workorder_gateway::telemetry::try_init_with_writer(&settings, true, move || writer.clone())
            .expect("the only subscriber of this test binary");
        buffer
    })
}

/// Starts capturing (call before the gateway starts, so start-up is captured too).
pub fn capture() {
    buffer();
}

/// Everything logged so far by this process, as text.
pub fn text() -> String {
    String::from_utf8_lossy(&buffer().0.lock().unwrap()).into_owned()
}

/// Every line logged so far, parsed; a line that is not JSON fails the test.
pub fn lines() -> Vec<Value> {
    text()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect()
}

/// The `http_request` span a line was logged in, if any (first of `spans`).
pub fn request_span(line: &Value) -> Option<&Value> {
    line["spans"]
        .as_array()?
        .iter()
        .find(|span| span["name"] == "http_request")
}

/// The lines logged while serving the request with this `X-Request-Id`, child spans included.
pub fn lines_of_request(request_id: &str) -> Vec<Value> {
    lines()
        .into_iter()
        .filter(|line| request_span(line).is_some_and(|span| span["request_id"] == request_id))
        .collect()
}

/// A request id unique to one test step, for finding its lines.
pub fn fresh_request_id(step: &str) -> String {
    format!("ops-{step}-{}", uuid::Uuid::new_v4().simple())
}
