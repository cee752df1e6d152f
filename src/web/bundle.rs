//! A page as one response: its stylesheet and its ES modules written into
//! the HTML, so that a relative's fresh browser makes one request, not a
//! dozen, before the call page can run (`bench/first-frame`: `page_loaded`).
//!
//! The files stay as they are in `web/` (and stay served under `/assets/`).
//! Here, `<link rel="stylesheet" href="/assets/x.css">` becomes a `<style>`,
//! `<script type="module" src="/assets/x.js"></script>` becomes one inline
//! module script, `<script src="/assets/x.js"></script>` (a plain script,
//! run as the page is read) is written in as it is, and the
//! `modulepreload` hints go. Each inline script's hash is a CSP source. In that script each
//! module is a function scope, evaluated after the modules it imports and
//! returning its exports; an import is a destructuring of the module named.
//!
//! Only the forms the pages use are understood, each on one line at the
//! start of it: `import { a, b as c } from './x.js';`, `import * as x from
//! './x.js';`, `import './x.js';`, and `export` before `function`, `async
//! function`, `class` or `const` (one name). Anything else — a default or
//! `let` export, a cycle, a name the imported module does not export — is a
//! [`BundleError`], and the unit tests bundle the real pages, so such a change
//! fails `cargo test` rather than a relative's call.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A page with everything it loads written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundled {
    pub html: String,
    /// The CSP sources that let its inline scripts run, and no other:
    /// `'sha256-<base64>'` each, space-separated.
    pub script_sources: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("the page has no {0}")]
    MissingTag(&'static str),
    #[error("no file /assets/{0}")]
    Unknown(String),
    #[error("{file}:{line}: {what}")]
    Unsupported {
        file: String,
        line: usize,
        what: &'static str,
    },
    #[error("{file} imports {name}, which {from} does not export")]
    NotExported {
        file: String,
        name: String,
        from: String,
    },
    #[error("{0} imports itself, through the modules it imports")]
    Cycle(String),
    #[error("{0} holds text that would end its inline tag")]
    EndsTag(String),
}

const STYLESHEET: (&str, &str) = ("<link rel=\"stylesheet\" href=\"/assets/", "\">");
const MODULE: (&str, &str) = ("<script type=\"module\" src=\"/assets/", "\"></script>");
const PLAIN_SCRIPT: (&str, &str) = ("<script src=\"/assets/", "\"></script>");

/// `html` with its stylesheet and module script written in; `file` gives
/// the text of a file under `/assets/` by name.
pub fn bundle<'a>(
    html: &str,
    file: impl Fn(&str) -> Option<&'a str>,
) -> Result<Bundled, BundleError> {
    let (css_name, _) = tag(html, STYLESHEET).ok_or(BundleError::MissingTag("stylesheet"))?;
    let css = file(css_name).ok_or_else(|| BundleError::Unknown(css_name.to_owned()))?;
    if contains_tag_end(css, "</style") {
        return Err(BundleError::EndsTag(css_name.to_owned()));
    }
    let (entry, _) = tag(html, MODULE).ok_or(BundleError::MissingTag("module script"))?;
    let script = script(entry, &file)?;
    if contains_tag_end(&script, "</script") || script.contains("<!--") {
        return Err(BundleError::EndsTag(entry.to_owned()));
    }

    let mut out = String::with_capacity(html.len() + css.len() + script.len());
    let mut sources = Vec::new();
    for line in html.split_inclusive('\n') {
        let indent = &line[..line.len() - line.trim_start().len()];
        if line.contains("<link rel=\"modulepreload\"") {
            continue;
        } else if tag(line, STYLESHEET).is_some() {
            let _ = writeln!(out, "{indent}<style>\n{css}{indent}</style>");
        } else if tag(line, MODULE).is_some() {
            let _ = writeln!(out, "{indent}<script type=\"module\">{script}</script>");
            sources.push(hash_source(&script));
        } else if let Some((name, _)) = tag(line, PLAIN_SCRIPT) {
            let text = format!("\n{}{indent}", plain_script(name, &file)?);
            let _ = writeln!(out, "{indent}<script>{text}</script>");
            sources.push(hash_source(&text));
        } else {
            out.push_str(line);
        }
    }
    Ok(Bundled {
        html: out,
        script_sources: sources.join(" "),
    })
}

