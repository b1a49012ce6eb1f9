use super::*;

struct S {
    id: &'static str,
    tags: Vec<String>,
    priority: u8,
    requires: Vec<String>,
}

fn s(id: &'static str, tags: &[&str], priority: u8, requires: &[&str]) -> S {
    S {
        id,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        priority,
        requires: requires.iter().map(|r| r.to_string()).collect(),
    }
}

fn scripts() -> Vec<S> {
    vec![
        s("domain/050-transient", &["guest"], 0, &["driver(QEMU|LXC)"]),
        s(
            "domain/100-migrate",
            &["slow", "guest"],
            2,
            &["other-host", "root"],
        ),
        s(
            "storage/100-pool-dir",
            &[],
            1,
            &["resource(free_space_dir)"],
        ),
        s("network/010-nat", &["network", "Slow"], 3, &[]),
        s("top.sh", &[], 1, &["tool(qemu-img)"]),
    ]
}

fn sets(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn picked_with(expr: &str, named: &BTreeMap<String, String>) -> Vec<&'static str> {
    let f = Filter::parse(expr, named).unwrap_or_else(|e| panic!("{expr}: {e}"));
    scripts()
        .iter()
        .filter(|x| {
            f.matches(&Subject {
                id: x.id,
                area: crate::report::model::area_of(x.id),
                tags: &x.tags,
                priority: x.priority,
                requirements: x.requires.clone(),
            })
        })
        .map(|x| x.id)
        .collect()
}

fn picked(expr: &str) -> Vec<&'static str> {
    picked_with(expr, &BTreeMap::new())
}

fn error(expr: &str) -> FilterError {
    error_with(expr, &BTreeMap::new())
}

fn error_with(expr: &str, named: &BTreeMap<String, String>) -> FilterError {
    match Filter::parse(expr, named) {
        Ok(_) => panic!("{expr:?} parsed"),
        Err(e) => e,
    }
}

const ALL: [&str; 5] = [
    "domain/050-transient",
    "domain/100-migrate",
    "storage/100-pool-dir",
    "network/010-nat",
    "top.sh",
];

#[test]
fn all_and_none() {
    assert_eq!(picked("all()"), ALL);
    assert!(picked("none()").is_empty());
    assert_eq!(picked("  all( )  "), ALL);
}

#[test]
fn id_is_a_case_sensitive_glob_over_the_whole_id() {
    assert_eq!(
        picked("id(domain/*)"),
        ["domain/050-transient", "domain/100-migrate"]
    );
    assert_eq!(
        picked("id(*/1*)"),
        ["domain/100-migrate", "storage/100-pool-dir"]
    );
    assert_eq!(picked("id(*migrate*)"), ["domain/100-migrate"]);
    assert_eq!(picked("id(top.sh)"), ["top.sh"]);
    assert!(picked("id(DOMAIN/*)").is_empty());
    assert!(
        picked("id(domain)").is_empty(),
        "a glob matches the whole id"
    );
    assert_eq!(picked("id({network,storage}/*)").len(), 2);
}

#[test]
fn area_and_tag_are_case_insensitive_globs() {
    assert_eq!(
        picked("area(domain)"),
        ["domain/050-transient", "domain/100-migrate"]
    );
    assert_eq!(picked("area(Net*)"), ["network/010-nat"]);
    assert!(picked("area(dom)").is_empty());
    assert_eq!(
        picked("tag(slow)"),
        ["domain/100-migrate", "network/010-nat"]
    );
    assert_eq!(
        picked("tag(gue?t)"),
        ["domain/050-transient", "domain/100-migrate"]
    );
    assert!(picked("tag(slo)").is_empty());
}

#[test]
fn priority_comparisons() {
    assert_eq!(picked("priority(0)"), ["domain/050-transient"]);
    assert_eq!(picked("priority(=2)"), ["domain/100-migrate"]);
    assert_eq!(
        picked("priority(<=1)"),
        ["domain/050-transient", "storage/100-pool-dir", "top.sh"]
    );
    assert_eq!(picked("priority(<1)"), ["domain/050-transient"]);
    assert_eq!(
        picked("priority(>=2)"),
        ["domain/100-migrate", "network/010-nat"]
    );
    assert_eq!(picked("priority(> 2)"), ["network/010-nat"]);
}

