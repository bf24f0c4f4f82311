//! Moving bytes between a padlock and a rustls connection in memory, for the rustls
//! interop tests (TLS 1.3 and TLS 1.2).

use std::io::Read;

use padlock_tls::Connection;

/// Moves bytes both ways until neither side has anything to send, collecting each side's
/// received plaintext into its sink.
pub fn pump(
    p: &mut Connection,
    r: &mut rustls::Connection,
    p_got: &mut Vec<u8>,
    r_got: &mut Vec<u8>,
) -> Result<(), String> {
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..100_000 {
        let mut progress = false;
        // padlock → rustls
        let mut wire = Vec::new();
        while p.wants_write() {
            p.write_tls_to(&mut wire)
                .map_err(|e| format!("padlock write_tls: {e}"))?;
        }
        let mut rd = &wire[..];
        while !rd.is_empty() {
            progress = true;
            r.read_tls(&mut rd)
                .map_err(|e| format!("rustls read_tls: {e}"))?;
            r.process_new_packets()
                .map_err(|e| format!("rustls: {e}"))?;
            loop {
                match r.reader().read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => r_got.extend_from_slice(&buf[..n]),
                    Err(_) => break,
                }
            }
        }
        // rustls → padlock
        let mut wire = Vec::new();
        while r.wants_write() {
            r.write_tls(&mut wire)
                .map_err(|e| format!("rustls write_tls: {e}"))?;
        }
        let mut off = 0;
        while off < wire.len() {
            progress = true;
            let n = p.read_tls(&wire[off..]);
            off += n;
            p.process_new_packets()
                .map_err(|e| format!("padlock: {e}"))?;
            loop {
                let n = p.read_plaintext(&mut buf);
                if n == 0 {
                    break;
                }
                p_got.extend_from_slice(&buf[..n]);
            }
        }
        if !progress {
            return Ok(());
        }
    }
    Err("pump did not settle".into())
}
