# Times the bench/compare workloads in metafor; prints "name seconds" lines.
# Usage: Rscript bench/metafor.R DATA_DIR
suppressPackageStartupMessages(library(metafor))
dir <- commandArgs(TRUE)[1]
per_call <- function(reps, f) { f(); t <- system.time(for (i in seq_len(reps)) f())[["elapsed"]]; t / reps }
bcg <- read.csv(file.path(dir, "bcg.csv"))
cat(sprintf("reml_k13 %.3e\n", per_call(200, function() rma(yi, vi, data = bcg))))
cat(sprintf("reml_confint_k13 %.3e\n", per_call(100, function() confint(rma(yi, vi, data = bcg)))))
fm <- rma(yi, vi, mods = ~ ablat, data = bcg)
cat(sprintf("permutest_1000 %.3e\n", per_call(1, function() { set.seed(1); permutest(fm, iter = 1000, progbar = FALSE) })))
# The simulation: 500 replicates timed, reported per 10,000 (linear in replicates).
sim <- function(reps) {
  for (r in seq_len(reps)) {
    k <- 10; n1 <- sample(20:100, k, TRUE); n2 <- sample(20:100, k, TRUE)
    theta <- rnorm(k, 0.5, sqrt(0.1))
    m1 <- rnorm(k, theta, 1 / sqrt(n1)); m2 <- rnorm(k, 0, 1 / sqrt(n2))
    sd1 <- sqrt(rchisq(k, n1 - 1) / (n1 - 1)); sd2 <- sqrt(rchisq(k, n2 - 1) / (n2 - 1))
    d <- escalc("SMD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2)
    f <- try(rma(yi, vi, data = d, test = "knha"), silent = TRUE)
    if (!inherits(f, "try-error")) predict(f)
  }
}
cat(sprintf("simulate_10000 %.3e\n", per_call(1, function() sim(500)) * 20))
k1000 <- read.csv(file.path(dir, "k1000.csv"))
cat(sprintf("reml_k1000 %.3e\n", per_call(3, function() rma(yi, vi, data = k1000))))
f1000 <- rma(yi, vi, data = k1000, method = "DL")
cat(sprintf("leave1out_influence_k1000 %.3e\n", per_call(1, function() { leave1out(f1000); influence(f1000) })))
if (Sys.getenv("BENCH_BIG") == "1") {
  k4000 <- read.csv(file.path(dir, "k4000.csv"))
  cat(sprintf("reml_k4000 %.3e\n", per_call(1, function() rma(yi, vi, data = k4000))))
}
# Three-level models with CR2 (clubSandwich): dense at k = 2,000; sparse at
# k = 100,000 with a 600 s limit (dense k x k matrices do not fit in memory
# there; on 2026-12-06 sparse = TRUE stopped after 252 s asking for 74.5 GB).
suppressPackageStartupMessages(library(clubSandwich))
mv2000 <- read.csv(file.path(dir, "mv2000.csv"))
cat(sprintf("mv_cr2_k2000 %.3e\n", per_call(1, function() {
  robust(rma.mv(yi, vi, random = ~ 1 | study/esid, data = mv2000), cluster = mv2000$study, clubSandwich = TRUE)
})))
mv100000 <- read.csv(file.path(dir, "mv100000.csv"))
t <- tryCatch({
  setTimeLimit(elapsed = 600, transient = TRUE)
  s <- system.time(robust(rma.mv(yi, vi, random = ~ 1 | study/esid, data = mv100000, sparse = TRUE),
                          cluster = mv100000$study, clubSandwich = TRUE))[["elapsed"]]
  setTimeLimit(elapsed = Inf)
  sprintf("%.3e", s)
}, error = function(e) {
  setTimeLimit(elapsed = Inf)
  if (grepl("time limit", conditionMessage(e))) "timeout600" else "failed"
})
cat(sprintf("mv_cr2_k100000 %s\n", t))
