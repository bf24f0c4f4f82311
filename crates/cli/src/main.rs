//! The padlock command: argument parsing and output only; the work happens in the library
//! crates.
#![forbid(unsafe_code)]

mod cmd_ca;
mod cmd_connect;
mod cmd_get;
mod cmd_inspect;
mod cmd_listen;
mod cmd_serve;
mod cmd_verify;
mod common;
mod protocol_args;
mod server_trace;
mod session_file;
mod trust;

use clap::{Parser, Subcommand};

/// HTTPS for Rust, whole.
#[derive(Parser, Debug)]
#[command(name = "padlock", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The local certificate authority.
    Ca(cmd_ca::Args),
    /// Print a certificate or chain readably.
    Inspect(cmd_inspect::Args),
    /// Validate a certificate chain.
    Verify(cmd_verify::Args),
    /// Serve a folder (or proxy) over HTTPS.
    Serve(cmd_serve::Args),
    /// Fetch a URL, curl-like.
    Get(cmd_get::Args),
    /// Open a TLS connection and relay stdin/stdout, like `openssl s_client`.
    Connect(cmd_connect::Args),
    /// A TLS test server that shows what was negotiated, like `openssl s_server -www`.
    Listen(cmd_listen::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ca(a) => cmd_ca::run(a),
        Command::Inspect(a) => cmd_inspect::run(a),
        Command::Verify(a) => cmd_verify::run(a),
        Command::Serve(a) => cmd_serve::run(a),
        Command::Get(a) => cmd_get::run(a),
        Command::Connect(a) => cmd_connect::run(a),
        Command::Listen(a) => cmd_listen::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!("padlock: {message}");
            if message.contains("signed by an unknown CA") {
                eprintln!("padlock: hint: {}", common::UNKNOWN_CA_HINT);
            }
            std::process::exit(2);
        }
    }
}
