//! Serving a folder: path resolution that cannot escape the root, files with Content-Type,
//! Last-Modified/ETag validators, conditional requests (RFC 9110 §13), byte ranges (one, or
//! several as multipart/byteranges; RFC 9110 §14), HEAD, and HTML directory listings.

use std::io::SeekFrom;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::{percent_decode_str, utf8_percent_encode, CONTROLS};
use tokio::io::AsyncSeekExt;

use crate::body::{self, Body, FileBody};
use crate::error::Error;
use crate::filecache::{self, CachedFile, FileCache, Identity};
use crate::listing;
use crate::mime;
use crate::range::{self, RangeRequest};

/// Serves the files under one folder.
#[derive(Debug, Clone)]
pub struct FileServer {
    root: PathBuf,
    /// Small files recently served (shared by clones).
    cache: Arc<FileCache>,
    /// Whether names starting with a dot are served.
    dotfiles: Dotfiles,
}

/// Whether files and folders whose name starts with `.` (`.git/`, `.env`) are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dotfiles {
    /// Answered 404 and left out of listings, as if absent (the default): a folder served
    /// from a project's root must not hand out `.git/config` or `.env`. `/.well-known/`
    /// (RFC 8615) is still served.
    #[default]
    Hide,
    /// Served like any other name.
    Allow,
}

impl FileServer {
    /// Serves `root`, which must be an existing folder. Symlinks inside it are followed only
    /// while their target stays inside it.
    pub fn new(root: &Path) -> Result<Self, Error> {
        let root = std::fs::canonicalize(root).map_err(|error| Error::Root {
            path: root.to_path_buf(),
            error,
        })?;
        if !root.is_dir() {
            let error = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder");
            return Err(Error::Root { path: root, error });
        }
        Ok(FileServer {
            root,
            cache: Arc::new(FileCache::new(filecache::FRESH_FOR)),
            dotfiles: Dotfiles::default(),
        })
    }

    /// Sets whether dotfiles are served (by default they are hidden).
    pub fn with_dotfiles(mut self, dotfiles: Dotfiles) -> Self {
        self.dotfiles = dotfiles;
        self
    }

    /// The folder served (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers one request.
    pub async fn respond<B>(&self, req: &Request<B>) -> Response<Body> {
        let head_only = match *req.method() {
            Method::GET => false,
            Method::HEAD => true,
            _ => {
                let mut res = status_page(StatusCode::METHOD_NOT_ALLOWED);
                res.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                return res;
            }
        };
        let uri_path = req.uri().path();
        // RFC 9112 §3.2: GET and HEAD take an origin-form (or absolute-form) target, whose
        // path starts with `/`; authority-form (`host:port`) and `*` name no file.
        if !uri_path.starts_with('/') {
            return status_page(StatusCode::BAD_REQUEST);
        }
        let relative = match resolve(uri_path) {
            Ok(relative) => relative,
            Err(status) => return status_page(status),
        };
        if self.dotfiles == Dotfiles::Hide && is_hidden(&relative) {
            return status_page(StatusCode::NOT_FOUND);
        }
        // A small file asked for recently is answered from memory (see `filecache`).
        let now = Instant::now();
        let root = &self.root;
        if let Some(hit) = self
            .cache
            .get(&relative, now, |entry| same_file(root, &relative, entry))
        {
            let contents = Some(hit.contents.clone());
            return serve_file(&hit.info, contents, req.headers(), head_only).await;
        }
        // The lookup (canonicalize, stat, and reading a small file) runs inline on the
        // worker: for a local folder these are page-cache hits taking microseconds, less than
        // a hand-off to the blocking pool and back, which cost two thread switches per
        // request (thread switching dominated a keep-alive profile). Larger files
        // stream from `tokio::fs`, which does use the blocking pool.
        match lookup(&self.root, &relative, self.dotfiles) {
            Found::Refused(status) => status_page(status),
            Found::File {
                path,
                meta,
                contents,
            } => {
                let info = FileInfo::new(path, &meta);
                if let Some(contents) = &contents {
                    let entry =
                        CachedFile::new(info.clone(), contents.clone(), Identity::of(&meta), now);
                    self.cache.insert(relative, Arc::new(entry));
                }
                serve_file(&info, contents, req.headers(), head_only).await
            }
            Found::Dir { path, index } => {
                if !uri_path.ends_with('/') {
                    // Relative links in the listing need the trailing slash.
                    return redirect(
                        StatusCode::MOVED_PERMANENTLY,
                        &folder_location(uri_path, req.uri().query()),
                    );
                }
                if let Some((index, meta, contents)) = index {
                    let info = FileInfo::new(index, &meta);
                    return serve_file(&info, contents, req.headers(), head_only).await;
                }
                match listing::render(&path, uri_path, self.dotfiles == Dotfiles::Allow).await {
                    Ok(html) => {
                        let len = html.len();
                        let body = if head_only {
                            body::empty()
                        } else {
                            body::full(html)
                        };
                        let mut res = Response::new(body);
                        let h = res.headers_mut();
                        h.insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/html; charset=utf-8"),
                        );
                        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                        res
                    }
                    Err(_) => status_page(StatusCode::FORBIDDEN),
                }
            }
        }
    }
}

