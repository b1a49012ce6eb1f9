//! A comparison as one self-contained HTML page (CSS inline, no script,
//! nothing fetched), from `share/html/compare.html`. Two reports: the
//! verdict and the changes first (regressions open at the top), then the
//! environment differences, notes and the readiness roll-up. More: the
//! environment, readiness and the matrix first — such reports are often
//! different drivers or platforms rather than a before and after — then
//! each adjacent pair's changes, folded.

use super::render::{area_name, diagnostics, readiness_text, subject_line, RenderOptions};
use super::state::{Class, State};
use super::Comparison;
use crate::report::error::ReportError;
use crate::report::escape::visible;
use serde::Serialize;

/// The report page's style, then the additions of compare and problems.
pub(crate) const CSS: &str = concat!(
    include_str!("../../share/html/report.css"),
    include_str!("../../share/html/compare.css")
);

/// A row of the reports table of `share/html/verdict-header.html`.
#[derive(Serialize)]
pub(crate) struct ReportView {
    pub name: String,
    pub label: String,
    pub source: String,
}

#[derive(Serialize)]
struct ItemView {
    subject: String,
    from: &'static str,
    to: &'static str,
    diag: String,
}

#[derive(Serialize)]
struct SectionView {
    class: &'static str,
    id: String,
    title: &'static str,
    count: usize,
    open: bool,
    items: Vec<ItemView>,
    more: usize,
}

#[derive(Serialize)]
struct PairView {
    title: String,
    scripts: String,
    tests: String,
    sections: Vec<SectionView>,
}

#[derive(Serialize)]
struct EnvView {
    field: &'static str,
    values: Vec<String>,
}

#[derive(Serialize)]
struct CellView {
    text: String,
    pct: u32,
    total: u64,
}

#[derive(Serialize)]
struct AreaView {
    area: String,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct RowView {
    name: String,
    point: bool,
    cells: Vec<&'static str>,
}

#[derive(Serialize)]
struct MatrixView {
    what: &'static str,
    rows: Vec<RowView>,
    hidden: usize,
}

#[derive(Serialize)]
struct View {
    title: String,
    css: &'static str,
    tck_version: &'static str,
    reports: Vec<ReportView>,
    bad: bool,
    verdict: String,
    pairs: Vec<PairView>,
    env_fields: Vec<EnvView>,
    notes: Vec<String>,
    duplicates: Vec<String>,
    readiness: Vec<AreaView>,
    matrix: Option<MatrixView>,
}

fn v(s: &str) -> String {
    visible(s).into_owned()
}

fn name(n: usize, i: usize) -> String {
    if n == 2 {
        ["A", "B"][i].to_string()
    } else {
        format!("[{}]", i + 1)
    }
}

/// The comparison as a self-contained HTML page.
pub fn render(cmp: &Comparison<'_>, opts: RenderOptions) -> Result<String, ReportError> {
    let n = cmp.inputs.len();
    let limit = if opts.all { usize::MAX } else { opts.limit };
    let pairs = cmp
        .pairs
        .iter()
        .map(|p| PairView {
            title: format!("{} → {}", name(n, p.from), name(n, p.to)),
            scripts: super::render::counts_text(&p.scripts),
            tests: super::render::counts_text(&p.points),
            sections: Class::ALL
                .iter()
                .filter_map(|class| {
                    let changes: Vec<_> = p.changes.iter().filter(|c| c.class == *class).collect();
                    if changes.is_empty() {
                        return None;
                    }
                    Some(SectionView {
                        class: class.as_str(),
                        id: format!("{}-{}-{}", class.as_str(), p.from + 1, p.to + 1),
                        title: class.title(),
                        count: changes.len(),
                        // A diff opens on its regressions; a matrix (reports
                        // that may be different drivers, not a before and
                        // after) leads with the matrix, its pairwise
                        // changes folded below it.
                        open: n == 2 && matches!(class, Class::Regression | Class::NewFailure),
                        more: changes.len().saturating_sub(limit),
                        items: changes
                            .into_iter()
                            .take(limit)
                            .map(|c| ItemView {
                                subject: v(&subject_line(cmp, c)),
                                from: c.from.as_str(),
                                to: c.to.as_str(),
                                diag: v(&diagnostics(cmp, p, c).join("\n")),
                            })
                            .collect(),
                    })
                })
                .collect(),
        })
        .collect();
    let matrix = (n > 2).then(|| {
        let mut rows = Vec::new();
        let mut hidden = 0;
        for row in &cmp.table.scripts {
            rows.push(RowView {
                name: v(&row.id),
                point: false,
                cells: row.cells.iter().map(|c| c.label()).collect(),
            });
            for p in &row.points {
                let states: Vec<State> = p.cells.iter().map(|c| c.state).collect();
                if opts.all || super::render::interesting(&states) {
                    rows.push(RowView {
                        name: v(&p.display()),
                        point: true,
                        cells: p.cells.iter().map(|c| c.label()).collect(),
                    });
                } else {
                    hidden += 1;
                }
            }
        }
        MatrixView {
            what: if opts.all {
                "Every script and test point."
            } else {
                "Scripts, and the test points that fail somewhere or differ between reports."
            },
            rows,
            hidden,
        }
    });
    let regressions = cmp.regressions();
    let view = View {
        title: format!("tck compare: {n} reports"),
        css: CSS,
        tck_version: env!("CARGO_PKG_VERSION"),
        reports: cmp
            .labels
            .iter()
            .zip(&cmp.inputs)
            .enumerate()
            .map(|(i, (l, inp))| ReportView {
                name: name(n, i),
                label: v(l),
                source: v(inp.source),
            })
            .collect(),
        bad: regressions > 0,
        verdict: match (regressions, n) {
            (0, _) => "No regressions".to_string(),
            (1, 2) => "1 regression".to_string(),
            (r, 2) => format!("{r} regressions"),
            (1, _) => "1 regression between adjacent reports".to_string(),
            (r, _) => format!("{r} regressions between adjacent reports"),
        },
        pairs,
        env_fields: cmp
            .environment
            .iter()
            .map(|d| EnvView {
                field: d.field,
                values: d
                    .values
                    .iter()
                    .map(|x| v(&super::environment::display_value(d.field, x)))
                    .collect(),
            })
            .collect(),
        notes: cmp.notes.iter().map(|x| v(x)).collect(),
        duplicates: cmp
            .table
            .duplicates
            .iter()
            .map(|d| {
                v(&format!(
                    "{}: {} ×{}",
                    name(n, d.report),
                    match &d.test {
                        Some(t) => format!("{} › {t}", d.script),
                        None => format!("script {}", d.script),
                    },
                    d.count
                ))
            })
            .collect(),
        readiness: cmp
            .readiness
            .iter()
            .map(|a| AreaView {
                area: v(area_name(&a.area)),
                cells: a
                    .reports
                    .iter()
                    .map(|r| CellView {
                        text: readiness_text(r),
                        pct: (r.fraction() * 100.0).round() as u32,
                        total: r.total,
                    })
                    .collect(),
            })
            .collect(),
        matrix,
    };
    crate::report::html::render_page("compare.html", &view)
}
