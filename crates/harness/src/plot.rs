//! A hand-written SVG line chart of rates (0 to 100 %) over a few labelled points, one
//! polyline per series: what `lnpay sim --plot` and the benchmark report draw.

use std::fmt::Write as _;

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Its `data-series` attribute (a stable key for scripts).
    pub key: &'a str,
    /// Its legend.
    pub name: &'a str,
    /// Its colour.
    pub color: &'a str,
    /// One rate per x label (`None`: no point there).
    pub values: Vec<Option<f64>>,
}

const W: f64 = 680.0;
const H: f64 = 400.0;
const L: f64 = 60.0;
const R: f64 = 180.0;
const T: f64 = 40.0;
const B: f64 = 50.0;

/// The chart as a standalone SVG document.
pub fn rate_chart(title: &str, x_labels: &[String], series: &[Series<'_>]) -> String {
    let n = x_labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            L + (W - L - R) / 2.0
        } else {
            L + (W - L - R) * i as f64 / (n - 1) as f64
        }
    };
    let y = |f: f64| T + (H - T - B) * (1.0 - f.clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        (W - R + L) / 2.0,
        escape(title)
    );
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let yy = y(p);
        let _ = writeln!(
            s,
            r##"<line x1="{L}" y1="{yy}" x2="{}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}%</text>"##,
            W - R,
            L - 6.0,
            yy + 4.0,
            p * 100.0
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="{L}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        H - B,
        W - R,
        H - B
    );
    for (i, label) in x_labels.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(i),
            H - B + 18.0,
            escape(label)
        );
    }
    for (k, line) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> =
            line.values.iter().enumerate().filter_map(|(i, v)| v.map(|f| (x(i), y(f)))).collect();
        let points: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
        let _ = writeln!(
            s,
            r#"<polyline class="series" data-series="{}" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            escape(line.key),
            escape(line.color),
            points.join(" ")
        );
        for (a, b) in &pts {
            let _ = writeln!(
                s,
                r#"<circle cx="{a:.1}" cy="{b:.1}" r="3" fill="{}"/>"#,
                escape(line.color)
            );
        }
        let ly = T + 20.0 * k as f64 + 10.0;
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            W - R + 15.0,
            W - R + 35.0,
            escape(line.color),
            W - R + 40.0,
            ly + 4.0,
            escape(line.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Text as SVG character data.
fn escape(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_polyline_per_series_with_its_points() {
        let labels = vec!["10k".to_string(), "1M <sat>".to_string()];
        let svg = rate_chart(
            "rate",
            &labels,
            &[
                Series { key: "a", name: "A", color: "#000", values: vec![Some(1.0), Some(0.5)] },
                Series { key: "b", name: "B", color: "#111", values: vec![None, Some(0.0)] },
            ],
        );
        let lines: Vec<&str> = svg.lines().filter(|l| l.starts_with("<polyline")).collect();
        assert_eq!(lines.len(), 2);
        // 100 % sits at the top margin, 50 % half-way down the plot area, 0 % on the axis.
        assert!(lines[0].contains(r#"data-series="a""#));
        assert!(lines[0].contains("60.0,40.0 500.0,195.0"), "{}", lines[0]);
        assert!(lines[1].contains(r#"points="500.0,350.0""#), "{}", lines[1]);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("1M &lt;sat&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