/// Files up to this size are read whole during the (inline) lookup; kept small so a read
/// never holds a runtime worker for long.
const SMALL_FILE: u64 = 64 * 1024;

/// What a request path names, found with blocking filesystem calls.
enum Found {
    Refused(StatusCode),
    File {
        path: PathBuf,
        meta: std::fs::Metadata,
        contents: Option<bytes::Bytes>,
    },
    Dir {
        path: PathBuf,
        index: Option<(PathBuf, std::fs::Metadata, Option<bytes::Bytes>)>,
    },
}

/// Whether the file behind `relative` is still the one `entry` cached: the path still
/// resolves (symlinks followed) to the same place inside `root`, and the file there has the
/// same identity (device, inode, length, modification time).
fn same_file(root: &Path, relative: &Path, entry: &CachedFile) -> bool {
    let Ok(real) = std::fs::canonicalize(root.join(relative)) else {
        return false;
    };
    if real != entry.info.path || !real.starts_with(root) {
        return false;
    }
    match std::fs::metadata(&real) {
        Ok(meta) => meta.is_file() && &Identity::of(&meta) == FileCache::identity(entry),
        Err(_) => false,
    }
}

/// Follows symlinks, insists the result is still under `root` (and, unless dotfiles are
/// allowed, not a hidden name there: a symlink to `.env` is as hidden as `.env`), and reads
/// small files.
fn lookup(root: &Path, relative: &Path, dotfiles: Dotfiles) -> Found {
    let Ok(real) = std::fs::canonicalize(root.join(relative)) else {
        return Found::Refused(StatusCode::NOT_FOUND);
    };
    let Ok(inside) = real.strip_prefix(root) else {
        return Found::Refused(StatusCode::FORBIDDEN);
    };
    if dotfiles == Dotfiles::Hide && is_hidden(inside) {
        return Found::Refused(StatusCode::NOT_FOUND);
    }
    let Ok(meta) = std::fs::metadata(&real) else {
        return Found::Refused(StatusCode::NOT_FOUND);
    };
    // A file that changed length between the stat and the read is left to stream, so
    // `contents`, when present, always agrees with `meta`.
    let read = |path: &Path, meta: &std::fs::Metadata| {
        (meta.len() <= SMALL_FILE)
            .then(|| std::fs::read(path).ok())
            .flatten()
            .filter(|c| c.len() as u64 == meta.len())
            .map(bytes::Bytes::from)
    };
    if meta.is_dir() {
        let index = real.join("index.html");
        let index = match std::fs::metadata(&index) {
            Ok(m) if m.is_file() => {
                let contents = read(&index, &m);
                Some((index, m, contents))
            }
            _ => None,
        };
        return Found::Dir { path: real, index };
    }
    if !meta.is_file() {
        return Found::Refused(StatusCode::NOT_FOUND);
    }
    let contents = read(&real, &meta);
    Found::File {
        path: real,
        meta,
        contents,
    }
}

/// Whether a relative path has a component starting with `.`, other than the first
/// `.well-known` (RFC 8615 §3).
fn is_hidden(relative: &Path) -> bool {
    relative.components().enumerate().any(|(i, c)| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.') && !(i == 0 && name == ".well-known")
    })
}

