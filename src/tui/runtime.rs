//! The console in a real terminal: raw mode, the alternate screen, mouse and bracketed paste on;
//! a thread reads input into the same channel that effects answer on; each message is one
//! `update`, and a frame is drawn only after messages arrive, never on a timer. The terminal is
//! restored on the way out, and by the panic hook if anything panics.

use std::io::{self, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, KeyCode, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::layout::Rect;
use tokio::sync::{Notify, mpsc};

use super::clipboard::Clipboard;
use super::effect::{Effect, Msg, cancelled, perform};
use super::keys::{KeyMap, KeysFileError};
use super::screens::dialogs::FirstStart;
use super::state::{State, Status, Theme};
use super::update::{init, update};
use super::zone::Zone;
use crate::backend::Backend;

/// How the console opens, besides its backend and keys: chosen by the user, or said by the start
/// that opened the store.
pub struct Opening {
    /// The theme chosen (`--theme`, or the config file's), which `NO_COLOR` overrides.
    pub theme: Theme,
    /// Masks SIDs and secrets on screen (`--present`).
    pub present: bool,
    /// The password of a store this start created, shown once over the first screen (standard
    /// error would be behind the console's screen).
    pub first_start: Option<FirstStart>,
}

/// Runs the console until the user quits; `serving` is where this process also serves the
/// authorization server, for the header.
///
/// `keys` are the bindings of the user's `keys.toml`, or why it was refused: then the defaults
/// are in use and the status line says so at start, where it is read (standard error would be
/// behind the console's screen).
pub async fn run(
    backend: Arc<dyn Backend>,
    clipboard: Arc<dyn Clipboard>,
    serving: Option<String>,
    keys: Result<KeyMap, KeysFileError>,
    opening: Opening,
) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        ratatui::restore();
        previous(info);
    }));
    let result = match execute!(stdout(), EnableMouseCapture, EnableBracketedPaste) {
        Ok(()) => run_loop(&mut terminal, backend, clipboard, serving, keys, opening).await,
        Err(error) => Err(error),
    };
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result
}

async fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    backend: Arc<dyn Backend>,
    clipboard: Arc<dyn Clipboard>,
    serving: Option<String>,
    keys: Result<KeyMap, KeysFileError>,
    opening: Opening,
) -> io::Result<()> {
    let size = terminal.size()?;
    let mut state = State::new(
        backend.issuer().to_owned(),
        opening.theme.unless_no_color(),
        Rect::new(0, 0, size.width, size.height),
    );
    state.session.serving = serving;
    state.session.present = opening.present;
    state.session.zone = Zone::local();
    if let Some(first) = opening.first_start {
        state.show_first_start(first);
    }
    match keys {
        Ok(keys) => state.keys = keys,
        Err(refused) => state.status = Some(Status::error(refused.to_string())),
    }
    state.session.token_endpoint = backend.token_endpoint();
    state.session.server = backend.server_url().map(str::to_owned);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let input = tx.clone();
    // crossterm's read blocks, so it gets a thread of its own; it ends when the console does.
    std::thread::spawn(move || {
        while let Ok(event) = event::read() {
            let msg = match event {
                Event::Key(key) => Msg::Key(key),
                Event::Mouse(mouse) => Msg::Mouse(mouse),
                Event::Paste(text) => Msg::Paste(text),
                Event::Resize(width, height) => Msg::Resize(width, height),
                Event::FocusGained | Event::FocusLost => continue,
            };
            if input.send(msg).is_err() {
                break;
            }
        }
    });
    let in_flight = Arc::new(AtomicUsize::new(0));
    let cancel = Arc::new(Notify::new());
    let mut spin = tokio::time::interval(SPIN);
    let requests = Requests {
        in_flight: &in_flight,
        cancel: &cancel,
    };
    dispatch(init(), &backend, &clipboard, &tx, &requests).await;
    loop {
        let waiting = in_flight.load(Ordering::SeqCst) > 0;
        state.spinner = waiting.then(|| state.spinner.map_or(0, |frame| frame + 1));
        terminal.draw(|frame| frame.render_widget(&state, frame.area()))?;
        let msg = tokio::select! {
            msg = rx.recv() => msg,
            // While a request is in flight the spinner turns; otherwise frames wait for input.
            _ = spin.tick(), if waiting => continue,
        };
        let Some(msg) = msg else {
            break;
        };
        // While the spinner turns, Esc stops waiting: each request answers as cancelled.
        if waiting
            && let Msg::Key(key) = &msg
            && key.code == KeyCode::Esc
            && key.kind == KeyEventKind::Press
        {
            cancel.notify_waiters();
            continue;
        }
        let mut effects = update(&mut state, msg);
        // Take whatever else has arrived before drawing again: fast typing costs one frame.
        while !state.quit
            && let Ok(msg) = rx.try_recv()
        {
            effects.extend(update(&mut state, msg));
        }
        if state.quit {
            break;
        }
        dispatch(effects, &backend, &clipboard, &tx, &requests).await;
    }
    Ok(())
}

/// How often the spinner turns while a request is in flight.
const SPIN: Duration = Duration::from_millis(120);

/// The backend requests in flight: how many (for the spinner), and how to stop waiting for them.
struct Requests<'a> {
    in_flight: &'a Arc<AtomicUsize>,
    cancel: &'a Arc<Notify>,
}

async fn dispatch(
    effects: Vec<Effect>,
    backend: &Arc<dyn Backend>,
    clipboard: &Arc<dyn Clipboard>,
    tx: &mpsc::UnboundedSender<Msg>,
    requests: &Requests<'_>,
) {
    for effect in effects {
        if effect.is_copy() {
            let msg = perform(&**backend, &**clipboard, effect).await;
            let _ = tx.send(msg);
            continue;
        }
        let backend = Arc::clone(backend);
        let clipboard = Arc::clone(clipboard);
        let tx = tx.clone();
        let delay = effect.delay();
        // A pause (for typing to settle, or a countdown's tick) is not a request: no spinner for
        // it, and nothing to cancel.
        let counted = delay.is_none().then(|| Arc::clone(requests.in_flight));
        if let Some(count) = &counted {
            count.fetch_add(1, Ordering::SeqCst);
        }
        let if_cancelled = cancelled(&effect);
        let cancel = Arc::clone(requests.cancel);
        tokio::spawn(async move {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            let stop = async {
                match if_cancelled {
                    Some(answer) => {
                        cancel.notified().await;
                        answer
                    }
                    None => std::future::pending().await,
                }
            };
            let msg = tokio::select! {
                msg = perform(&*backend, &*clipboard, effect) => msg,
                answer = stop => answer,
            };
            if let Some(count) = counted {
                count.fetch_sub(1, Ordering::SeqCst);
            }
            // The console may have quit meanwhile; then nobody needs the answer.
            let _ = tx.send(msg);
        });
    }
}
