//! HTML directory listings: names escaped for HTML, links percent-encoded.

use std::path::Path;
use std::time::SystemTime;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// At most this many entries are listed; a note says when more were left out.
const MAX_ENTRIES: usize = 10_000;

/// Characters percent-encoded in a link path segment (RFC 3986 §3.3: everything outside
/// `pchar`, plus `%`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'\'');

struct Entry {
    name: String,
    is_dir: bool,
    size: u64,
    modified: Option<SystemTime>,
}

/// Renders the listing of `dir`, shown under the URL path `uri_path` (which ends in `/`);
/// names starting with `.` are left out unless `dotfiles` is set.
pub async fn render(dir: &Path, uri_path: &str, dotfiles: bool) -> std::io::Result<String> {
    let mut entries = Vec::new();
    let mut more = false;
    let mut rd = tokio::fs::read_dir(dir).await?;
    while let Some(e) = rd.next_entry().await? {
        if entries.len() == MAX_ENTRIES {
            more = true;
            break;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if !dotfiles && name.starts_with('.') {
            continue;
        }
        // Metadata follows symlinks; a dangling one shows as a file of size 0.
        let meta = tokio::fs::metadata(e.path()).await.ok();
        entries.push(Entry {
            name,
            is_dir: meta.as_ref().is_some_and(|m| m.is_dir()),
            size: meta.as_ref().map_or(0, |m| m.len()),
            modified: meta.and_then(|m| m.modified().ok()),
        });
    }
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));

    let title = escape_html(&percent_encoding::percent_decode_str(uri_path).decode_utf8_lossy());
    let mut html = String::with_capacity(512 + entries.len() * 128);
    html.push_str("<!doctype html>\n<html><head><meta charset=\"utf-8\">");
    html.push_str(&format!("<title>Index of {title}</title>"));
    html.push_str(
        "<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:0 1em}\
         td.s{text-align:right}</style></head>\n<body>\n",
    );
    html.push_str(&format!("<h1>Index of {title}</h1>\n<table>\n"));
    if uri_path != "/" {
        html.push_str("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
    }
    for e in &entries {
        let slash = if e.is_dir { "/" } else { "" };
        let href = utf8_percent_encode(&e.name, SEGMENT).to_string();
        let when = e.modified.map(httpdate::fmt_http_date).unwrap_or_default();
        let size = if e.is_dir {
            "-".to_string()
        } else {
            e.size.to_string()
        };
        html.push_str(&format!(
            "<tr><td><a href=\"./{href}{slash}\">{name}{slash}</a></td><td class=\"s\">{size}</td><td>{when}</td></tr>\n",
            name = escape_html(&e.name),
        ));
    }
    html.push_str("</table>\n");
    if more {
        html.push_str(&format!(
            "<p>Only the first {MAX_ENTRIES} entries are shown.</p>\n"
        ));
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// Escapes the five HTML-special characters.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_in_names() {
        assert_eq!(escape_html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }

    #[tokio::test]
    async fn lists_folders_first_with_escaped_names_and_encoded_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("<x>&y.txt"), b"hi").unwrap();
        std::fs::write(dir.path().join("a b.txt"), b"hello").unwrap();
        std::fs::create_dir(dir.path().join("zdir")).unwrap();
        let html = render(dir.path(), "/sub/", false).await.unwrap();
        assert!(html.contains("&lt;x&gt;&amp;y.txt"), "{html}");
        assert!(!html.contains("<x>"), "{html}");
        assert!(html.contains("href=\"./a%20b.txt\""), "{html}");
        let zdir = html.find("zdir/").unwrap();
        let file = html.find("a b.txt").unwrap();
        assert!(zdir < file, "folders come first");
        assert!(html.contains("href=\"../\""));
    }

    #[tokio::test]
    async fn leaves_dotfiles_out_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), b"SECRET=1").unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join("shown.txt"), b"hi").unwrap();
        let html = render(dir.path(), "/", false).await.unwrap();
        assert!(html.contains("shown.txt") && !html.contains(".env") && !html.contains(".git"));
        let html = render(dir.path(), "/", true).await.unwrap();
        assert!(html.contains(".env") && html.contains(".git/"), "{html}");
    }
}