/// Turns the request path into a relative file path: percent-decoded, `.` and empty
/// segments dropped, and any `..`, NUL or backslash refused so the path cannot climb out of
/// the root before the filesystem is even asked.
pub fn resolve(uri_path: &str) -> Result<PathBuf, StatusCode> {
    let mut out = PathBuf::new();
    for raw in uri_path.split('/') {
        let segment = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        match &*segment {
            "" | "." => continue,
            ".." => return Err(StatusCode::FORBIDDEN),
            s if s.contains(['\0', '/', '\\']) => return Err(StatusCode::FORBIDDEN),
            s => out.push(s),
        }
    }
    // Belt and braces: only plain names may remain.
    if out.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(StatusCode::FORBIDDEN);
    }
    Ok(out)
}

/// A file's path, length and validators, with the response headers built from them once
/// (so a cached file costs no formatting per request).
#[derive(Debug, Clone)]
pub(crate) struct FileInfo {
    /// Where the file is (canonical).
    pub(crate) path: PathBuf,
    /// Its length in bytes.
    pub(crate) len: u64,
    /// Its modification time, whole seconds (what Last-Modified can say).
    modified: Option<SystemTime>,
    /// The entity tag: length and modification time (RFC 9110 §8.8.3).
    etag: Option<String>,
    content_type: HeaderValue,
    etag_header: Option<HeaderValue>,
    last_modified_header: Option<HeaderValue>,
}

impl FileInfo {
    /// The description of the file at `path` with metadata `meta`.
    pub(crate) fn new(path: PathBuf, meta: &std::fs::Metadata) -> Self {
        let len = meta.len();
        let modified = meta.modified().ok().map(whole_seconds);
        let etag = modified.map(|m| {
            let secs = m
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!("\"{len:x}-{secs:x}\"")
        });
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let content_type = HeaderValue::from_static(mime::content_type(name));
        let etag_header = etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok());
        let last_modified_header =
            modified.and_then(|m| HeaderValue::from_str(&httpdate::fmt_http_date(m)).ok());
        FileInfo {
            path,
            len,
            modified,
            etag,
            content_type,
            etag_header,
            last_modified_header,
        }
    }

    fn add_validators(&self, h: &mut HeaderMap) {
        if let Some(v) = &self.etag_header {
            h.insert(header::ETAG, v.clone());
        }
        if let Some(v) = &self.last_modified_header {
            h.insert(header::LAST_MODIFIED, v.clone());
        }
    }
}