#[test]
fn requires_matches_the_listed_form_its_kind_or_one_of_its_choices() {
    assert_eq!(picked("requires(root)"), ["domain/100-migrate"]);
    assert_eq!(
        picked("requires(driver(QEMU|LXC))"),
        ["domain/050-transient"]
    );
    assert_eq!(picked("requires(driver(qemu))"), ["domain/050-transient"]);
    assert_eq!(picked("requires(driver)"), ["domain/050-transient"]);
    assert!(picked("requires(driver(TEST))").is_empty());
    assert_eq!(
        picked("requires(resource(free_space_dir))"),
        ["storage/100-pool-dir"]
    );
    assert!(picked("requires(resource(block_devices))").is_empty());
    assert_eq!(picked("requires(other-host)"), ["domain/100-migrate"]);
    assert_eq!(picked("requires(tool(qemu-img))"), ["top.sh"]);
    assert_eq!(
        picked("!requires(root) & !requires(driver) & !requires(resource) & !requires(tool)"),
        ["network/010-nat"]
    );
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    // (!area(domain) & tag(slow)) | priority(0)
    assert_eq!(
        picked("!area(domain) & tag(slow) | priority(0)"),
        ["domain/050-transient", "network/010-nat"]
    );
    // priority(0) | (area(network) & tag(slow)): not ((0 | network) & slow)
    assert_eq!(
        picked("priority(0) | area(network) & tag(slow)"),
        ["domain/050-transient", "network/010-nat"]
    );
    assert_eq!(
        picked("(priority(0) | area(network)) & tag(slow)"),
        ["network/010-nat"]
    );
    // ! applies to the predicate only, unless parenthesised.
    assert_eq!(
        picked("!tag(slow) & area(domain)"),
        ["domain/050-transient"]
    );
    assert_eq!(
        picked("!(tag(slow) & area(domain))"),
        [
            "domain/050-transient",
            "storage/100-pool-dir",
            "network/010-nat",
            "top.sh"
        ]
    );
    assert_eq!(picked("!!tag(guest)"), picked("tag(guest)"));
}

#[test]
fn word_operators_equal_symbols() {
    for (words, symbols) in [
        (
            "not area(domain) and tag(slow) or priority(0)",
            "!area(domain) & tag(slow) | priority(0)",
        ),
        ("not(tag(slow))", "!tag(slow)"),
        ("area(domain)and(tag(slow))", "area(domain) & tag(slow)"),
    ] {
        assert_eq!(picked(words), picked(symbols), "{words}");
    }
    // `and`/`or` inside a longer word are not operators.
    let e = error("tag(a) android(x)");
    assert_eq!(e.column, 7, "{e}");
}

#[test]
fn named_sets_expand_in_place_and_nest() {
    let named = sets(&[
        ("smoke", "priority(0)"),
        ("quick", "@smoke | !tag(slow)"),
        ("dom", "area(domain)"),
    ]);
    assert_eq!(picked_with("@smoke", &named), ["domain/050-transient"]);
    assert_eq!(
        picked_with("@quick & !@dom", &named),
        ["storage/100-pool-dir", "top.sh"]
    );
    // A set is a unit: `@smoke | x` inside `& y` keeps its own grouping.
    let named = sets(&[("either", "area(storage) | area(network)")]);
    assert_eq!(
        picked_with("@either & tag(slow)", &named),
        ["network/010-nat"]
    );
}