/// `'sha256-<base64>'`: the CSP source of an inline script with this text.
fn hash_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A plain script's text, written in as it is: it may neither import nor
/// export (it is no module), nor end its tag.
fn plain_script<'a>(
    name: &str,
    file: &impl Fn(&str) -> Option<&'a str>,
) -> Result<&'a str, BundleError> {
    let text = file(name).ok_or_else(|| BundleError::Unknown(name.to_owned()))?;
    if let Some(index) = text
        .lines()
        .position(|l| l.starts_with("import ") || l.starts_with("export "))
    {
        return Err(BundleError::Unsupported {
            file: name.to_owned(),
            line: index + 1,
            what: "a plain script neither imports nor exports",
        });
    }
    if contains_tag_end(text, "</script") || text.contains("<!--") {
        return Err(BundleError::EndsTag(name.to_owned()));
    }
    Ok(text)
}

/// The name between a tag's `(start, end)` in `html`, and where it starts.
fn tag<'h>(html: &'h str, (start, end): (&str, &str)) -> Option<(&'h str, usize)> {
    let at = html.find(start)?;
    let rest = &html[at + start.len()..];
    let name = &rest[..rest.find(end)?];
    (!name.is_empty() && !name.contains(['"', '<', '>', '/'])).then_some((name, at))
}

fn contains_tag_end(text: &str, end: &str) -> bool {
    text.to_ascii_lowercase().contains(end)
}

/// One module as the bundle has it.
struct Module {
    name: String,
    imports: Vec<Import>,
    exports: BTreeSet<String>,
    /// The file with its import lines left out and `export ` taken off.
    body: String,
}

struct Import {
    from: String,
    line: usize,
    what: Imported,
}

enum Imported {
    /// `import './x.js';`: evaluated first, nothing named.
    Nothing,
    /// `import * as x from './x.js';`
    Namespace(String),
    /// `import { a, b as c } from './x.js';`: (exported, local).
    Names(Vec<(String, String)>),
}

/// The inline script: every module `entry` reaches, each after what it imports.
fn script<'a>(entry: &str, file: &impl Fn(&str) -> Option<&'a str>) -> Result<String, BundleError> {
    let mut ordered: Vec<Module> = Vec::new();
    visit(entry, file, &mut Vec::new(), &mut ordered)?;
    let mut out = String::from("\n");
    for module in &ordered {
        let _ = writeln!(out, "// web/{}", module.name);
        let _ = writeln!(out, "const {} = (() => {{", binding(&module.name));
        for import in &module.imports {
            let from = ordered
                .iter()
                .find(|m| m.name == import.from)
                .expect("visited before its importer");
            match &import.what {
                Imported::Nothing => {}
                Imported::Namespace(local) => {
                    let _ = writeln!(out, "const {local} = {};", binding(&from.name));
                }
                Imported::Names(names) => {
                    let mut fields = Vec::new();
                    for (exported, local) in names {
                        if !from.exports.contains(exported) {
                            return Err(BundleError::NotExported {
                                file: module.name.clone(),
                                name: exported.clone(),
                                from: from.name.clone(),
                            });
                        }
                        fields.push(if exported == local {
                            exported.clone()
                        } else {
                            format!("{exported}: {local}")
                        });
                    }
                    let _ = writeln!(
                        out,
                        "const {{ {} }} = {};",
                        fields.join(", "),
                        binding(&from.name)
                    );
                }
            }
        }
        out.push_str(&module.body);
        let exports: Vec<&str> = module.exports.iter().map(String::as_str).collect();
        let _ = writeln!(out, "return Object.freeze({{ {} }});", exports.join(", "));
        out.push_str("})();\n");
    }
    Ok(out)
}

/// Depth first: what `name` imports goes into `ordered` before it.
fn visit<'a>(
    name: &str,
    file: &impl Fn(&str) -> Option<&'a str>,
    visiting: &mut Vec<String>,
    ordered: &mut Vec<Module>,
) -> Result<(), BundleError> {
    if ordered.iter().any(|m| m.name == name) {
        return Ok(());
    }
    if visiting.iter().any(|v| v == name) {
        return Err(BundleError::Cycle(name.to_owned()));
    }
    let text = file(name).ok_or_else(|| BundleError::Unknown(name.to_owned()))?;
    let module = parse(name, text)?;
    visiting.push(name.to_owned());
    for import in &module.imports {
        visit(&import.from, file, visiting, ordered)?;
    }
    visiting.pop();
    ordered.push(module);
    Ok(())
}

