//! `bogo-shim`: see the crate docs.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(padlock_bogo_shim::main_with_args(&args));
}
