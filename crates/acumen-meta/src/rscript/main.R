# ---- the check -----------------------------------------------------------------
invisible(Sys.setlocale("LC_COLLATE", "C"))
d <- read.csv(text = data_csv, stringsAsFactors = FALSE, na.strings = c("", "NA"))
rows <- list()
notes <- character(0)
# Each estimator that did not converge in Acumen must not converge in metafor either.
for (att in fallback) {
  if (att$converged) next
  only_fit <- modifyList(o, list(method = att$method, stepadj = att$stepadj, all = FALSE, leave1out = FALSE,
    influence = FALSE, regtest = FALSE, ranktest = FALSE, trimfill = FALSE, cumul = FALSE, cumul_order = NULL,
    permutations = NULL, reduced_mods = NULL, wald = NULL, newmods = NULL, subgroup = NULL))
  # metafor stops with an error, or (PM's root search) warns that it did not converge.
  warned <- NULL
  op <- options(warn = 0)
  r <- withCallingHandlers(try(metafor_rma(d, only_fit), silent = TRUE), warning = function(w) {
    if (grepl("converge", conditionMessage(w))) warned <<- conditionMessage(w)
    invokeRestart("muffleWarning")
  })
  options(op)
  stopped <- inherits(r, "try-error") || !is.null(warned)
  rows <- c(rows, list(list(block = "fallback", value = sprintf("%s, stepadj = %g", att$method, att$stepadj), n = 1,
    worst = NA, status = if (stopped) "match" else "MISMATCH",
    note = if (stopped) paste("metafor stops too:", trimws(if (is.null(warned)) conditionMessage(attr(r, "condition")) else warned))
           else "metafor converged where Acumen did not")))
}
m <- metafor_rma(d, o)
slack <- metafor_slack(d, o, m)
if (!is.null(o$permutations) && !isTRUE(o$permutations_exact))
  notes <- c(notes, "the random permutation test is not compared: R's random numbers are not Acumen's (exact tests are)")
if (o$method == "GENQ" && !is.null(acumen$confint))
  notes <- c(notes, "the GENQ interval for tau^2 is not compared: metafor needs the CompQuadForm package for it")
if (slack > 0) notes <- c(notes, sprintf("iterative values may differ by %.1e (relative) as metafor's own stopping rules allow", slack))
rows <- compare_results(m, acumen, slack, rows = rows)
acumen_all_match <- report(rows, notes)
if (sys.nframe() == 0L && !interactive()) quit(status = if (acumen_all_match) 0 else 1)
