//! # acumen_meta._core
//!
//! The Python extension of the Acumen evidence engine: a table and an
//! analysis request (metafor's option names, as `acumen meta` takes them)
//! in, the engine's JSON contract (metafor's names, `.` written `_`) out;
//! forest and funnel plots as SVG or PNG; and `rma_batch`, many
//! independent intercept-only fits over packed float64 buffers, released
//! from the GIL and run in parallel with rayon. The Python package
//! (`acumen_meta/__init__.py`) gives these the interface metafor users know.
#![deny(missing_docs)]

use acumen_meta::batch::rma_batch as rma_batch_rows;
use acumen_meta::design::Design;
use acumen_meta::json::{analysis_json, mh_json};
use acumen_meta::table::Table;
use acumen_meta::{fit, FitOptions, MetaError, Method, Outcome, Request, Test};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

pyo3::create_exception!(
    _core,
    ConvergenceError,
    PyValueError,
    "An iterative estimator did not converge (the message says which and what to change)."
);

fn err(e: MetaError) -> PyErr {
    match e {
        MetaError::NotConverged(m) => ConvergenceError::new_err(m),
        MetaError::Usage(m) => PyValueError::new_err(m),
        e => PyValueError::new_err(e.to_string()),
    }
}

fn request(json: &str) -> PyResult<Request> {
    serde_json::from_str(json).map_err(|e| PyValueError::new_err(format!("options: {e}")))
}

/// Runs an analysis: the table as headers and rows of cell texts (as in a
/// CSV: "" or "NA" for missing), the request as JSON; returns the engine's
/// JSON with a `provenance` block.
#[pyfunction]
fn analyse(py: Python<'_>, headers: Vec<String>, rows: Vec<Vec<String>>, request_json: &str) -> PyResult<String> {
    let req = request(request_json)?;
    py.allow_threads(move || {
        let table = Table::from_rows(headers, &rows);
        let opts = req.options().map_err(err)?;
        let (outcome, prov) = req.run_traced(&table, &opts).map_err(err)?;
        let mut v = match outcome {
            Outcome::Rma(a) => {
                serde_json::to_value(analysis_json(&a)).map_err(|e| PyValueError::new_err(e.to_string()))?
            }
            Outcome::Mh(m) => mh_json(&m),
            Outcome::Mv(m) => acumen_meta::mv::json::mv_json(&m),
        };
        v["provenance"] = serde_json::to_value(&prov).unwrap_or_default();
        Ok(v.to_string())
    })
}

/// The forest (`kind` = "forest") or funnel ("funnel") plot of an analysis, as SVG.
#[pyfunction]
fn plot(
    py: Python<'_>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    request_json: &str,
    kind: &str,
) -> PyResult<String> {
    let req = request(request_json)?;
    let kind = kind.to_string();
    py.allow_threads(move || {
        let table = Table::from_rows(headers, &rows);
        let opts = req.options().map_err(err)?;
        let Outcome::Rma(a) = req.run(&table, &opts).map_err(err)? else {
            return Err(PyValueError::new_err(
                "plots are drawn for rma fits; use rma() for the plot",
            ));
        };
        let m = req.measure.as_deref().filter(|m| !m.is_empty());
        let transf = acumen_plot::from_analysis::default_transf(m);
        match kind.as_str() {
            "forest" => Ok(acumen_plot::forest_svg(&acumen_plot::from_analysis::forest(
                &a, m, transf, None,
            ))),
            "funnel" => acumen_plot::from_analysis::funnel(&a, m, transf)
                .map(|f| acumen_plot::funnel_svg(&f))
                .ok_or_else(|| PyValueError::new_err("a funnel plot needs a model without moderators")),
            other => Err(PyValueError::new_err(format!("'{other}' is not forest or funnel"))),
        }
    })
}

/// An SVG rendered as PNG at `dpi`.
#[pyfunction]
fn svg_to_png<'py>(py: Python<'py>, svg: &str, dpi: f64) -> PyResult<Bound<'py, PyBytes>> {
    let png = acumen_plot::svg_to_png(svg, dpi).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &png))
}

