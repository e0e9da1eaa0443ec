//! SVG to PNG with resvg, using the DejaVu Sans font shipped in this crate
//! (no system fonts are read, nothing is downloaded).

/// The bundled font (DejaVu Sans, Bitstream Vera licence: see fonts/).
pub const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Errors while rendering.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The SVG could not be parsed.
    #[error("invalid SVG: {0}")]
    Svg(String),
    /// The image could not be allocated or encoded.
    #[error("cannot render the PNG: {0}")]
    Render(String),
}

/// Renders `svg` at `dpi` (the SVG is laid out at 96 dpi).
pub fn svg_to_png(svg: &str, dpi: f64) -> Result<Vec<u8>, PngError> {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_font_data(FONT.to_vec());
    opt.font_family = "DejaVu Sans".into();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).map_err(|e| PngError::Svg(e.to_string()))?;
    let scale = (dpi / 96.0) as f32;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| PngError::Render("empty image".into()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| PngError::Render(format!("{}x{} px is too large", size.width(), size.height())))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| PngError::Render(e.to_string()))
}
