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
use crate::date;
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

    /// Answers `req` at once, without a future, when it names a small file the cache
    /// holds (checked against the disk when no longer fresh) by its plain path, and asks
    /// for all of it, one range, or only whether it changed: the common case. `None`:
    /// [`Self::respond`] answers it.
    pub fn respond_from_cache<B>(&self, req: &Request<B>) -> Option<Response<Body>> {
        let head_only = match *req.method() {
            Method::GET => false,
            Method::HEAD => true,
            _ => return None,
        };
        let hit = self.cached(plain_relative(req.uri().path())?, Instant::now())?;
        match what_to_send(&hit.info, req.headers()) {
            FileAnswer::Ready(res) => Some(res),
            FileAnswer::Bytes {
                status,
                start,
                count,
            } => Some(from_memory(
                &hit.info,
                &hit.contents,
                status,
                start,
                count,
                head_only,
            )),
            FileAnswer::Ranges(_) => None,
        }
    }

    /// Answers one request.
    pub async fn respond<B>(&self, req: &Request<B>) -> Response<Body> {
        if let Some(res) = self.respond_from_cache(req) {
            return res;
        }
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
        let now = Instant::now();
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
        // `resolve` made the path from UTF-8 segments, so it has a string form.
        let key = relative.to_str().map(str::to_owned);
        if let Some(hit) = key.as_deref().and_then(|key| self.cached(key, now)) {
            return serve_file(&hit.info, Some(hit.contents.clone()), req, head_only).await;
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
                if let (Some(contents), Some(key)) = (&contents, key) {
                    let entry =
                        CachedFile::new(info.clone(), contents.clone(), Identity::of(&meta), now);
                    self.cache.insert(key, Arc::new(entry));
                }
                serve_file(&info, contents, req, head_only).await
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
                    return serve_file(&info, contents, req, head_only).await;
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

impl FileServer {
    /// The cache's entry for the file at `key` (a relative path, `/`-separated), checked
    /// against the disk when it is no longer fresh.
    fn cached(&self, key: &str, now: Instant) -> Option<Arc<CachedFile>> {
        self.cache.get(key, now, |entry| {
            same_file(&self.root, Path::new(key), entry)
        })
    }
}

/// The relative path a request path names when it is spelled plainly — `/`, then names of
/// letters, digits and `-_.~` separated by single slashes, none starting with a dot — so
/// that [`resolve`] would return it unchanged and it is not hidden: such a path is its own
/// cache key. `None` for anything else (percent-escapes, dot segments, empty segments, a
/// trailing slash, dotfiles), which takes the full path.
fn plain_relative(uri_path: &str) -> Option<&str> {
    let relative = uri_path.strip_prefix('/')?;
    let plain = relative.split('/').all(|name| {
        name.bytes().next().is_some_and(|b| b != b'.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    });
    plain.then_some(relative)
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
    /// The headers of a 200 answer with the whole file, Date last (a placeholder that each
    /// answer overwrites in place): cloned per answer rather than built header by header.
    whole: HeaderMap,
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
        let mut info = FileInfo {
            path,
            len,
            modified,
            etag,
            content_type,
            etag_header,
            last_modified_header,
            whole: HeaderMap::new(),
        };
        let mut whole = HeaderMap::with_capacity(8);
        info.add_content_headers(&mut whole, len);
        whole.insert(header::DATE, HeaderValue::from_static(""));
        info.whole = whole;
        info
    }

    /// Content-Type, Content-Length (`count`), Accept-Ranges and the validators.
    fn add_content_headers(&self, h: &mut HeaderMap, count: u64) {
        h.insert(header::CONTENT_TYPE, self.content_type.clone());
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        self.add_validators(h);
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
async fn serve_file<B>(
    file: &FileInfo,
    contents: Option<bytes::Bytes>,
    req: &Request<B>,
    head_only: bool,
) -> Response<Body> {
    let (status, start, count) = match what_to_send(file, req.headers()) {
        FileAnswer::Ready(res) => return res,
        FileAnswer::Ranges(ranges) => {
            return serve_ranges(file, contents, &ranges, head_only).await
        }
        FileAnswer::Bytes {
            status,
            start,
            count,
        } => (status, start, count),
    };
    if let Some(contents) = contents {
        return from_memory(file, &contents, status, start, count, head_only);
    }
    let body = if head_only || count == 0 {
        body::empty()
    } else {
        let mut f = match tokio::fs::File::open(&file.path).await {
            Ok(f) => f,
            Err(_) => return status_page(StatusCode::FORBIDDEN),
        };
        if start > 0 && f.seek(SeekFrom::Start(start)).await.is_err() {
            return status_page(StatusCode::INTERNAL_SERVER_ERROR);
        }
        http_body_util::BodyExt::boxed(FileBody::new(f, count))
    };
    with_file_headers(file, body, status, start, count)
}

/// What a GET or HEAD of `file` is answered with, given the request's conditional and range
/// headers.
enum FileAnswer {
    /// An answer without the file's bytes (304 Not Modified, 416 Range Not Satisfiable).
    Ready(Response<Body>),
    /// `count` bytes from `start`: the whole file (200) or one range of it (206).
    Bytes {
        status: StatusCode,
        start: u64,
        count: u64,
    },
    /// Several ranges (206, multipart/byteranges).
    Ranges(Vec<(u64, u64)>),
}

fn what_to_send(file: &FileInfo, headers: &HeaderMap) -> FileAnswer {
    let len = file.len;
    let modified = file.modified;
    let etag = file.etag.as_deref();

    // RFC 9110 §13.2.2: If-None-Match takes precedence over If-Modified-Since.
    if not_modified(headers, etag, modified) {
        let mut res = Response::new(body::empty());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        file.add_validators(res.headers_mut());
        return FileAnswer::Ready(res);
    }

    let mut range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value) => range::parse(value, len),
        None => RangeRequest::Whole,
    };
    // RFC 9110 §13.1.5: a Range with a stale If-Range is ignored.
    if range != RangeRequest::Whole && !if_range_matches(headers, etag, modified) {
        range = RangeRequest::Whole;
    }

    match range {
        RangeRequest::Multiple(ranges) => FileAnswer::Ranges(ranges),
        RangeRequest::Whole => FileAnswer::Bytes {
            status: StatusCode::OK,
            start: 0,
            count: len,
        },
        RangeRequest::Satisfiable { start, end } => FileAnswer::Bytes {
            status: StatusCode::PARTIAL_CONTENT,
            start,
            count: end - start + 1,
        },
        RangeRequest::Unsatisfiable => {
            let mut res = status_page(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            FileAnswer::Ready(res)
        }
    }
}

/// The answer with `count` bytes from `start` of `contents`, the whole file in memory.
fn from_memory(
    file: &FileInfo,
    contents: &bytes::Bytes,
    status: StatusCode,
    start: u64,
    count: u64,
    head_only: bool,
) -> Response<Body> {
    let body = if head_only || count == 0 {
        body::empty()
    } else if start == 0 && count == file.len {
        body::full(contents.clone())
    } else {
        // start + count <= len == contents.len(), checked by the range parser.
        body::full(contents.slice(start as usize..(start + count) as usize))
    };
    with_file_headers(file, body, status, start, count)
}

/// `body` (`count` bytes from `start` of the file) with its status and headers.
fn with_file_headers(
    file: &FileInfo,
    body: Body,
    status: StatusCode,
    start: u64,
    count: u64,
) -> Response<Body> {
    let mut res = Response::new(body);
    *res.status_mut() = status;
    if status == StatusCode::OK {
        *res.headers_mut() = file.whole.clone();
        res.headers_mut().insert(header::DATE, date::now());
        return res;
    }
    // Room for every header this answer and hyper (Date) add, so the map is allocated
    // once rather than grown as they arrive.
    *res.headers_mut() = HeaderMap::with_capacity(8);
    let h = res.headers_mut();
    file.add_content_headers(h, count);
    let end = start + count - 1;
    if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{}", file.len)) {
        h.insert(header::CONTENT_RANGE, v);
    }
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
    fn only_a_plainly_spelled_path_is_its_own_cache_key() {
        for (path, key) in [
            ("/1k.bin", "1k.bin"),
            ("/a/b-c_d.e~f/g.txt", "a/b-c_d.e~f/g.txt"),
        ] {
            assert_eq!(plain_relative(path), Some(key));
            assert_eq!(resolve(path).unwrap(), PathBuf::from(key));
        }
        for path in [
            "/",
            "",
            "a",
            "/a/",
            "//a",
            "/a//b",
            "/./a",
            "/a/../b",
            "/.env",
            "/a/.git/x",
            "/%61",
            "/a b",
            "/a\\b",
            "/é",
        ] {
            assert_eq!(plain_relative(path), None, "{path}");
        }
    }

    #[tokio::test]
    async fn a_whole_file_answer_carries_its_headers_and_a_fresh_date_however_spelled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"hello").unwrap();
        let files = FileServer::new(dir.path()).unwrap();
        // The plain spelling twice (the second from the cache), then an encoded one.
        for path in ["/a.txt", "/a.txt", "/%61.txt", "//a.txt"] {
            let res = files.respond(&Request::get(path).body(()).unwrap()).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let h = res.headers();
            assert_eq!(h["content-type"], "text/plain; charset=utf-8", "{path}");
            assert_eq!(h["content-length"], "5", "{path}");
            assert_eq!(h["accept-ranges"], "bytes", "{path}");
            assert!(
                h.contains_key("etag") && h.contains_key("last-modified"),
                "{path}"
            );
            let date = httpdate::parse_http_date(h["date"].to_str().unwrap()).unwrap();
            assert!(SystemTime::now().duration_since(date).unwrap().as_secs() <= 2);
            let body = http_body_util::BodyExt::collect(res.into_body())
                .await
                .unwrap();
            assert_eq!(&body.to_bytes()[..], b"hello", "{path}");
        }
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