#[test]
fn errors_point_at_the_column() {
    for (expr, column, needle) in [
        ("", 0, "the filter is empty"),
        ("   ", 0, "the filter is empty"),
        ("area(domain) &", 14, "found the end of the filter"),
        ("area(domain) & ", 15, "found the end of the filter"),
        (
            "tags(slow)",
            0,
            "unknown predicate `tags`; did you mean tag()?",
        ),
        ("frobnicate(x)", 0, "predicates are all(), none(), id(GLOB)"),
        (
            "slow",
            4,
            "expected `(` after `slow`: predicates are written like tag(slow)",
        ),
        ("tag", 3, "write tag(…)"),
        ("tag(slow", 3, "the `(` of tag( is never closed"),
        (
            "(tag(slow)",
            10,
            "expected `)` to close the `(` at column 1",
        ),
        ("tag(slow))", 9, "unmatched `)`"),
        (
            "tag(slow) tag(guest)",
            10,
            "join predicates with & (and) or | (or)",
        ),
        ("tag(a) && tag(b)", 7, "`&&`: write a single `&`"),
        ("tag(a) || tag(b)", 7, "`||`: write a single `|`"),
        ("| tag(a)", 0, "unexpected `|`"),
        ("and tag(a)", 0, "expected a predicate before `and`"),
        ("()", 1, "expected a predicate before `)`"),
        ("tag()", 4, "tag() needs a glob"),
        ("id(  )", 5, "id() needs a glob"),
        ("id(a[b)", 3, "invalid glob"),
        ("all(x)", 4, "all() takes no argument"),
        ("priority(high)", 9, "priority() takes a number"),
        ("priority(<=)", 9, "priority() takes a number"),
        ("priority(<= x)", 12, "priority() takes a number"),
        ("priority(300)", 9, "priority() takes a number"),
        ("requires()", 9, "requires() needs a requirement"),
        (
            "requires(drivers(QEMU))",
            9,
            "unknown requirement `drivers`",
        ),
        ("requires(root(x))", 9, "`root` takes no argument"),
        ("requires(driver())", 9, "`driver()` is empty"),
        ("requires(driver(QEMU)x)", 9, "is not a requirement"),
        ("@", 1, "expected the name of a filter set after `@`"),
        ("tag(a) | @nope", 9, "the configuration defines none"),
        ("é & #", 0, "unexpected `é`"),
        ("tag(é) & #", 9, "unexpected `#`"),
    ] {
        let e = error(expr);
        assert!(e.message.contains(needle), "{expr:?}: {}", e.message);
        assert_eq!(e.column, column, "{expr:?}: {e}");
        assert_eq!(e.expr, expr);
        assert!(e.sets.is_empty());
    }
}

#[test]
fn the_error_shows_the_expression_and_a_caret() {
    let e = error("area(domain) & tags(slow)");
    assert_eq!(
        e.to_string(),
        "column 16: unknown predicate `tags`; did you mean tag()? predicates are all(), \
         none(), id(GLOB), area(GLOB), tag(GLOB), priority(N), requires(REQ)\n    \
         area(domain) & tags(slow)\n                   ^"
    );
    // Columns count characters, not bytes.
    let e = error("tag(é) & ?");
    assert_eq!(e.column, 9);
    assert!(
        e.to_string().ends_with("\n    tag(é) & ?\n             ^"),
        "{e}"
    );
}

#[test]
fn errors_in_named_sets_name_the_set_and_point_into_it() {
    let named = sets(&[
        ("smoke", "priority(0) & tagg(x)"),
        ("outer", "all() & @smoke"),
        ("a", "@b"),
        ("b", "tag(x) | @a"),
        ("me", "@me"),
    ]);
    let e = error_with("@outer", &named);
    assert_eq!(e.sets, ["outer", "smoke"]);
    assert_eq!(e.expr, "priority(0) & tagg(x)");
    assert_eq!(e.column, 14);
    assert!(
        e.to_string()
            .starts_with("in filter set @smoke (reached through @outer → @smoke), column 15"),
        "{e}"
    );
    let e = error_with("tag(y) | @a", &named);
    assert!(
        e.message
            .contains("filter set @a refers to itself: @a → @b → @a"),
        "{e}"
    );
    assert_eq!(e.sets, ["a", "b"]);
    assert_eq!((e.expr.as_str(), e.column), ("tag(x) | @a", 9));
    let e = error_with("@me", &named);
    assert!(e.message.contains("@me → @me"), "{e}");
    let e = error_with("@smok", &named);
    assert!(
        e.message.contains(
            "unknown filter set @smok; the configuration defines @a, @b, @me, @outer, @smoke"
        ),
        "{e}"
    );
    assert_eq!(e.column, 0);
}
