use super::*;

const PAGE: &str = "<html>\n<head>\n  <script src=\"/assets/early.js\"></script>\n  \
     <link rel=\"stylesheet\" href=\"/assets/p.css\">\n  \
     <link rel=\"modulepreload\" href=\"/assets/a.js\">\n  \
     <script type=\"module\" src=\"/assets/main.js\"></script>\n</head>\n<body></body>\n</html>\n";

fn files(extra: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<&'static str> {
    let mut all = extra.to_vec();
    // The page's own, unless the case gives its own.
    all.extend_from_slice(&[
        ("p.css", "body { color: red }\n"),
        ("early.js", "window.early = 1;\n"),
    ]);
    move |name| all.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

fn script_of(html: &str) -> &str {
    let start = html
        .find("<script type=\"module\">")
        .expect("an inline module")
        + 22;
    &html[start..start + html[start..].find("</script>").expect("its end")]
}

#[test]
fn modules_come_after_what_they_import_and_imports_become_bindings() {
    let page = bundle(
        PAGE,
        files(&[
            (
                "main.js",
                "import * as a from './a.js';\nimport { two as deux, one } from './b.js';\nimport './c.js';\nconsole.log(a.x, deux, one);\n",
            ),
            ("a.js", "export const x = 1;\n"),
            (
                "b.js",
                "import { x } from './a.js';\nexport function one() { return x; }\nexport async function two() {}\n",
            ),
            ("c.js", "document.title = 'c';"),
        ]),
    )
    .expect("bundles");
    let script = script_of(&page.html);
    let order: Vec<usize> = [
        "// web/a.js",
        "// web/b.js",
        "// web/c.js",
        "// web/main.js",
    ]
    .iter()
    .map(|m| script.find(m).unwrap_or_else(|| panic!("{m} in {script}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{script}");
    assert_eq!(
        script.matches("// web/a.js").count(),
        1,
        "a.js once: {script}"
    );
    for expected in [
        "const module$a = (() => {\nconst x = 1;\nreturn Object.freeze({ x });\n})();",
        "const { x } = module$a;\n\nfunction one() { return x; }\nasync function two() {}\nreturn Object.freeze({ one, two });",
        "const a = module$a;\nconst { two: deux, one } = module$b;\n\n\n\nconsole.log(a.x, deux, one);",
        "document.title = 'c';\nreturn Object.freeze({  });",
    ] {
        assert!(script.contains(expected), "{expected:?} in {script}");
    }
    assert!(
        page.html
            .contains("<style>\nbody { color: red }\n  </style>"),
        "{}",
        page.html
    );
    assert!(!page.html.contains("/assets/"), "{}", page.html);
}

/// What the browser hashes: the text between `<script…>` and `</script>`.
fn inline_scripts(html: &str) -> Vec<&str> {
    html.split("<script")
        .skip(1)
        .map(|rest| {
            &rest[rest.find('>').expect("tag ends") + 1
                ..rest.find("</script>").expect("script ends")]
        })
        .collect()
}

#[test]
fn the_csp_sources_are_the_inline_scripts_own_hashes_in_page_order() {
    let page = bundle(PAGE, files(&[("main.js", "console.log(1);\n")])).expect("bundles");
    let scripts = inline_scripts(&page.html);
    assert_eq!(scripts.len(), 2, "{}", page.html);
    assert!(
        scripts[0].contains("window.early = 1;"),
        "the plain script, first"
    );
    let expected: Vec<String> = scripts
        .iter()
        .map(|text| {
            let digest = Sha256::digest(text.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    assert_eq!(page.script_sources, expected.join(" "));
}

#[test]
fn what_it_cannot_bundle_faithfully_is_an_error() {
    let cases: [(&[(&'static str, &'static str)], BundleError); 8] = [
        (
            &[
                ("main.js", "console.log(1);\n"),
                ("early.js", "\nexport const early = 1;\n"),
            ],
            BundleError::Unsupported {
                file: "early.js".into(),
                line: 2,
                what: "a plain script neither imports nor exports",
            },
        ),
        (
            &[("main.js", "export default 1;\n")],
            BundleError::Unsupported {
                file: "main.js".into(),
                line: 1,
                what: "an export must declare one function, class or const by name",
            },
        ),
        (
            &[("main.js", "\nexport let counter = 0;\n")],
            BundleError::Unsupported {
                file: "main.js".into(),
                line: 2,
                what: "an export must declare one function, class or const by name",
            },
        ),
        (
            &[("main.js", "import {\n  a,\n} from './a.js';\n")],
            BundleError::Unsupported {
                file: "main.js".into(),
                line: 1,
                what: "an import must be one line: `import { a, b as c } from './x.js';`, \
                       `import * as x from './x.js';` or `import './x.js';`",
            },
        ),
        (
            &[
                ("main.js", "import { y } from './a.js';\n"),
                ("a.js", "export const x = 1;\n"),
            ],
            BundleError::NotExported {
                file: "main.js".into(),
                name: "y".into(),
                from: "a.js".into(),
            },
        ),
        (
            &[
                ("main.js", "import './a.js';\n"),
                ("a.js", "import './main.js';\n"),
            ],
            BundleError::Cycle("main.js".into()),
        ),
        (
            &[("main.js", "import './gone.js';\n")],
            BundleError::Unknown("gone.js".into()),
        ),
        (
            &[("main.js", "const end = '</SCRIPT>';\n")],
            BundleError::EndsTag("main.js".into()),
        ),
    ];
    for (given, expected) in cases {
        assert_eq!(bundle(PAGE, files(given)), Err(expected));
    }
    assert_eq!(
        bundle("<html></html>", files(&[])),
        Err(BundleError::MissingTag("stylesheet"))
    );
}

/// The real call page: what a relative's browser is sent.
#[test]
fn the_call_page_bundles_every_module_it_reaches() {
    let page = super::super::assets::call_page().expect("the call page bundles");
    let script = script_of(&page.html);
    for module in [
        "call.js",
        "protocol.js",
        "i18n.js",
        "i18n-core.js",
        "call-signal.js",
        "call-media.js",
        "call-remote.js",
        "call-mesh.js",
        "call-local.js",
        "call-a11y.js",
        "call-install.js",
        "call-quality.js",
    ] {
        assert_eq!(
            script.matches(&format!("// web/{module}\n")).count(),
            1,
            "{module}"
        );
    }
    assert!(!page.html.contains("modulepreload"), "{}", page.html);
    let scripts = inline_scripts(&page.html);
    assert_eq!(scripts.len(), 2, "the early socket and the modules");
    assert!(scripts[0].contains("homecallEarlySocket"), "{}", scripts[0]);
    assert!(!page.html.contains("/assets/call"), "{}", page.html);
    assert!(page.html.contains("<style>"), "{}", page.html);
    assert!(
        page.html.contains("<video id=\"remote\""),
        "the body is kept"
    );
}