/// Answers for one file: `contents` is the whole file (`file.len` bytes) when it was read
/// (small files), else the body streams from disk.
async fn serve_file(
    file: &FileInfo,
    contents: Option<bytes::Bytes>,
    headers: &HeaderMap,
    head_only: bool,
) -> Response<Body> {
    let len = file.len;
    let modified = file.modified;
    let etag = file.etag.as_deref();

    // RFC 9110 §13.2.2: If-None-Match takes precedence over If-Modified-Since.
    if not_modified(headers, etag, modified) {
        let mut res = Response::new(body::empty());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        file.add_validators(res.headers_mut());
        return res;
    }

    let mut range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) => range::parse(value, len),
        None => RangeRequest::Whole,
    };
    // RFC 9110 §13.1.5: a Range with a stale If-Range is ignored.
    if range != RangeRequest::Whole && !if_range_matches(headers, etag, modified) {
        range = RangeRequest::Whole;
    }

    let (status, start, count) = match range {
        RangeRequest::Multiple(ranges) => {
            return serve_ranges(file, contents, &ranges, head_only).await;
        }
        RangeRequest::Whole => (StatusCode::OK, 0, len),
        RangeRequest::Satisfiable { start, end } => {
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeRequest::Unsatisfiable => {
            let mut res = status_page(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return res;
        }
    };

    let body = if head_only || count == 0 {
        body::empty()
    } else if let Some(bytes) = contents {
        if start == 0 && count == len {
            body::full(bytes)
        } else {
            // start + count <= len == bytes.len(), checked by the range parser.
            body::full(bytes.slice(start as usize..(start + count) as usize))
        }
    } else {
        let mut file = match tokio::fs::File::open(&file.path).await {
            Ok(f) => f,
            Err(_) => return status_page(StatusCode::FORBIDDEN),
        };
        if start > 0 && file.seek(SeekFrom::Start(start)).await.is_err() {
            return status_page(StatusCode::INTERNAL_SERVER_ERROR);
        }
        http_body_util::BodyExt::boxed(FileBody::new(file, count))
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    // Room for every header this answer and hyper (Date) add, so the map is allocated
    // once rather than grown as they arrive.
    *res.headers_mut() = HeaderMap::with_capacity(8);
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, file.content_type.clone());
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        let end = start + count - 1;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    file.add_validators(h);
    res
}

/// Answers several ranges of one file: 206 with a multipart/byteranges body (RFC 9110
/// §14.6), each part with its own Content-Type and Content-Range, the parts in the order
/// asked (nginx's answer too). The data is sliced from `contents` or streamed from the file.
async fn serve_ranges(
    file: &FileInfo,
    contents: Option<bytes::Bytes>,
    ranges: &[(u64, u64)],
    head_only: bool,
) -> Response<Body> {
    let boundary = multipart_boundary();
    let content_type = file
        .content_type
        .to_str()
        .unwrap_or("application/octet-stream");
    let mut parts = Vec::with_capacity(2 * ranges.len() + 1);
    let mut length: u64 = 0;
    for &(start, end) in ranges {
        let head = format!(
            "\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {start}-{end}/{}\r\n\r\n",
            file.len
        );
        length += head.len() as u64 + (end - start + 1);
        parts.push(body::full(head));
        if head_only {
            continue;
        }
        parts.push(match &contents {
            // start <= end < len == bytes.len(), checked by the range parser.
            Some(bytes) => body::full(bytes.slice(start as usize..=end as usize)),
            None => {
                let Ok(mut f) = tokio::fs::File::open(&file.path).await else {
                    return status_page(StatusCode::FORBIDDEN);
                };
                if f.seek(SeekFrom::Start(start)).await.is_err() {
                    return status_page(StatusCode::INTERNAL_SERVER_ERROR);
                }
                http_body_util::BodyExt::boxed(FileBody::new(f, end - start + 1))
            }
        });
    }
    let tail = format!("\r\n--{boundary}--\r\n");
    length += tail.len() as u64;
    parts.push(body::full(tail));
    let mut res = Response::new(if head_only {
        body::empty()
    } else {
        body::chain(parts)
    });
    *res.status_mut() = StatusCode::PARTIAL_CONTENT;
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("multipart/byteranges; boundary={boundary}")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    file.add_validators(h);
    res
}

/// A boundary for a multipart/byteranges answer: random, so a file cannot contain it by
/// design (RFC 2046 §5.1.1 asks that it not occur in the parts).
fn multipart_boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("padlock-{:016x}", hasher.finish())
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + std::time::Duration::from_secs(d.as_secs()),
        Err(_) => UNIX_EPOCH,
    }
}

