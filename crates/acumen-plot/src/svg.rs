//! A small SVG writer: elements as strings, text escaped, numbers rounded
//! to 0.01 px so output is byte-stable.

use std::fmt::Write;

/// Escapes text for SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Rounds a coordinate for output.
pub fn c(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// An SVG document being built.
pub struct Svg {
    body: String,
    /// Width in px.
    pub width: f64,
    /// Height in px.
    pub height: f64,
}

impl Svg {
    /// A new document of the given size (px at 96 dpi).
    pub fn new(width: f64, height: f64) -> Self {
        Svg {
            body: String::new(),
            width,
            height,
        }
    }

    /// A line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="black" {extra}/>"#,
            c(x1),
            c(y1),
            c(x2),
            c(y2)
        );
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            c(x),
            c(y),
            c(w),
            c(h)
        );
    }

    /// A polygon.
    pub fn polygon(&mut self, pts: &[(f64, f64)], class: &str, fill: &str) {
        let p: Vec<String> = pts.iter().map(|(x, y)| format!("{},{}", c(*x), c(*y))).collect();
        let _ = writeln!(
            self.body,
            r#"<polygon class="{class}" points="{}" fill="{fill}" stroke="black"/>"#,
            p.join(" ")
        );
    }

    /// A filled area without outline.
    pub fn area(&mut self, pts: &[(f64, f64)], class: &str, fill: &str) {
        let p: Vec<String> = pts.iter().map(|(x, y)| format!("{},{}", c(*x), c(*y))).collect();
        let _ = writeln!(
            self.body,
            r#"<polygon class="{class}" points="{}" fill="{fill}" stroke="none"/>"#,
            p.join(" ")
        );
    }

    /// A circle.
    pub fn circle(&mut self, x: f64, y: f64, r: f64, class: &str, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}" fill="{fill}" stroke="black"/>"#,
            c(x),
            c(y),
            c(r)
        );
    }

    /// Text; `anchor` is start, middle or end.
    pub fn text(&mut self, x: f64, y: f64, s: &str, anchor: &str, size: f64, class: &str) {
        let _ = writeln!(
            self.body,
            r#"<text class="{class}" x="{}" y="{}" font-size="{}" text-anchor="{anchor}">{}</text>"#,
            c(x),
            c(y),
            c(size),
            esc(s)
        );
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{}</svg>\n",
            self.body,
            w = c(self.width),
            h = c(self.height)
        )
    }
}

/// Approximate width of `s` in px at `size` (DejaVu Sans averages ~0.6 em).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.6
}
