//! The `oauth-console` binary: parse, run, and turn an error into one line and an exit code.

use std::process::ExitCode;

use oauth_console::cli::{self, Cli, Refused, Settings};

/// The token endpoint allocates a few dozen small buffers per request from two worker threads;
/// mimalloc's thread-local free lists serve them faster than glibc's malloc (measured with
/// scripts/bench-token.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A Tab in a shell that sourced `oauth-console completions` ends here, before anything else
    // is printed or started.
    cli::complete_if_asked();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Known before parsing, so that a usage error is JSON too when --json was typed.
    let json = args
        .iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--json");
    // A usage error (or --help) ends here, with clap's words and exit code; so does a mistake
    // in the config file, with nothing started.
    match cli::parse_command_line(args) {
        Ok((cli, settings)) => {
            let code = run(cli, settings);
            cli::flush_logs();
            code
        }
        Err(Refused::Usage(usage)) => cli::report_usage(usage, json),
        Err(Refused::Config(mistake)) => cli::report(&anyhow::Error::new(mistake), json),
    }
}

#[tokio::main]
async fn run(cli: Cli, settings: Settings) -> ExitCode {
    let json = cli.global.json;
    match cli::run(cli, settings).await {
        Ok(()) => ExitCode::SUCCESS,
        // `oauth-console apps list | head` closes the pipe early; that is not a failure.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => cli::report(&error, json),
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