/// RFC 9110 §13.1.2 (If-None-Match, weak comparison) then §13.1.3 (If-Modified-Since).
fn not_modified(headers: &HeaderMap, etag: Option<&str>, modified: Option<SystemTime>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let Some(etag) = etag else { return false };
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    let Some(ims) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    match (httpdate::parse_http_date(ims), modified) {
        (Ok(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

fn if_range_matches(headers: &HeaderMap, etag: Option<&str>, modified: Option<SystemTime>) -> bool {
    let Some(value) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if value.starts_with('"') {
        return etag == Some(value);
    }
    match (httpdate::parse_http_date(value), modified) {
        (Ok(date), Some(modified)) => modified == date,
        _ => false,
    }
}

/// Where a request for the folder `uri_path` (without its trailing slash) is sent: the same
/// path with the slash, and the query. Leading slashes are collapsed to one, because a
/// Location starting with `//` is a network-path reference (RFC 3986 §4.2): `//docs` would
/// send the client to the host `docs`. Bytes outside ASCII are percent-encoded (a Location
/// is a URI reference, RFC 9110 §10.2.2).
fn folder_location(uri_path: &str, query: Option<&str>) -> String {
    let path = uri_path.trim_start_matches('/');
    let mut location = String::from("/");
    if !path.is_empty() {
        location.extend(utf8_percent_encode(path, CONTROLS));
        location.push('/');
    }
    if let Some(q) = query {
        location.push('?');
        location.extend(utf8_percent_encode(q, CONTROLS));
    }
    location
}

/// A small HTML page for an error status.
pub fn status_page(status: StatusCode) -> Response<Body> {
    let reason = status.canonical_reason().unwrap_or("");
    let html = format!(
        "<!doctype html><title>{code} {reason}</title><h1>{code} {reason}</h1>\n",
        code = status.as_u16()
    );
    let len = html.len();
    let mut res = Response::new(body::full(html));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    res
}

/// A redirect to `location` with a short body.
pub fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut res = status_page(status);
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_plain_and_encoded_paths() {
        assert_eq!(resolve("/a/b%20c.txt").unwrap(), PathBuf::from("a/b c.txt"));
        assert_eq!(resolve("/").unwrap(), PathBuf::new());
        assert_eq!(resolve("//./a//").unwrap(), PathBuf::from("a"));
    }

    #[test]
    fn names_starting_with_a_dot_are_hidden_except_well_known() {
        assert!(is_hidden(Path::new(".git/config")));
        assert!(is_hidden(Path::new("a/.env")));
        assert!(is_hidden(Path::new("a/.well-known/x")));
        assert!(!is_hidden(Path::new(".well-known/security.txt")));
        assert!(!is_hidden(Path::new("a/b.c/d")));
    }

    #[tokio::test]
    async fn dotfiles_are_not_found_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/config"), b"[core]").unwrap();
        std::fs::write(dir.path().join(".env"), b"SECRET=1").unwrap();
        std::os::unix::fs::symlink(".env", dir.path().join("env.txt")).unwrap();
        let get = |path: &str| Request::get(path).body(()).unwrap();
        let files = FileServer::new(dir.path()).unwrap();
        for path in ["/.git/config", "/.env", "/%2eenv", "/env.txt", "/.git/"] {
            let res = files.respond(&get(path)).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let files = files.with_dotfiles(Dotfiles::Allow);
        for path in ["/.git/config", "/.env", "/env.txt"] {
            let res = files.respond(&get(path)).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
        }
    }

    #[test]
    fn refuses_dot_dot_in_any_spelling() {
        assert_eq!(resolve("/../etc/passwd"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve("/a/%2e%2e/%2e%2e/etc"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve("/a%2f..%2f..%2fetc"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve("/a%5c..%5cetc"), Err(StatusCode::FORBIDDEN));
        assert_eq!(resolve("/a%00b"), Err(StatusCode::FORBIDDEN));
    }

    #[test]
    fn a_folder_redirect_never_names_another_host() {
        assert_eq!(folder_location("//docs", None), "/docs/");
        assert_eq!(
            folder_location("///docs/sub", Some("a=1")),
            "/docs/sub/?a=1"
        );
        assert_eq!(folder_location("/docs", None), "/docs/");
    }

    #[test]
    fn a_folder_redirect_for_an_empty_path_is_the_root() {
        assert_eq!(folder_location("", None), "/");
    }

    #[tokio::test]
    async fn an_authority_form_or_asterisk_target_is_a_bad_request() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileServer::new(dir.path()).unwrap();
        for target in ["a=b", "localhost:8443", "*"] {
            let req = Request::get(target).body(()).unwrap();
            let res = files.respond(&req).await;
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{target}");
            assert!(!res.headers().contains_key(header::LOCATION), "{target}");
        }
    }

    #[test]
    fn a_folder_redirect_percent_encodes_bytes_outside_ascii() {
        assert_eq!(
            folder_location("/caf\u{e9}", Some("q=\u{e9}")),
            "/caf%C3%A9/?q=%C3%A9"
        );
    }

    #[tokio::test]
    async fn a_double_slash_folder_request_is_redirected_on_this_site() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        let files = FileServer::new(dir.path()).unwrap();
        let req = Request::get("//docs").body(()).unwrap();
        let res = files.respond(&req).await;
        assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(res.headers()[header::LOCATION], "/docs/");
    }

    #[test]
    fn refuses_invalid_utf8() {
        assert_eq!(resolve("/%ff"), Err(StatusCode::BAD_REQUEST));
    }
}
