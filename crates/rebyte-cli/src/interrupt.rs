//! Ctrl-C. The handler is installed when the program starts, so no interrupt is lost. While a
//! command waits or watches, an interrupt is delivered to it (it stops cleanly, perhaps
//! cancelling the task); at any other moment the program stops at once with exit code 130.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::watch;

use crate::exit::Exit;

static STATE: OnceLock<Shared> = OnceLock::new();

#[derive(Debug)]
struct Shared {
    listening: Arc<AtomicUsize>,
    rx: watch::Receiver<bool>,
}

/// Installs the Ctrl-C handler. Call once, inside the runtime, before anything else.
pub fn install() {
    let (tx, rx) = watch::channel(false);
    let listening = Arc::new(AtomicUsize::new(0));
    let _ = STATE.set(Shared {
        listening: listening.clone(),
        rx,
    });
    #[cfg(unix)]
    let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    #[cfg(unix)]
    let Ok(mut signal) = signal else {
        return;
    };
    tokio::spawn(async move {
        loop {
            #[cfg(unix)]
            let got = signal.recv().await.is_some();
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            if listening.load(Ordering::SeqCst) > 0 {
                let _ = tx.send(true);
            } else {
                let mut stderr = anstream::stderr();
                let _ = std::io::Write::write_all(&mut stderr, b"interrupted\n");
                std::process::exit(i32::from(Exit::Interrupted.code()));
            }
        }
    });
}

/// Declares that the command handles Ctrl-C from now on, until the guard is dropped: an
/// interrupt is kept for the next [`interrupted`] instead of stopping the program. Take it
/// before printing what tells the user (or a script) that a wait is about to start.
pub fn handle() -> Option<Listening<'static>> {
    STATE.get().map(|state| Listening::new(&state.listening))
}

/// Resolves when Ctrl-C is pressed while this is awaited, or was pressed earlier while a
/// [`handle`] guard was held.
pub async fn interrupted() {
    let Some(state) = STATE.get() else {
        return std::future::pending().await;
    };
    let _guard = Listening::new(&state.listening);
    let mut rx = state.rx.clone();
    if rx.wait_for(|hit| *hit).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// While it lives, Ctrl-C is delivered to the command instead of stopping the program.
#[derive(Debug)]
pub struct Listening<'a>(&'a AtomicUsize);

impl<'a> Listening<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter)
    }
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