fn parse(name: &str, text: &str) -> Result<Module, BundleError> {
    let unsupported = |line: usize, what| BundleError::Unsupported {
        file: name.to_owned(),
        line,
        what,
    };
    let mut module = Module {
        name: name.to_owned(),
        imports: Vec::new(),
        exports: BTreeSet::new(),
        body: String::with_capacity(text.len()),
    };
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        if line.contains("import.meta") {
            return Err(unsupported(
                number,
                "import.meta has no meaning in one page",
            ));
        }
        if let Some(rest) = line.strip_prefix("import ") {
            let import = parse_import(rest.trim_end()).ok_or(unsupported(
                number,
                "an import must be one line: `import { a, b as c } from './x.js';`, \
                 `import * as x from './x.js';` or `import './x.js';`",
            ))?;
            module.imports.push(Import {
                from: import.0,
                line: number,
                what: import.1,
            });
            // Keeps the lines where they were, for the browser's messages.
            module.body.push('\n');
        } else if let Some(rest) = line.strip_prefix("export ") {
            let exported = declared_name(rest).ok_or(unsupported(
                number,
                "an export must declare one function, class or const by name",
            ))?;
            module.exports.insert(exported.to_owned());
            module.body.push_str(rest);
        } else {
            module.body.push_str(line);
        }
    }
    if !module.body.ends_with('\n') {
        module.body.push('\n');
    }
    // A module imported twice by one file would be bound twice.
    let mut seen = BTreeSet::new();
    for import in &module.imports {
        if !seen.insert(import.from.as_str()) {
            return Err(unsupported(
                import.line,
                "a module is imported once per file",
            ));
        }
    }
    Ok(module)
}

/// `{ a, b as c } from './x.js';` and the other two forms, after `import `.
fn parse_import(rest: &str) -> Option<(String, Imported)> {
    let rest = rest.strip_suffix(';')?;
    if let Some(from) = quoted_module(rest) {
        return Some((from, Imported::Nothing));
    }
    let (what, from) = rest.split_once(" from ")?;
    let from = quoted_module(from.trim())?;
    if let Some(local) = what.strip_prefix("* as ") {
        return is_identifier(local).then(|| (from, Imported::Namespace(local.to_owned())));
    }
    let inner = what.strip_prefix('{')?.strip_suffix('}')?;
    let mut names = Vec::new();
    for item in inner.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (exported, local) = match item.split_once(" as ") {
            Some((e, l)) => (e.trim(), l.trim()),
            None => (item, item),
        };
        if !is_identifier(exported) || !is_identifier(local) {
            return None;
        }
        names.push((exported.to_owned(), local.to_owned()));
    }
    (!names.is_empty()).then_some((from, Imported::Names(names)))
}

/// `'./x.js'` → `x.js` (the pages' modules sit side by side).
fn quoted_module(text: &str) -> Option<String> {
    let inner = text
        .strip_prefix("'./")
        .and_then(|t| t.strip_suffix('\''))
        .or_else(|| text.strip_prefix("\"./").and_then(|t| t.strip_suffix('"')))?;
    let plain = inner
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    (plain && inner.ends_with(".js")).then(|| inner.to_owned())
}

/// The one name `function f`, `async function f`, `class C` or `const X =` declares.
fn declared_name(declaration: &str) -> Option<&str> {
    let rest = ["async function ", "function ", "class ", "const "]
        .iter()
        .find_map(|kw| declaration.strip_prefix(kw))?;
    let rest = rest.strip_prefix('*').unwrap_or(rest).trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    is_identifier(name).then_some(name)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// The bundle's name for module `file`: `call-media.js` → `module$call_media`.
fn binding(file: &str) -> String {
    let stem = file.strip_suffix(".js").unwrap_or(file);
    format!("module${}", stem.replace(['-', '.'], "_"))
}

#[cfg(test)]
#[path = "bundle_tests.rs"]
mod tests;
