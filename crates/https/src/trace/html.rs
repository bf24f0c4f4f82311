//! `--trace-html`: one self-contained HTML file (no scripts, no external resources) drawing
//! the connection as a sequence diagram between client and server, each message with what
//! it carried and which keys protected it.

use super::{Flow, RecordTally, Step};
use crate::listing::escape_html;

/// Renders the diagram. `title` is usually the URL.
pub fn render(title: &str, steps: &[Step], records: &RecordTally) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>TLS connection to {}</title>\n",
        escape_html(title)
    ));
    out.push_str(STYLE);
    out.push_str("</head><body>\n");
    out.push_str(&format!(
        "<h1>TLS connection to {}</h1>\n",
        escape_html(title)
    ));
    out.push_str(LEGEND);
    out.push_str("<div class=\"diagram\">\n<div class=\"row head\"><div class=\"client\">Client (padlock)</div><div class=\"wire\"></div><div class=\"server\">Server</div></div>\n");
    for step in steps {
        out.push_str(&row(step));
    }
    out.push_str("</div>\n<h2>Records</h2>\n<table class=\"records\"><tr><th>direction</th><th>keys</th><th>records</th><th>sequence numbers</th></tr>\n");
    for (who, list) in [
        ("client → server", &records.sent),
        ("server → client", &records.received),
    ] {
        for (phase, count, first, last) in list {
            out.push_str(&format!(
                "<tr><td>{who}</td><td>{}</td><td>{count}</td><td>{first}–{last}</td></tr>\n",
                escape_html(phase)
            ));
        }
    }
    out.push_str("</table>\n");
    out.push_str(&format!(
        "<p class=\"why\">{}</p>\n",
        escape_html(super::why::RECORDS)
    ));
    out.push_str("</body></html>\n");
    out
}

fn row(step: &Step) -> String {
    let class = match step.protection.as_deref() {
        None => "plain",
        Some(p) if p.starts_with("handshake") => "hs",
        Some(p) if p.starts_with("application") || p.starts_with("session") => "app",
        Some(_) => "plain",
    };
    let bad = if step.bad { " bad" } else { "" };
    let mut details: String = step
        .details
        .iter()
        .map(|d| format!("<li>{}</li>", escape_html(d)))
        .collect();
    if let Some(why) = step.why {
        details.push_str(&format!("<li class=\"why\">{}</li>", escape_html(why)));
    }
    let lock = step
        .protection
        .as_deref()
        .map(|p| format!("<span class=\"keys\">{}</span>", escape_html(p)))
        .unwrap_or_default();
    let label = format!(
        "<div class=\"msg {class}{bad}\"><b>{}</b> {lock}<ul>{details}</ul></div>",
        escape_html(&step.title)
    );
    let t = format!("<span class=\"t\">{} ms</span>", step.at_ms);
    match step.flow {
        Flow::ToServer => format!(
            "<div class=\"row\"><div class=\"client\">{t}</div><div class=\"wire\">{label}<div class=\"arrow right {class}\"></div></div><div class=\"server\"></div></div>\n"
        ),
        Flow::ToClient => format!(
            "<div class=\"row\"><div class=\"client\">{t}</div><div class=\"wire\">{label}<div class=\"arrow left {class}\"></div></div><div class=\"server\"></div></div>\n"
        ),
        Flow::Client => format!(
            "<div class=\"row\"><div class=\"client note{bad}\">{t}<b>{}</b><ul>{details}</ul></div><div class=\"wire\"></div><div class=\"server\"></div></div>\n",
            escape_html(&step.title)
        ),
    }
}

const STYLE: &str = "<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
.diagram{display:table;width:100%;border-collapse:collapse}
.row{display:table-row}
.row>div{display:table-cell;vertical-align:top;padding:.3em .6em}
.client{width:22%;border-right:3px solid #555}
.server{width:22%;border-left:3px solid #555}
.head>div{font-weight:bold;border-bottom:2px solid #555}
.wire{width:56%}
.msg{border-radius:6px;padding:.3em .5em;margin:.2em 0}
.msg ul,.note ul{margin:.2em 0 0 1em;padding:0;font-size:.85em}
.plain{background:#f3f3f3}
.hs{background:#fff3c4}
.app{background:#d7f5dd}
.bad{background:#ffd4d4!important}
.keys{font-size:.75em;color:#555;margin-left:.5em}
.arrow{height:0;border-top:2px solid #333;position:relative;margin:.2em 0}
.arrow.right::after{content:'';position:absolute;right:-1px;top:-7px;border:6px solid transparent;border-left:10px solid #333}
.arrow.left::before{content:'';position:absolute;left:-1px;top:-7px;border:6px solid transparent;border-right:10px solid #333}
.note{font-size:.9em}
.t{display:block;font-size:.7em;color:#888}
.why{list-style:none;font-style:italic;color:#2a4d7a;margin-top:.2em}
table.records{border-collapse:collapse}table.records td,table.records th{border:1px solid #ccc;padding:.2em .6em}
</style>
";

const LEGEND: &str = "<p>Each arrow is one message on the wire. Colour shows what protected it: \
<span class=\"msg plain\">plaintext</span> \
<span class=\"msg hs\">handshake traffic keys</span> \
<span class=\"msg app\">application traffic keys (TLS 1.3) or session keys (TLS 1.2)</span>. \
Notes on the client's side are what it checked and concluded; \
<span class=\"why\">the lines in blue italics say what each step protects against</span>.</p>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_it_draws() {
        let step = Step {
            at_ms: 1,
            flow: Flow::ToServer,
            title: "<script>".into(),
            details: vec!["a&b".into()],
            protection: Some("plaintext".into()),
            bad: false,
            why: Some("<b>"),
        };
        let html = render("https://x/<y>", &[step], &RecordTally::default());
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("a&amp;b"));
        assert!(html.contains("&lt;b&gt;"), "the sentence is escaped too");
        assert!(
            !html.contains("http://") && !html.contains("src="),
            "self-contained"
        );
    }
}
