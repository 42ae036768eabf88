//! Renders the results as one Markdown table (absolute medians, min and max over the runs,
//! and the ratio of liner's median to each alternative's), followed by the checks and the
//! failed measurements.

use std::fmt::Write as _;

use crate::results::{Better, Results, Row};

/// The whole report.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    out.push_str("| workload | system | metric | median | min | max | liner ÷ this |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|\n");
    // Sections in name order (they start with the workload letter), rows in run order.
    let mut rows: Vec<&Row> = results.rows.iter().collect();
    rows.sort_by(|a, b| a.key.section.cmp(&b.key.section));
    for row in rows {
        let arrow = match row.better {
            Better::Higher => "↑",
            Better::Lower => "↓",
        };
        let Some(spread) = row.spread() else {
            if let Some(why) = &row.skipped {
                let (section, system) = (&row.key.section, &row.key.system);
                let _ = writeln!(
                    out,
                    "| {section} | {system} | {} {arrow} | {why} | | | |",
                    row.key.metric
                );
            }
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} {arrow} | {} | {} | {} | {} |",
            row.key.section,
            row.key.system,
            row.key.metric,
            number(spread.median),
            number(spread.min),
            number(spread.max),
            ratio(results, row).unwrap_or_default(),
        );
    }
    out.push_str("\nchecks (runs passed / runs):\n");
    for check in &results.checks {
        let _ = write!(out, "  {}: {}/{}", check.name, check.passed, check.total);
        if let Some(why) = &check.first_failure {
            let _ = write!(out, " — first failure: {why}");
        }
        out.push('\n');
    }
    if !results.failures.is_empty() {
        out.push_str("\nfailed measurements:\n");
        for failure in &results.failures {
            let _ = writeln!(out, "  {failure}");
        }
    }
    out
}

/// liner's median ÷ this row's median, for alternatives' rows.
fn ratio(results: &Results, row: &Row) -> Option<String> {
    if row.ours {
        return None;
    }
    let ours = results
        .rows
        .iter()
        .find(|r| r.ours && r.key.section == row.key.section && r.key.metric == row.key.metric)?;
    let (ours, theirs) = (ours.spread()?.median, row.spread()?.median);
    (theirs > 0.0).then(|| format!("{:.2}×", ours / theirs))
}

/// Large values as grouped integers, small ones with a few decimals.
pub fn number(value: f64) -> String {
    if value.abs() >= 1000.0 {
        let digits = format!("{:.0}", value.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        if value < 0.0 {
            grouped.insert(0, '-');
        }
        grouped
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RowKey;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(number(1_234_567.4), "1 234 567");
        assert_eq!(number(999.94), "999.9");
        assert_eq!(number(0.5), "0.500");
        assert_eq!(number(-12_000.0), "-12 000");
    }

    #[test]
    fn ratio_is_ours_over_theirs() {
        let mut r = Results::default();
        let key = |system: &str| RowKey {
            section: "A".into(),
            system: system.into(),
            metric: "msg/s",
        };
        r.add(key("liner"), true, Better::Higher, 300.0);
        r.add(key("zmq"), false, Better::Higher, 100.0);
        let text = render(&r);
        assert!(
            text.contains("| A | zmq | msg/s ↑ | 100.0 | 100.0 | 100.0 | 3.00× |"),
            "{text}"
        );
        assert!(
            text.contains("| A | liner | msg/s ↑ | 300.0 | 300.0 | 300.0 |  |"),
            "{text}"
        );
        r.skip(key("nats"), "skipped (nats-server not found)");
        assert!(render(&r).contains("| A | nats | msg/s ↑ | skipped (nats-server not found) |"));
    }
}
