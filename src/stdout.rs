//! Standard output that a reader may close: `lakegate check | head` must exit with the code
//! the run earned, not with a write error. Once the pipe is closed (`BrokenPipe`), the rest
//! of the output is discarded quietly; report files and history are still written.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout was found closed: later writers discard at once.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// A locked stdout that turns a closed pipe into "discard the rest".
pub struct Stdout {
    inner: io::StdoutLock<'static>,
}

/// The process's stdout, closed-pipe safe.
pub fn stdout() -> Stdout {
    Stdout { inner: io::stdout().lock() }
}

/// Whether a reader closed stdout during this run.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

fn absorb<T>(r: io::Result<T>, ok: T) -> io::Result<T> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            if !CLOSED.swap(true, Ordering::Relaxed) {
                tracing::debug!("stdout was closed by its reader: the rest of the output is discarded");
            }
            Ok(ok)
        }
        other => other,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if closed() {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        absorb(r, buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if closed() {
            return Ok(());
        }
        let r = self.inner.write_all(buf);
        absorb(r, ())
    }

    fn flush(&mut self) -> io::Result<()> {
        if closed() {
            return Ok(());
        }
        let r = self.inner.flush();
        absorb(r, ())
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        // The line buffer's tail: a closed pipe here is as quiet as anywhere else.
        let _ = self.flush();
    }
}
