//! The model matrix `X` (k rows, p columns), stored row-major.

/// A model matrix with named columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Number of rows (studies).
    pub k: usize,
    /// Number of columns (coefficients).
    pub p: usize,
    /// Row-major values.
    pub data: Vec<f64>,
    /// Column names as metafor prints them (`intrcpt`, `ablat`, ...).
    pub names: Vec<String>,
}

impl Design {
    /// The intercept-only design for `k` studies.
    pub fn intercept(k: usize) -> Self {
        Design {
            k,
            p: 1,
            data: vec![1.0; k],
            names: vec!["intrcpt".into()],
        }
    }

    /// Builds a design from rows.
    pub fn from_rows(names: Vec<String>, rows: &[Vec<f64>]) -> Self {
        let p = names.len();
        let mut data = Vec::with_capacity(rows.len() * p);
        for r in rows {
            data.extend_from_slice(r);
        }
        Design {
            k: rows.len(),
            p,
            data,
            names,
        }
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.p..(i + 1) * self.p]
    }

    /// Whether the first column is the intercept.
    pub fn has_intercept(&self) -> bool {
        self.names.first().is_some_and(|n| n == "intrcpt") && (0..self.k).all(|i| self.row(i)[0] == 1.0)
    }

    /// Whether this is the intercept-only model.
    pub fn is_intercept_only(&self) -> bool {
        self.p == 1 && self.has_intercept()
    }

    /// Keeps only the rows where `keep` is true.
    pub fn subset(&self, keep: &[bool]) -> Design {
        let mut data = Vec::new();
        let mut k = 0;
        for (i, &kp) in keep.iter().enumerate() {
            if kp {
                data.extend_from_slice(self.row(i));
                k += 1;
            }
        }
        Design {
            k,
            p: self.p,
            data,
            names: self.names.clone(),
        }
    }

    /// Drops columns that are linear combinations of earlier ones (as R's
    /// `lm` does with its QR tolerance 1e-7) and returns their names.
    pub fn drop_redundant(&mut self) -> Vec<String> {
        let (k, p) = (self.k, self.p);
        if p == 1 {
            // One column: redundant only if it is all zeros.
            if self.data.iter().all(|v| *v == 0.0) {
                let names = std::mem::take(&mut self.names);
                self.p = 0;
                self.data.clear();
                return names;
            }
            return Vec::new();
        }
        let mut basis: Vec<Vec<f64>> = Vec::new();
        let mut keep = Vec::with_capacity(p);
        for c in 0..p {
            let col: Vec<f64> = (0..k).map(|i| self.data[i * p + c]).collect();
            let norm0 = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            let mut r = col.clone();
            for q in &basis {
                let dot: f64 = r.iter().zip(q).map(|(a, b)| a * b).sum();
                r.iter_mut().zip(q).for_each(|(a, b)| *a -= dot * b);
            }
            let norm = r.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm0 > 0.0 && norm > 1e-7 * norm0 {
                basis.push(r.iter().map(|v| v / norm).collect());
                keep.push(true);
            } else {
                keep.push(false);
            }
        }
        let dropped: Vec<String> = (0..p).filter(|&c| !keep[c]).map(|c| self.names[c].clone()).collect();
        if dropped.is_empty() {
            return dropped;
        }
        let names: Vec<String> = (0..p).filter(|&c| keep[c]).map(|c| self.names[c].clone()).collect();
        let mut data = Vec::with_capacity(k * names.len());
        for i in 0..k {
            for c in 0..p {
                if keep[c] {
                    data.push(self.data[i * p + c]);
                }
            }
        }
        self.p = names.len();
        self.names = names;
        self.data = data;
        dropped
    }
}
