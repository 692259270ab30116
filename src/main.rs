//! The `oauth-console` binary: parse, run, and turn an error into one line and an exit code.

use std::process::ExitCode;

use oauth_console::cli::{self, Cli};

/// The token endpoint allocates a few dozen small buffers per request from two worker threads;
/// mimalloc's thread-local free lists serve them faster than glibc's malloc (measured with
/// scripts/bench-token.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A usage error (or --help) ends here, with clap's words and exit code.
    let cli = match Cli::from_command_line(std::env::args_os()) {
        Ok(cli) => cli,
        Err(usage) => usage.exit(),
    };
    let json = cli.global.json;
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // `oauth-console apps list | head` closes the pipe early; that is not a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let body = serde_json::json!({ "error": format!("{error:#}") });
                eprintln!("{body}");
            } else {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|json| json.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}
