# ---- the analysis, as metafor 3.8 computes it -------------------------------
# (part of every script `acumen meta --r-script` writes; the same names and
# shapes as Acumen's JSON, so that the two can be compared value by value)
.cols_for <- function(measure, d) {
  sets <- switch(measure,
    SMD =, SMDH =, MD =, ROM = list(c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")),
    OR =, RR =, RD =, PETO = list(c("ai", "bi", "ci", "di"), c("ai", "n1i", "ci", "n2i")),
    MN = list(c("mi", "sdi", "ni")), PR =, PLO =, PAS = list(c("xi", "ni")),
    IRR = list(c("x1i", "t1i", "x2i", "t2i")), COR =, ZCOR = list(c("ri", "ni")),
    MC =, SMCC = list(c("m1i", "m2i", "sd1i", "sd2i", "ni", "ri")), SMCR = list(c("m1i", "m2i", "sd1i", "ni", "ri")))
  for (s in sets) if (all(s %in% names(d))) return(s)
  stop("the columns that measure ", measure, " needs are missing")
}
.levels_of <- function(g) {
  g <- g[!is.na(g) & g != ""]
  if (is.numeric(g)) as.character(sort(unique(g))) else sort(unique(as.character(g)))
}
.ok <- function(expr) { v <- try(expr, silent = TRUE); if (inherits(v, "try-error")) NULL else v }
.egger <- function(x) list(stat = x$zval, pval = x$pval, ddf = x$ddf,
  limit_est = if (is.null(x$est)) NA else unname(x$est),
  limit_ci_lb = if (is.null(x$ci.lb)) NA else unname(x$ci.lb),
  limit_ci_ub = if (is.null(x$ci.ub)) NA else unname(x$ci.ub))
.steps <- function(l, tau2 = TRUE) list(estimate = l$estimate, se = l$se,
  stat = if (is.null(l$zval)) l$tval else l$zval, pval = l$pval, ci_lb = l$ci.lb, ci_ub = l$ci.ub,
  Q = l$Q, Qp = l$Qp, tau2 = if (!tau2 || is.null(l$tau2)) rep(NA_real_, length(l$estimate)) else l$tau2,
  I2 = l$I2, H2 = l$H2)
.cumul_key <- function(d, o) if (is.null(o$cumul_order)) seq_len(nrow(d)) else d[[o$cumul_order]]

# The inverse-variance analysis (rma.uni) with the blocks asked for.
metafor_rma <- function(d, o, control = list(), ci_control = list()) {
  if (o$method %in% c("MH", "PETO")) return(metafor_mh(d, o))
  control$maxiter <- if (is.null(control$maxiter)) o$maxiter else control$maxiter
  if (is.null(control$stepadj)) control$stepadj <- o$stepadj
  out <- list()
  if (!is.null(o$measure)) {
    cols <- .cols_for(o$measure, d)
    a <- c(list(measure = o$measure, vtype = o$vtype, to = o$to, drop00 = isTRUE(o$drop00)),
           lapply(setNames(cols, cols), function(c) d[[c]]))
    if (!is.null(o$add)) a$add <- o$add
    e <- do.call(escalc, a)
    yi <- as.numeric(e$yi); vi <- as.numeric(e$vi)
    out$escalc <- list(yi = yi, vi = vi)
  } else {
    yi <- d$yi; vi <- if (!is.null(d$vi)) d$vi else d$sei^2
  }
  args <- list(yi = yi, vi = vi, data = d, method = o$method, test = o$test, level = o$level,
               weighted = !o$unweighted, control = control)
  if (!is.null(o$mods)) args$mods <- as.formula(o$mods)
  if (!is.null(o$btt)) args$btt <- o$btt
  if (!is.null(o$weights)) args$weights <- d[[o$weights]]
  if (!is.null(o$tau2)) args$tau2 <- o$tau2
  r <- do.call(rma, args)
  fs <- r$fit.stats
  rs <- rstandard(r)
  stat <- function(col) list(ll = fs["ll", col], dev = fs["dev", col], AIC = fs["AIC", col],
                             BIC = fs["BIC", col], AICc = fs["AICc", col])
  out$fit <- list(k = r$k, p = r$p, dropped_rows = unname(lapply(which(!r$not.na), function(i) list(row = i))),
    coef_names = rownames(r$beta), b = c(r$beta), se = r$se, stat = r$zval, pval = r$pval,
    ci_lb = r$ci.lb, ci_ub = r$ci.ub, vb = unname(as.matrix(r$vb)), tau2 = r$tau2, se_tau2 = r$se.tau2,
    I2 = r$I2, H2 = r$H2, vt = r$vt, QE = r$QE, QEp = r$QEp, QM = r$QM, QMp = r$QMp, QMdf = r$QMdf,
    ddf = r$ddf, s2w = r$s2w, R2 = r$R2, weights_pct = unname(weights(r)),
    fitted = unname(fitted(r)), rstandard = list(resid = rs$resid, se = rs$se, z = rs$z),
    fit_stats = list(ML = stat("ML"), REML = stat("REML")))
  if (is.null(out$fit$R2)) out$fit$R2 <- NULL
  ci_applies <- !(o$method %in% c("EE", "FE", "GENQ")) && r$k > 1 && is.null(o$tau2) && all(r$vi > 0)
  if (o$all && ci_applies) {
    cr <- do.call(confint, c(list(r), list(control = ci_control)))
    ci <- cr$random
    out$confint <- list(tau2 = unname(ci[1, ]), tau = unname(ci[2, ]), I2 = unname(ci[3, ]), H2 = unname(ci[4, ]),
                        lb_sign = cr$lb.sign, ub_sign = cr$ub.sign)
  }
  if (o$all || !is.null(o$newmods)) {
    pr <- if (is.null(o$newmods)) predict(r) else predict(r, newmods = o$newmods)
    # metafor has no prediction interval for equal-effects models: NA.
    if (is.null(pr$pi.lb)) { pr$pi.lb <- rep(NA_real_, length(pr$pred)); pr$pi.ub <- pr$pi.lb }
    out$predict <- list(pred = c(pr$pred), se = c(pr$se), ci_lb = c(pr$ci.lb), ci_ub = c(pr$ci.ub),
                        pi_lb = c(pr$pi.lb), pi_ub = c(pr$pi.ub))
  }
  if (!is.null(o$subgroup)) {
    g <- d[[o$subgroup]]
    keep <- r$not.na
    levs <- .levels_of(g[keep])
    fits <- list(); b <- c(); s <- c()
    for (l in levs) {
      sel <- keep & !is.na(g) & as.character(g) == l
      sa <- list(yi = yi[sel], vi = vi[sel], method = o$method, test = o$test, level = o$level,
                 weighted = !o$unweighted, control = control)
      if (!is.null(o$weights)) sa$weights <- d[[o$weights]][sel]
      f <- do.call(rma, sa)
      fits[[l]] <- list(k = f$k, b = c(f$beta), se = f$se, stat = f$zval, pval = f$pval, ci_lb = f$ci.lb,
                        ci_ub = f$ci.ub, tau2 = f$tau2, QE = f$QE, QEp = f$QEp, I2 = f$I2, H2 = f$H2)
      b <- c(b, c(f$beta)); s <- c(s, f$se)
    }
    qb <- rma(b, sei = s, method = "EE")
    out$subgroups <- list(levels = levs, fits = fits, Q_between = qb$QE, Q_between_df = length(levs) - 1,
                          Q_between_p = qb$QEp)
  }
  int_only <- r$int.only
  if (o$leave1out || (o$all && int_only && r$k > 1)) {
    l <- .ok(leave1out(r)); if (!is.null(l)) out$leave1out <- .steps(l)
  }
  if (o$influence || (o$all && r$k > 1)) {
    inf <- .ok(influence(r))
    if (!is.null(inf)) {
      dfb <- setNames(lapply(seq_len(r$p), function(j) inf$dfbs[[j]]), rownames(r$beta))
      out$influence <- list(rstudent = inf$inf$rstudent, dffits = inf$inf$dffits, cook_d = inf$inf$cook.d,
        cov_r = inf$inf$cov.r, tau2_del = inf$inf$tau2.del, QE_del = inf$inf$QE.del, hat = inf$inf$hat,
        weight = inf$inf$weight, is_infl = inf$is.infl, dfbetas = dfb)
    }
  }
  if (o$regtest || o$all) {
    a1 <- .ok(regtest(r)); a2 <- .ok(regtest(r, model = "lm"))
    if (!is.null(a1) && !is.null(a2)) out$regtest <- list(rma_sei = .egger(a1), lm_sei = .egger(a2))
  }
  if (o$ranktest || o$all) {
    rk <- .ok(ranktest(r)); if (!is.null(rk)) out$ranktest <- list(tau = unname(rk$tau), pval = rk$pval)
  }
  if (o$trimfill || (o$all && int_only && r$k > 1)) {
    tf <- .ok(trimfill(r))
    if (!is.null(tf)) out$trimfill <- list(estimator = tf$k0.est, side = tf$side, k0 = tf$k0, se_k0 = tf$se.k0,
      k = tf$k, b = c(tf$beta), se = tf$se, stat = tf$zval, pval = tf$pval, ci_lb = tf$ci.lb, ci_ub = tf$ci.ub,
      tau2 = tf$tau2, QE = tf$QE, QEp = tf$QEp, yi_filled = c(tf$yi), vi_filled = c(tf$vi), fill = tf$fill)
  }
  if (o$cumul || !is.null(o$cumul_order) || (o$all && int_only)) {
    key <- .cumul_key(d, o)
    cu <- .ok(cumul(r, order = key))
    if (!is.null(cu)) {
      ord <- order(key); ord <- ord[r$not.na[ord]]
      out$cumul <- c(list(order_ids = ord), .steps(cu))
    }
  }
  # Random permutations draw R's random numbers, not Acumen's: only exact
  # permutation tests are compared (the caller says so).
  if (!is.null(o$permutations) && isTRUE(o$permutations_exact)) {
    pt <- permutest(r, exact = TRUE)
    out$permutest <- list(exact = TRUE, n_perm = NROW(pt$zval.perm), pval = pt$pval, QMp = pt$QMp)
  }
  if (!is.null(o$reduced_mods)) {
    fargs <- args; fargs$method <- if (o$method %in% c("EE", "FE")) o$method else "ML"; fargs$btt <- NULL
    full <- do.call(rma, fargs)
    rargs <- fargs; rargs$mods <- as.formula(o$reduced_mods)
    red <- do.call(rma, rargs)
    an <- anova(full, red)
    fs4 <- function(v) list(ll = unname(v["ll"]), AIC = unname(v["AIC"]), BIC = unname(v["BIC"]), AICc = unname(v["AICc"]))
    out$anova_lrt <- list(reduced_mods = o$reduced_mods, LRT = an$LRT, pval = an$pval, df_full = an$parms.f,
      df_reduced = an$parms.r, QE_full = an$QE.f, QE_reduced = an$QE.r, R2 = an$R2,
      fit_stats_full = fs4(unlist(an$fit.stats.f)), fit_stats_reduced = fs4(unlist(an$fit.stats.r)))
  }
  if (!is.null(o$wald)) {
    an <- anova(r, btt = o$wald)
    out$anova_wald <- list(btt = an$btt, QM = an$QM, QMp = an$QMp, QMdf = an$QMdf)
  }
  out
}

# Mantel-Haenszel (rma.mh) and Peto (rma.peto) pooling with their blocks.
metafor_mh <- function(d, o) {
  cols <- .cols_for(o$measure, d)
  a <- c(list(measure = o$measure, to = o$to, level = o$level), lapply(setNames(cols, cols), function(c) d[[c]]))
  if (!is.null(o$add)) a$add <- o$add
  a$drop00 <- if (is.null(o$drop00)) TRUE else o$drop00
  if (o$method == "MH") { a$correct <- !o$no_correct; r <- do.call(rma.mh, a) } else { a$measure <- NULL; r <- do.call(rma.peto, a) }
  # escalc() as metafor's own: drop00 only when asked for.
  ea <- c(list(measure = if (o$method == "PETO") "PETO" else o$measure, to = o$to, drop00 = isTRUE(o$drop00)),
          lapply(setNames(cols, cols), function(c) d[[c]]))
  if (!is.null(o$add)) ea$add <- o$add
  e <- do.call(escalc, ea)
  op <- options(na.action = "na.pass"); on.exit(options(op))
  rs <- rstandard(r)
  fit <- list(k = r$k, k_yi = r$k.yi, b = c(r$beta), se = r$se, stat = r$zval, pval = r$pval,
    ci_lb = r$ci.lb, ci_ub = r$ci.ub, QE = r$QE, QEp = r$QEp, I2 = r$I2, H2 = r$H2,
    yi = as.numeric(r$yi.f), vi = as.numeric(r$vi.f), weights_pct = unname(weights(r)),
    rstandard = list(resid = rs$resid, se = rs$se, z = rs$z))
  if (o$method == "MH" && o$measure == "OR") {
    fit <- c(fit, list(CO = r$CO, COp = r$COp, MH = r$MH, MHp = r$MHp, BD = r$BD, BDp = r$BDp, TA = r$TA, TAp = r$TAp,
                       k_pos = r$k.pos))
  }
  out <- list(escalc = list(yi = as.numeric(e$yi), vi = as.numeric(e$vi)), fit = fit)
  options(op)
  if (o$all) {
    pr <- predict(r)
    out$predict <- list(pred = c(pr$pred), se = c(pr$se), ci_lb = c(pr$ci.lb), ci_ub = c(pr$ci.ub),
                        pi_lb = NA_real_, pi_ub = NA_real_)
  }
  if (o$leave1out || o$all) {
    options(na.action = "na.pass")
    l <- .ok(leave1out(r)); if (!is.null(l)) out$leave1out <- .steps(l, tau2 = FALSE)
    options(op)
  }
  if (o$regtest || o$all) {
    a1 <- .ok(regtest(r)); a2 <- .ok(regtest(r, model = "lm"))
    if (!is.null(a1) && !is.null(a2)) out$regtest <- list(rma_sei = .egger(a1), lm_sei = .egger(a2))
  }
  if (o$ranktest || o$all) {
    rk <- .ok(ranktest(r)); if (!is.null(rk)) out$ranktest <- list(tau = unname(rk$tau), pval = rk$pval)
  }
  if (o$cumul || !is.null(o$cumul_order) || o$all) {
    key <- .cumul_key(d, o)
    cu <- .ok(cumul(r, order = key))
    if (!is.null(cu)) {
      ord <- order(key); ord <- ord[r$not.na[ord]]
      out$cumul <- c(list(order_ids = ord), .steps(cu, tau2 = FALSE))
    }
  }
  out
}

# ---- the comparison -----------------------------------------------------------
.numeric_leaves <- function(x) {
  if (is.list(x)) return(unlist(lapply(x, .numeric_leaves)))
  if (is.numeric(x)) return(as.numeric(x))
  numeric(0)
}
# How far metafor's own stopping rules leave its numbers from the exact ones:
# the largest relative change when refitted with very tight settings.
metafor_slack <- function(d, o, m) {
  iterative <- o$method %in% c("ML", "REML", "EB", "PM", "PMM", "DLIT", "SJIT") || o$all
  if (!iterative || o$method %in% c("MH", "PETO")) return(0)
  tight <- try(metafor_rma(d, o, control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000),
                           ci_control = list(tol = 1e-12)), silent = TRUE)
  if (inherits(tight, "try-error")) return(1e-4)
  x <- .numeric_leaves(m); y <- .numeric_leaves(tight)
  if (length(x) != length(y)) return(1e-4)
  ok <- is.finite(x) & is.finite(y)
  if (any(ok)) max(abs(x[ok] - y[ok]) / pmax(abs(x[ok]), 1)) else 0
}
.close <- function(a, e, slack) {
  if (identical(a, e)) return(TRUE)
  if (is.na(a) || is.na(e)) return(is.na(a) && is.na(e))
  if (is.infinite(a) || is.infinite(e)) return(a == e)
  abs(a - e) <= tolerance$rel * abs(e) + tolerance$abs + tolerance$slack_factor * slack * max(abs(e), 1)
}
# Walks metafor's results; every value there must be in Acumen's, and agree.
compare_results <- function(m, a, slack, path = character(0), rows = list()) {
  here <- paste(path, collapse = "$")
  if (is.list(m) && !is.data.frame(m)) {
    nm <- names(m)
    for (i in seq_along(m)) {
      key <- if (is.null(nm) || nm[i] == "") i else nm[i]
      sub <- if (is.list(a) && (is.numeric(key) || key %in% names(a))) a[[key]] else NULL
      rows <- compare_results(m[[i]], sub, slack, c(path, as.character(key)), rows)
    }
    return(rows)
  }
  if (is.null(m) || length(m) == 0) return(rows)
  block <- path[1]
  row <- function(n, worst, status, note = "") list(block = block, value = here, n = n, worst = worst,
                                                    status = status, note = note)
  if (is.null(a)) return(c(rows, list(row(length(m), NA, "MISMATCH", "missing in Acumen's results"))))
  if (is.character(m) || is.logical(m) && !all(is.na(m))) {
    same <- length(a) == length(m) && all((is.na(a) & is.na(m)) | (!is.na(a) & !is.na(m) & a == m))
    return(c(rows, list(row(length(m), NA, if (isTRUE(same)) "match" else "MISMATCH",
                            if (isTRUE(same)) "" else paste0("Acumen: ", paste(a, collapse = " "),
                                                              "; metafor: ", paste(m, collapse = " "))))))
  }
  e <- as.numeric(m); x <- suppressWarnings(as.numeric(unlist(a)))
  if (length(e) != length(x))
    return(c(rows, list(row(length(e), NA, "MISMATCH", sprintf("Acumen has %d values, metafor %d", length(x), length(e))))))
  good <- mapply(.close, x, e, MoreArgs = list(slack = slack))
  fin <- is.finite(x) & is.finite(e)
  worst <- if (any(fin)) max(abs(x[fin] - e[fin]) / pmax(abs(e[fin]), 1)) else 0
  note <- if (all(good)) "" else {
    j <- which(!good)[1]
    sprintf("[%d] Acumen %.15g, metafor %.15g", j, x[j], e[j])
  }
  c(rows, list(row(length(e), worst, if (all(good)) "match" else "MISMATCH", note)))
}
# Prints the table (one line per value) and ALL MATCH or the mismatches.
report <- function(rows, notes) {
  cat(sprintf("%-10s %-34s %5s %12s  %s\n", "block", "value", "n", "max rel diff", "status"))
  for (r in rows) {
    cat(sprintf("%-10s %-34s %5d %12s  %s%s\n", r$block, substr(r$value, 1, 34), as.integer(r$n),
                if (is.na(r$worst)) "" else formatC(r$worst, format = "e", digits = 1), r$status,
                if (nzchar(r$note)) paste0("  ", r$note) else ""))
  }
  for (n in notes) cat("note:", n, "\n")
  bad <- Filter(function(r) r$status != "match", rows)
  if (length(bad) == 0 && length(rows) > 0) {
    cat(sprintf("ALL MATCH (%d values compared)\n", sum(vapply(rows, function(r) as.integer(r$n), 0L))))
    TRUE
  } else {
    cat(sprintf("MISMATCH: %d of %d values differ\n", length(bad), length(rows)))
    FALSE
  }
}