fn floats(b: &[u8], what: &str) -> PyResult<Vec<f64>> {
    if b.len() % 8 != 0 {
        return Err(PyValueError::new_err(format!("{what}: not a float64 buffer")));
    }
    Ok(b.chunks_exact(8)
        .map(|c| f64::from_ne_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// Per analysis: b, se, zval (or tval), pval, ci_lb, ci_ub, tau2, I2, QE, QEp, k.
const BATCH_FIELDS: [&str; 11] = [
    "b", "se", "stat", "pval", "ci_lb", "ci_ub", "tau2", "I2", "QE", "QEp", "k",
];

fn batch_options(method: &str, test: &str, level: f64) -> PyResult<FitOptions> {
    Ok(FitOptions {
        method: method
            .parse::<Method>()
            .map_err(|e| PyValueError::new_err(format!("method: {e}")))?,
        test: test
            .parse::<Test>()
            .map_err(|e| PyValueError::new_err(format!("test: {e}")))?,
        level,
        skip_r2: true,
        ..FitOptions::default()
    })
}

/// The fits of a batch, `BATCH_FIELDS` per row (NaN where a row could not
/// be fitted), and the error of each such row.
type BatchOut = (Vec<f64>, Vec<(usize, String)>);

fn run_batch(py: Python<'_>, y: &[f64], v: &[f64], rows: usize, cols: usize, opts: &FitOptions) -> PyResult<BatchOut> {
    if y.len() != rows * cols || v.len() != rows * cols {
        return Err(PyValueError::new_err(format!(
            "yi and vi must both hold {rows} × {cols} values"
        )));
    }
    py.allow_threads(|| {
        let results = if rows == 0 {
            Vec::new()
        } else {
            rma_batch_rows(y, v, cols, opts).map_err(err)?
        };
        let mut out = Vec::with_capacity(rows * BATCH_FIELDS.len());
        let mut errors = Vec::new();
        for (r, res) in results.into_iter().enumerate() {
            match res {
                Ok(f) => out.extend([
                    f.b, f.se, f.stat, f.pval, f.ci_lb, f.ci_ub, f.tau2, f.i2, f.qe, f.qe_p, f.k as f64,
                ]),
                Err(e) => {
                    errors.push((r, e.to_string()));
                    out.extend([f64::NAN; BATCH_FIELDS.len()]);
                }
            }
        }
        Ok((out, errors))
    })
}

/// `rows` × `cols` packed float64 buffers of yi and vi (NaN = no study in
/// that cell); one intercept-only fit per row, in parallel without the GIL.
/// Returns the packed float64 buffer of `BATCH_FIELDS` per row and the
/// error of each row that could not be fitted. (The path without numpy.)
#[pyfunction]
#[pyo3(signature = (yi, vi, rows, cols, method="REML", test="z", level=95.0))]
#[allow(clippy::too_many_arguments)]
fn rma_batch<'py>(
    py: Python<'py>,
    yi: &[u8],
    vi: &[u8],
    rows: usize,
    cols: usize,
    method: &str,
    test: &str,
    level: f64,
) -> PyResult<(Bound<'py, PyBytes>, Vec<(usize, String)>)> {
    let opts = batch_options(method, test, level)?;
    let (y, v) = (floats(yi, "yi")?, floats(vi, "vi")?);
    let (out, errors) = run_batch(py, &y, &v, rows, cols, &opts)?;
    let bytes: Vec<u8> = out.iter().flat_map(|x| x.to_ne_bytes()).collect();
    Ok((PyBytes::new(py, &bytes), errors))
}

/// As `rma_batch`, for C-contiguous float64 numpy arrays: read in place
/// (no copy) and answered with a rows × `BATCH_FIELDS` array that takes
/// over the engine's buffer (no copy either).
#[pyfunction]
#[pyo3(signature = (yi, vi, method="REML", test="z", level=95.0))]
fn rma_batch_array<'py>(
    py: Python<'py>,
    yi: PyReadonlyArray2<'py, f64>,
    vi: PyReadonlyArray2<'py, f64>,
    method: &str,
    test: &str,
    level: f64,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<(usize, String)>)> {
    let opts = batch_options(method, test, level)?;
    let (rows, cols) = (yi.shape()[0], yi.shape()[1]);
    if vi.shape() != [rows, cols] {
        return Err(PyValueError::new_err(format!(
            "yi is {rows} × {cols} but vi is {:?}",
            vi.shape()
        )));
    }
    let contiguous = |e| PyValueError::new_err(format!("yi and vi must be C-contiguous: {e}"));
    let (y, v) = (yi.as_slice().map_err(contiguous)?, vi.as_slice().map_err(contiguous)?);
    let (out, errors) = run_batch(py, y, v, rows, cols, &opts)?;
    let table =
        Array2::from_shape_vec((rows, BATCH_FIELDS.len()), out).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((table.into_pyarray(py), errors))
}

/// One intercept-only `rma.uni` fit of packed float64 `yi` and `vi` (the
/// fast path of `rma(yi, vi)`, without a table or JSON): metafor's names.
#[pyfunction]
#[pyo3(signature = (yi, vi, method="REML", test="z", level=95.0))]
fn fit_arrays<'py>(
    py: Python<'py>,
    yi: &[u8],
    vi: &[u8],
    method: &str,
    test: &str,
    level: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (y, v) = (floats(yi, "yi")?, floats(vi, "vi")?);
    if y.len() != v.len() {
        return Err(PyValueError::new_err(format!(
            "yi has {} values but vi has {}",
            y.len(),
            v.len()
        )));
    }
    let opts = FitOptions {
        method: method
            .parse::<Method>()
            .map_err(|e| PyValueError::new_err(format!("method: {e}")))?,
        test: test
            .parse::<Test>()
            .map_err(|e| PyValueError::new_err(format!("test: {e}")))?,
        level,
        ..FitOptions::default()
    };
    let f = if y.len() > 10_000 {
        py.allow_threads(|| fit(&y, &v, Design::intercept(y.len()), &opts))
            .map_err(err)?
    } else {
        fit(&y, &v, Design::intercept(y.len()), &opts).map_err(err)?
    };
    let d = PyDict::new(py);
    d.set_item("k", f.k)?;
    d.set_item("p", f.p)?;
    d.set_item("coef_names", vec!["intrcpt"])?;
    d.set_item("b", f.b.clone())?;
    d.set_item("se", f.se.clone())?;
    d.set_item("stat", f.stat.clone())?;
    d.set_item("pval", f.pval.clone())?;
    d.set_item("ci_lb", f.ci_lb.clone())?;
    d.set_item("ci_ub", f.ci_ub.clone())?;
    d.set_item("tau2", f.tau2)?;
    d.set_item("se_tau2", f.se_tau2)?;
    d.set_item("I2", f.i2)?;
    d.set_item("H2", f.h2)?;
    d.set_item("QE", f.qe)?;
    d.set_item("QEp", f.qe_p)?;
    d.set_item("QM", f.qm)?;
    d.set_item("QMp", f.qm_p)?;
    Ok(d)
}

/// The engine's version.
#[pyfunction]
fn engine_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyse, m)?)?;
    m.add_function(wrap_pyfunction!(plot, m)?)?;
    m.add_function(wrap_pyfunction!(svg_to_png, m)?)?;
    m.add_function(wrap_pyfunction!(rma_batch, m)?)?;
    m.add_function(wrap_pyfunction!(rma_batch_array, m)?)?;
    m.add_function(wrap_pyfunction!(fit_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(engine_version, m)?)?;
    m.add("ConvergenceError", m.py().get_type::<ConvergenceError>())?;
    m.add("BATCH_FIELDS", BATCH_FIELDS.to_vec())?;
    Ok(())
}
